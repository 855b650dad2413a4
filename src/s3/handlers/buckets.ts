// PLACEHOLDER: replaced by the S3 handlers.
import type { S3Handler } from '../context';
import { S3Error } from '../errors';
const todo: S3Handler = async () => { throw new S3Error('NotImplemented', 'not yet'); };
export const createBucket = todo;
export const deleteBucket = todo;
export const getBucketLocation = todo;
export const headBucket = todo;
export const listBuckets = todo;
