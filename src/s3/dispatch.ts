import type { S3Context, S3Handler } from './context';
import { corsPreflight, deleteBucketCors, getBucketCors, putBucketCors } from './handlers/bucket-cors';
import { createBucket, deleteBucket, getBucketLocation, headBucket, listBuckets } from './handlers/buckets';
import { listObjects, listObjectsV2 } from './handlers/listing';
import { abortMultipartUpload, completeMultipartUpload, createMultipartUpload, listMultipartUploads, listParts, uploadPart } from './handlers/multipart';
import { deleteObject, deleteObjects, getObject, headObject, putObject } from './handlers/objects';
import type { S3Action } from './operation';
import { getBucketAcl, getObjectAcl, putBucketAcl, putObjectAcl } from './handlers/acl';
import { getObjectAttributes } from './handlers/attributes';
import { copyObject, uploadPartCopy } from './handlers/copy';
import { getBucketVersioning, listObjectVersions, putBucketVersioning } from './handlers/versions';

const HANDLERS: Record<S3Action, S3Handler> = {
  ListBuckets: listBuckets,
  CreateBucket: createBucket,
  DeleteBucket: deleteBucket,
  HeadBucket: headBucket,
  GetBucketLocation: getBucketLocation,
  ListObjects: listObjects,
  ListObjectsV2: listObjectsV2,
  ListMultipartUploads: listMultipartUploads,
  DeleteObjects: deleteObjects,
  HeadObject: headObject,
  GetObject: getObject,
  PutObject: putObject,
  DeleteObject: deleteObject,
  CreateMultipartUpload: createMultipartUpload,
  UploadPart: uploadPart,
  CompleteMultipartUpload: completeMultipartUpload,
  AbortMultipartUpload: abortMultipartUpload,
  ListParts: listParts,
  GetBucketCors: getBucketCors,
  PutBucketCors: putBucketCors,
  DeleteBucketCors: deleteBucketCors,
  CorsPreflight: corsPreflight,
  CopyObject: copyObject,
  UploadPartCopy: uploadPartCopy,
  GetObjectAttributes: getObjectAttributes,
  GetBucketVersioning: getBucketVersioning,
  PutBucketVersioning: putBucketVersioning,
  ListObjectVersions: listObjectVersions,
  GetBucketAcl: getBucketAcl,
  PutBucketAcl: putBucketAcl,
  GetObjectAcl: getObjectAcl,
  PutObjectAcl: putObjectAcl,
};

export function dispatch(c: S3Context): Promise<Response> {
  return HANDLERS[c.op.action](c);
}
