import type { S3Handler } from './context';
import { getBucketAcl, getObjectAcl, putBucketAcl, putObjectAcl } from './handlers/acl';
import { getObjectAttributes } from './handlers/attributes';
import { corsPreflight, deleteBucketCors, getBucketCors, putBucketCors } from './handlers/bucket-cors';
import { createBucket, deleteBucket, getBucketLocation, headBucket, listBuckets } from './handlers/buckets';
import { copyObject, uploadPartCopy } from './handlers/copy';
import { deleteObjects } from './handlers/delete-objects';
import { listObjects, listObjectsV2 } from './handlers/listing';
import { abortMultipartUpload, completeMultipartUpload, createMultipartUpload, listMultipartUploads, listParts, uploadPart } from './handlers/multipart';
import { deleteObject, getObject, headObject, putObject } from './handlers/objects';
import { getBucketVersioning, listObjectVersions, putBucketVersioning } from './handlers/versions';
import { S3_MAX_KEY_BYTES, type S3Action } from './operation';

/**
 * What a successful operation changes in this colo's edge cache (adrs/0011), so the cache knows
 * which entries to drop:
 * - `none`: no object's bytes or headers change.
 * - `key`: the object under the request's key.
 * - `keys`: the objects the handler reports in `S3Context.changedKeys` (DeleteObjects names its
 *   keys in the body, which only the handler reads).
 * - `bucket`: the bucket's configuration. Its registry write moves `updatedAt`, which is part of
 *   every entry's cache key, so every entry of the bucket is left behind at once (the Cache API
 *   cannot drop by prefix; the old entries expire with their TTL).
 */
export type EdgeCacheEffect = 'none' | 'key' | 'keys' | 'bucket';

/** One S3 operation as the lifecycle runs it. */
export interface S3OperationSpec {
  handler: S3Handler;
  /** The IAM action (the name AWS policies use) the operation is authorized as. */
  iamAction: string;
  /**
   * `lifecycle`: checked once, for the request's bucket and key, before the handler runs.
   * `handler`: the handler checks itself, per key, per bucket, or on a bucket that does not exist yet.
   */
  authorizedBy: 'lifecycle' | 'handler';
  /** It creates or overwrites an object (or a part of one) under the request's key: the storage's key limit applies. */
  writesKey: boolean;
  edgeCache: EdgeCacheEffect;
}

/** Reads and other operations that write nothing a GET could see. */
const read = (handler: S3Handler, iamAction: string): S3OperationSpec => ({ handler, iamAction, authorizedBy: 'lifecycle', writesKey: false, edgeCache: 'none' });

/** Every S3 operation the gateway answers: the one table the lifecycle, authorization and edge cache read. */
export const S3_OPERATIONS: { readonly [A in S3Action]: S3OperationSpec } = {
  // Lists the buckets the caller may see (src/s3/bucket-visibility.ts); there is no bucket to check against.
  ListBuckets: { ...read(listBuckets, 's3:ListAllMyBuckets'), authorizedBy: 'handler' },
  // The bucket does not exist yet: the handler checks the name (and s3:PutBucketAcl for a public-read ACL).
  CreateBucket: { ...read(createBucket, 's3:CreateBucket'), authorizedBy: 'handler' },
  DeleteBucket: { ...read(deleteBucket, 's3:DeleteBucket'), edgeCache: 'bucket' },
  HeadBucket: read(headBucket, 's3:ListBucket'),
  GetBucketLocation: read(getBucketLocation, 's3:GetBucketLocation'),
  ListObjects: read(listObjects, 's3:ListBucket'),
  ListObjectsV2: read(listObjectsV2, 's3:ListBucket'),
  ListMultipartUploads: read(listMultipartUploads, 's3:ListBucketMultipartUploads'),
  // Each key of the body is authorized on its own; refusals become per-key errors.
  DeleteObjects: { handler: deleteObjects, iamAction: 's3:DeleteObject', authorizedBy: 'handler', writesKey: false, edgeCache: 'keys' },
  // The same facts GET reveals, so the same permission.
  HeadObject: read(headObject, 's3:GetObject'),
  GetObject: read(getObject, 's3:GetObject'),
  PutObject: { handler: putObject, iamAction: 's3:PutObject', authorizedBy: 'lifecycle', writesKey: true, edgeCache: 'key' },
  DeleteObject: { handler: deleteObject, iamAction: 's3:DeleteObject', authorizedBy: 'lifecycle', writesKey: false, edgeCache: 'key' },
  CreateMultipartUpload: { ...read(createMultipartUpload, 's3:PutObject'), writesKey: true },
  // A part is invisible until the upload completes.
  UploadPart: { ...read(uploadPart, 's3:PutObject'), writesKey: true },
  CompleteMultipartUpload: { handler: completeMultipartUpload, iamAction: 's3:PutObject', authorizedBy: 'lifecycle', writesKey: true, edgeCache: 'key' },
  AbortMultipartUpload: read(abortMultipartUpload, 's3:AbortMultipartUpload'),
  ListParts: read(listParts, 's3:ListMultipartUploadParts'),
  GetBucketCors: read(getBucketCors, 's3:GetBucketCORS'),
  // CORS headers are added to every answer after the cache, never stored in an entry.
  PutBucketCors: read(putBucketCors, 's3:PutBucketCORS'),
  DeleteBucketCors: read(deleteBucketCors, 's3:PutBucketCORS'),
  // A preflight carries no credentials: the bucket's CORS rules answer it. The action is never checked.
  CorsPreflight: { ...read(corsPreflight, 's3:GetObject'), authorizedBy: 'handler' },
  // The destination; the handler authorizes the copy source as s3:GetObject.
  CopyObject: { handler: copyObject, iamAction: 's3:PutObject', authorizedBy: 'lifecycle', writesKey: true, edgeCache: 'key' },
  UploadPartCopy: { ...read(uploadPartCopy, 's3:PutObject'), writesKey: true },
  // The same facts HEAD reveals, so the same permission.
  GetObjectAttributes: read(getObjectAttributes, 's3:GetObject'),
  GetBucketVersioning: read(getBucketVersioning, 's3:GetBucketVersioning'),
  // Refused (buckets stay unversioned): nothing changes.
  PutBucketVersioning: read(putBucketVersioning, 's3:PutBucketVersioning'),
  ListObjectVersions: read(listObjectVersions, 's3:ListBucketVersions'),
  GetBucketAcl: read(getBucketAcl, 's3:GetBucketAcl'),
  // Sets the bucket's public flags: who may read, and whether the cache is used at all.
  PutBucketAcl: { ...read(putBucketAcl, 's3:PutBucketAcl'), edgeCache: 'bucket' },
  GetObjectAcl: read(getObjectAcl, 's3:GetObjectAcl'),
  // Accepted only when it asks for the ACL the object already has: it changes nothing.
  PutObjectAcl: read(putObjectAcl, 's3:PutObjectAcl'),
};

/**
 * The longest key an operation may name: S3's 1024 bytes, or for an operation that writes the
 * key, what the bucket's storage can hold (its placement prefix counts against R2's 1024).
 */
export function keyLimitFor(action: S3Action, storageMaxKeyBytes: number): number {
  return S3_OPERATIONS[action].writesKey ? Math.min(S3_MAX_KEY_BYTES, storageMaxKeyBytes) : S3_MAX_KEY_BYTES;
}
