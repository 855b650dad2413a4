import type { BucketConfig } from '../registry/schemas';
import { S3Error } from '../core/s3-error';

/**
 * Canned ACLs (adrs/0016). Access is governed by access-key policies and the bucket's public flags,
 * not by per-object ACLs: the gateway behaves like an S3 bucket with Object Ownership "bucket owner
 * enforced", except that the two bucket-level canned ACLs people use to publish a bucket map onto
 * its public flags:
 *
 *   private      ⇔ publicRead = false, publicList = false
 *   public-read  ⇔ publicRead = true,  publicList = true   (anonymous GET/HEAD of objects, and listing)
 *
 * Every other canned ACL and every explicit grant is refused with AccessControlListNotSupported, as
 * S3 refuses ACLs on a bucket whose ACLs are disabled.
 */
export type SupportedCannedAcl = 'private' | 'public-read';

/** Canned ACLs that mean "only the owner" for an object: the object-level equivalents of `private`. */
const OWNER_ONLY_OBJECT_ACLS = new Set(['private', 'bucket-owner-full-control']);
const GRANT_HEADER_PREFIX = 'x-amz-grant-';

/** Is the bucket public in the sense of the `public-read` canned ACL (anonymous reads and listing)? */
export function bucketAclOf(bucket: Pick<BucketConfig, 'publicRead' | 'publicList'>): SupportedCannedAcl {
  return bucket.publicRead && bucket.publicList ? 'public-read' : 'private';
}

/** The bucket flags a bucket-level canned ACL sets. */
export function bucketFlagsFor(acl: SupportedCannedAcl): { publicRead: boolean; publicList: boolean } {
  return acl === 'public-read' ? { publicRead: true, publicList: true } : { publicRead: false, publicList: false };
}

/**
 * The bucket-level canned ACL the headers ask for (CreateBucket, PutBucketAcl), or undefined when
 * they carry none. Explicit grants and canned ACLs other than private/public-read are refused.
 */
export function bucketCannedAclFromHeaders(headers: Headers): SupportedCannedAcl | undefined {
  const acl = cannedAclHeader(headers);
  if (acl === undefined) return undefined;
  if (acl === 'public-read') return acl;
  // bucket-owner-full-control is an object ACL, but rclone sends its `acl` option on CreateBucket
  // too; it means what private means, and the gateway accepted it there before ACLs were mapped.
  if (OWNER_ONLY_OBJECT_ACLS.has(acl)) return 'private';
  throw aclNotSupported(`The canned ACL "${acl}" is not supported: buckets are either private or public-read.`);
}

/**
 * The ACL headers of an object write (PutObject, CopyObject, CreateMultipartUpload). Objects carry
 * no ACL of their own, so a write may name only what leaves the object as its bucket makes it: an
 * owner-only ACL anywhere (clients such as rclone send `private` by default; like S3 with ACLs
 * disabled, the bucket owner keeps control either way), and `public-read` in a public-read bucket.
 */
export function assertObjectAcl(headers: Headers, bucket: Pick<BucketConfig, 'publicRead'>): void {
  const acl = cannedAclHeader(headers);
  if (acl === undefined || OWNER_ONLY_OBJECT_ACLS.has(acl)) return;
  if (acl === 'public-read' && bucket.publicRead) return;
  throw objectAclRefused(acl, bucket);
}

/**
 * PutObjectAcl asks to change one object's ACL, which the gateway cannot do: it is accepted only
 * when it describes exactly what the object already has (so GetObjectAcl stays truthful).
 */
export function assertObjectAclUnchanged(acl: string, bucket: Pick<BucketConfig, 'publicRead'>): void {
  const effective = bucket.publicRead ? acl === 'public-read' : OWNER_ONLY_OBJECT_ACLS.has(acl);
  if (!effective) throw objectAclRefused(acl, bucket);
}

function objectAclRefused(acl: string, bucket: Pick<BucketConfig, 'publicRead'>): S3Error {
  return aclNotSupported(
    bucket.publicRead
      ? `Objects follow their bucket's ACL and this bucket is public-read; "${acl}" cannot be applied to one object. Make the bucket private instead.`
      : `Objects follow their bucket's ACL and this bucket is private; "${acl}" cannot be applied to one object. Make the bucket public-read instead.`,
  );
}

/** The `x-amz-acl` value, or undefined without one; explicit grants (`x-amz-grant-*`) are refused. */
export function cannedAclHeader(headers: Headers): string | undefined {
  if ([...headers.keys()].some((name) => name.startsWith(GRANT_HEADER_PREFIX))) {
    throw aclNotSupported('Explicit grants (x-amz-grant-*) are not supported; use the canned ACL private or public-read on the bucket.');
  }
  return headers.get('x-amz-acl')?.trim();
}

/** What S3 answers to an ACL a bucket with ACLs disabled cannot take. */
export function aclNotSupported(detail: string): S3Error {
  return new S3Error('AccessControlListNotSupported', `The bucket does not allow ACLs. ${detail}`);
}
