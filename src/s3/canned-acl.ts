import { S3Error } from './errors';

/** The canned ACLs that mean "only the owner": what a bucket with ACLs disabled accepts. */
const OWNER_ONLY_ACLS = new Set(['private', 'bucket-owner-full-control']);

/**
 * Access is governed by access-key policies, not ACLs, so the gateway behaves like an S3 bucket
 * with Object Ownership "bucket owner enforced": owner-only canned ACLs are accepted (rclone and
 * others send one by default) and any grant is refused. Shared by CreateBucket, PutObject and
 * CreateMultipartUpload.
 */
export function assertNoAclGrant(headers: Headers): void {
  const acl = headers.get('x-amz-acl');
  const grants = [...headers.keys()].some((name) => name.startsWith('x-amz-grant-'));
  if ((acl !== null && !OWNER_ONLY_ACLS.has(acl.trim())) || grants) {
    throw new S3Error('AccessControlListNotSupported', 'The bucket does not allow ACLs.');
  }
}
