import type { BucketConfig } from '../registry/schemas';
import type { S3Action } from '../s3/operation';
import { isAllowed } from './policy';
import type { Principal } from './principal';

/** The IAM action each S3 operation is authorized as (the names AWS policies use). */
export const IAM_ACTION: Record<S3Action, string> = {
  ListBuckets: 's3:ListAllMyBuckets',
  CreateBucket: 's3:CreateBucket',
  DeleteBucket: 's3:DeleteBucket',
  HeadBucket: 's3:ListBucket',
  GetBucketLocation: 's3:GetBucketLocation',
  ListObjects: 's3:ListBucket',
  ListObjectsV2: 's3:ListBucket',
  ListMultipartUploads: 's3:ListBucketMultipartUploads',
  DeleteObjects: 's3:DeleteObject',
  HeadObject: 's3:GetObject',
  GetObject: 's3:GetObject',
  PutObject: 's3:PutObject',
  DeleteObject: 's3:DeleteObject',
  CreateMultipartUpload: 's3:PutObject',
  UploadPart: 's3:PutObject',
  CompleteMultipartUpload: 's3:PutObject',
  AbortMultipartUpload: 's3:AbortMultipartUpload',
  ListParts: 's3:ListMultipartUploadParts',
  GetBucketCors: 's3:GetBucketCORS',
  PutBucketCors: 's3:PutBucketCORS',
  DeleteBucketCors: 's3:PutBucketCORS',
  // Never checked: a preflight carries no credentials; the bucket's CORS rules answer it.
  CorsPreflight: 's3:GetObject',
  // The destination; the copy source is authorized as s3:GetObject by the handler.
  CopyObject: 's3:PutObject',
  UploadPartCopy: 's3:PutObject',
  // The same facts HEAD reveals, so the same permission.
  GetObjectAttributes: 's3:GetObject',
  GetBucketVersioning: 's3:GetBucketVersioning',
  PutBucketVersioning: 's3:PutBucketVersioning',
  ListObjectVersions: 's3:ListBucketVersions',
  GetBucketAcl: 's3:GetBucketAcl',
  PutBucketAcl: 's3:PutBucketAcl',
  GetObjectAcl: 's3:GetObjectAcl',
  PutObjectAcl: 's3:PutObjectAcl',
};

/**
 * May `principal` perform `action` on `bucket` (and `key`)? Pure. Anonymous callers get only what
 * the bucket makes public: object reads with public-read, listing with public-list as well.
 */
export function authorize(principal: Principal, action: string, bucket: Pick<BucketConfig, 'name' | 'publicRead' | 'publicList'> | { name: string }, key?: string): boolean {
  const resource = key === undefined ? bucket.name : `${bucket.name}/${key}`;
  if (principal.kind === 'anonymous') {
    if (!('publicRead' in bucket) || !bucket.publicRead) return false;
    if (action === 's3:GetObject') return key !== undefined;
    if (action === 's3:ListBucket') return bucket.publicList;
    return false;
  }
  return isAllowed(principal.policies, { action, resource });
}
