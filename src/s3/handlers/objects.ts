// PLACEHOLDER: replaced by the S3 handlers.
import type { S3Handler } from '../context';
import { S3Error } from '../errors';
const todo: S3Handler = async () => { throw new S3Error('NotImplemented', 'not yet'); };
export const deleteObject = todo;
export const deleteObjects = todo;
export const getObject = todo;
export const headObject = todo;
export const putObject = todo;
