import { authorize } from '../../auth/authorize';
import { principalId } from '../../auth/principal';
import { createBucket as createRegistryBucket, deleteBucket as deleteRegistryBucket, getBucket, listBuckets as listRegistryBuckets } from '../../registry/buckets';
import { RegistryConflictError, RegistryNotFoundError, RegistryValidationError } from '../../registry/errors';
import { BucketName } from '../../registry/schemas';
import { mayUseBucket } from '../bucket-visibility';
import { bucketCannedAclFromHeaders, bucketFlagsFor } from '../canned-acl';
import { bucketOf, type S3Context, type S3Handler } from '../context';
import { S3Error } from '../../core/s3-error';
import { decodeContinuationToken, encodeContinuationToken } from '../list-params';
import { ownerElement } from '../owner';
import { readOptionalRequestXml } from '../request-xml';
import { S3_XMLNS, xmlResponse } from '../xml';

/** CreateBucketConfiguration is a few hundred bytes; anything near this is not one. */
const MAX_CONFIGURATION_BYTES = 64 * 1024;

function region(c: S3Context): string {
  return c.env.REGION || 'auto';
}

/** S3's largest ListBuckets page, and the page size when paging parameters come without max-buckets. */
const MAX_BUCKETS_PER_PAGE = 10_000;

function parseMaxBuckets(query: URLSearchParams): number {
  const raw = query.get('max-buckets');
  if (raw === null) return MAX_BUCKETS_PER_PAGE;
  const n = /^\d{1,5}$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= 1 && n <= MAX_BUCKETS_PER_PAGE)) {
    throw new S3Error('InvalidArgument', `max-buckets must be an integer between 1 and ${MAX_BUCKETS_PER_PAGE}.`, { ArgumentName: 'max-buckets', ArgumentValue: raw });
  }
  return n;
}

/**
 * ListBuckets: the buckets this caller may use, never the others' names, by name. Pages as S3
 * has since 2024: `prefix`, `max-buckets` (1..10000) and an opaque `continuation-token` that
 * continues after the last name of the previous page (an empty one is no token).
 */
export const listBuckets: S3Handler = async (c) => {
  if (c.principal.kind === 'anonymous') throw new S3Error('AccessDenied', 'Access Denied');
  const principal = c.principal;
  const q = c.op.query;
  const maxBuckets = parseMaxBuckets(q);
  const prefix = q.get('prefix') ?? undefined;
  const token = q.get('continuation-token') || undefined;
  const after = token !== undefined ? decodeContinuationToken(token) : undefined;
  const visible = (await listRegistryBuckets(c.env)).filter(
    (b) => mayUseBucket(principal, b) && (prefix === undefined || b.name.startsWith(prefix)) && (after === undefined || b.name > after),
  );
  const page = visible.slice(0, maxBuckets);
  const next = visible.length > page.length ? page.at(-1)?.name : undefined;
  return xmlResponse({
    ListAllMyBucketsResult: {
      '@_xmlns': S3_XMLNS,
      Owner: ownerElement(principalId(principal), principal.displayName),
      Buckets: { Bucket: page.map((b) => ({ Name: b.name, CreationDate: b.createdAt })) },
      ...(next !== undefined ? { ContinuationToken: encodeContinuationToken(next) } : {}),
      ...(prefix !== undefined ? { Prefix: prefix } : {}),
    },
  });
};

/**
 * CreateBucket: a new virtual bucket on the deployment's default backend under its own prefix.
 * The bucket does not exist yet, so the handler authorizes `s3:CreateBucket` on the name itself.
 */
export const createBucket: S3Handler = async (c) => {
  const name = c.op.bucket ?? '';
  if (!BucketName.safeParse(name).success) throw invalidBucketName(name);
  if (!authorize(c.principal, 's3:CreateBucket', { name })) throw new S3Error('AccessDenied', 'Access Denied');
  // `x-amz-acl: public-read` publishes the new bucket (adrs/0016); as on S3 that takes s3:PutBucketAcl too.
  const acl = bucketCannedAclFromHeaders(c.request.headers);
  if (acl === 'public-read' && !authorize(c.principal, 's3:PutBucketAcl', { name })) throw new S3Error('AccessDenied', 'Access Denied');
  // Any LocationConstraint is accepted: a virtual bucket's placement is the gateway's, not the client's.
  const configuration = await readOptionalRequestXml(c, MAX_CONFIGURATION_BYTES);
  if (configuration !== undefined && !('CreateBucketConfiguration' in configuration)) {
    throw new S3Error('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema.');
  }
  const actor = principalId(c.principal);
  try {
    await createRegistryBucket(c.env, { name, ...(acl ? bucketFlagsFor(acl) : {}) }, actor);
  } catch (error) {
    if (error instanceof RegistryValidationError && 'name' in error.fields) throw invalidBucketName(name);
    if (!(error instanceof RegistryConflictError)) throw error;
    // The name is free but its storage place overlaps a bucket an operator configured (or one
    // created at the same moment): to the client, that name is simply not available.
    if (error.code === 'BucketPlacementConflict') throw bucketAlreadyExists(name);
    const existing = await getBucket(c.env, name);
    if (existing?.createdBy === actor) {
      throw new S3Error('BucketAlreadyOwnedByYou', 'Your previous request to create the named bucket succeeded and you already own it.', { BucketName: name });
    }
    throw bucketAlreadyExists(name);
  }
  return new Response(null, { status: 200, headers: { location: `/${name}` } });
};

function bucketAlreadyExists(name: string): S3Error {
  return new S3Error('BucketAlreadyExists', 'The requested bucket name is not available. Please select a different name and try again.', { BucketName: name });
}

function invalidBucketName(name: string): S3Error {
  return new S3Error('InvalidBucketName', 'The specified bucket is not valid.', { BucketName: name });
}

/**
 * DeleteBucket: only an empty bucket. In-progress multipart uploads do not keep a general-purpose
 * S3 bucket alive; the registry aborts them with the bucket.
 */
export const deleteBucket: S3Handler = async (c) => {
  const { bucket, backend } = bucketOf(c);
  try {
    // The request already opened the bucket's storage; the registry checks emptiness through it.
    await deleteRegistryBucket(c.env, bucket.name, principalId(c.principal), async () => backend);
  } catch (error) {
    if (error instanceof RegistryConflictError && error.code === 'BucketNotEmpty') {
      throw new S3Error('BucketNotEmpty', 'The bucket you tried to delete is not empty', { BucketName: bucket.name });
    }
    if (error instanceof RegistryNotFoundError) {
      throw new S3Error('NoSuchBucket', 'The specified bucket does not exist.', { BucketName: bucket.name });
    }
    throw error;
  }
  return new Response(null, { status: 204 });
};

export const headBucket: S3Handler = async (c) => {
  bucketOf(c);
  return new Response(null, { status: 200, headers: { 'x-amz-bucket-region': region(c) } });
};

/** GetBucketLocation: us-east-1 is spelled as an empty LocationConstraint, as S3 does. */
export const getBucketLocation: S3Handler = async (c) => {
  bucketOf(c);
  const r = region(c);
  return xmlResponse({ LocationConstraint: { '@_xmlns': S3_XMLNS, '#text': r === 'us-east-1' ? '' : r } });
};
