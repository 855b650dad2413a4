import { principalId } from '../../auth/principal';
import { updateBucket } from '../../registry/buckets';
import { accessControlPolicyDocument, cannedAclFromPolicy } from '../acl-policy';
import { assertObjectAclUnchanged, bucketAclOf, bucketCannedAclFromHeaders, bucketFlagsFor, cannedAclHeader, type SupportedCannedAcl } from '../canned-acl';
import { bucketOf, keyOf, type S3Context, type S3Handler } from '../context';
import { S3Error } from '../../core/s3-error';
import { bucketOwner } from '../owner';
import { readOptionalRequestXml } from '../request-xml';
import { xmlResponse } from '../xml';

/** An AccessControlPolicy with two grants is a few hundred bytes. */
const MAX_POLICY_BYTES = 64 * 1024;

/** GetBucketAcl: the owner's FULL_CONTROL, plus AllUsers READ when the bucket is public-read. */
export const getBucketAcl: S3Handler = async (c) => {
  const { bucket } = bucketOf(c);
  return xmlResponse(accessControlPolicyDocument(bucketOwner(bucket), bucketAclOf(bucket)));
};

/**
 * PutBucketAcl: `x-amz-acl: private | public-read`, or an AccessControlPolicy body expressing one of
 * them, sets the bucket's public flags (the same registry fields the admin API sets; the write
 * invalidates the registry caches and, through `updatedAt`, the edge-cache keys). Anything else is
 * refused and changes nothing.
 */
export const putBucketAcl: S3Handler = async (c) => {
  const { bucket } = bucketOf(c);
  const acl = await requestedAcl(c, bucketOwner(bucket).ID, bucketCannedAclFromHeaders);
  await updateBucket(c.env, bucket.name, bucketFlagsFor(acl), principalId(c.principal));
  return new Response(null, { status: 200 });
};

/** GetObjectAcl: objects carry their bucket's ACL (there are no per-object ACLs). */
export const getObjectAcl: S3Handler = async (c) => {
  const { bucket } = bucketOf(c);
  await requireObject(c);
  return xmlResponse(accessControlPolicyDocument(bucketOwner(bucket), bucket.publicRead ? 'public-read' : 'private'));
};

/** PutObjectAcl: accepted only when it asks for the ACL the object already has (its bucket's); it changes nothing. */
export const putObjectAcl: S3Handler = async (c) => {
  const { bucket } = bucketOf(c);
  await requireObject(c);
  const acl = await requestedAcl(c, bucketOwner(bucket).ID, cannedAclHeader);
  assertObjectAclUnchanged(acl, bucket);
  return new Response(null, { status: 200 });
};

/**
 * The canned ACL a Put*Acl request asks for: from its headers (via `fromHeaders`, which refuses
 * grants and unsupported names) or from its AccessControlPolicy body, never both, as S3 requires.
 */
async function requestedAcl<T extends string>(c: S3Context, ownerId: string, fromHeaders: (headers: Headers) => T | undefined): Promise<T | SupportedCannedAcl> {
  const fromHeader = fromHeaders(c.request.headers);
  const document = await readOptionalRequestXml(c, MAX_POLICY_BYTES);
  if (fromHeader !== undefined) {
    if (document !== undefined) throw new S3Error('InvalidRequest', 'Specify the ACL either in the x-amz-acl header or in the request body, not both.');
    return fromHeader;
  }
  if (document === undefined) throw new S3Error('MalformedACLError', 'The request carries neither an x-amz-acl header nor an AccessControlPolicy body.');
  return cannedAclFromPolicy(document, ownerId);
}

async function requireObject(c: S3Context): Promise<void> {
  const { backend } = bucketOf(c);
  if (!(await backend.head(keyOf(c)))) throw new S3Error('NoSuchKey', 'The specified key does not exist.', { Key: keyOf(c) });
}
