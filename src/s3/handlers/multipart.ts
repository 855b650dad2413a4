// PLACEHOLDER: replaced by the S3 handlers.
import type { S3Handler } from '../context';
import { S3Error } from '../errors';
const todo: S3Handler = async () => { throw new S3Error('NotImplemented', 'not yet'); };
export const abortMultipartUpload = todo;
export const completeMultipartUpload = todo;
export const createMultipartUpload = todo;
export const listMultipartUploads = todo;
export const listParts = todo;
export const uploadPart = todo;
