import { S3Error } from '../core/s3-error';
import { requestUrl } from '../core/request-url';
import { assertNullVersionId } from './versions';

/** The S3 operations the gateway answers. */
export type S3Action =
  | 'ListBuckets'
  | 'CreateBucket'
  | 'DeleteBucket'
  | 'HeadBucket'
  | 'GetBucketLocation'
  | 'ListObjects'
  | 'ListObjectsV2'
  | 'ListMultipartUploads'
  | 'DeleteObjects'
  | 'HeadObject'
  | 'GetObject'
  | 'PutObject'
  | 'DeleteObject'
  | 'CreateMultipartUpload'
  | 'UploadPart'
  | 'CompleteMultipartUpload'
  | 'AbortMultipartUpload'
  | 'ListParts'
  | 'GetBucketCors'
  | 'PutBucketCors'
  | 'DeleteBucketCors'
  /** A browser's CORS preflight (`OPTIONS`): answered from the bucket's rules, never authenticated. */
  | 'CorsPreflight'
  | 'CopyObject'
  | 'UploadPartCopy'
  | 'GetObjectAttributes'
  | 'GetBucketVersioning'
  | 'PutBucketVersioning'
  | 'ListObjectVersions'
  /** The `?acl` sub-resource (adrs/0016). */
  | 'GetBucketAcl'
  | 'PutBucketAcl'
  | 'GetObjectAcl'
  | 'PutObjectAcl';

/** A parsed request: what is asked of which bucket and key. Produced without I/O. */
export interface S3Operation {
  action: S3Action;
  /** Virtual bucket name, absent for ListBuckets. */
  bucket?: string;
  /** Decoded object key, absent for bucket and service operations. */
  key?: string;
  /** Path exactly as received (still percent-encoded): SigV4 signs this, not the decoded one. */
  rawPath: string;
  query: URLSearchParams;
  addressing: 'path' | 'virtual';
  /** `/bucket/key` as S3 reports it in error documents. */
  resource: string;
}

/** Sub-resources S3 has but the gateway does not serve: answered 501 NotImplemented, never 404. */
const UNSUPPORTED_SUBRESOURCES = [
  'accelerate', 'analytics', 'encryption', 'intelligent-tiering', 'inventory',
  'legal-hold', 'lifecycle', 'logging', 'metadataTable', 'metrics', 'notification', 'object-lock',
  'ownershipControls', 'policy', 'policyStatus', 'publicAccessBlock', 'replication', 'requestPayment',
  'restore', 'retention', 'select', 'session', 'tagging', 'torrent', 'website',
] as const;

/** S3's key limit in UTF-8 bytes; a bucket's storage may allow less (Backend.maxKeyBytes). */
export const S3_MAX_KEY_BYTES = 1024;

/**
 * S3's KeyTooLongError, naming the limit that applies (S3 adds Size and MaxSizeAllowed).
 * Checked before any payload is read, so nothing is written and no body is consumed.
 */
export function assertKeyFits(key: string, maxBytes: number): void {
  const size = new TextEncoder().encode(key).byteLength;
  if (size > maxBytes) {
    throw new S3Error('KeyTooLongError', `Your key is too long: it is ${size} bytes, and the limit here is ${maxBytes} bytes.`, {
      Size: String(size),
      MaxSizeAllowed: String(maxBytes),
    });
  }
}
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/**
 * Turns a request into an S3Operation: virtual-hosted when the Host is `<bucket>.<baseDomain>`,
 * path-style otherwise. Pure: depends only on the request line, headers and `baseDomain`.
 */
export function parseS3Operation(request: Request, baseDomain = ''): S3Operation {
  const url = requestUrl(request);
  const rawPath = url.pathname;
  const query = url.searchParams;
  const hostBucket = bucketFromHost(request.headers.get('host') ?? url.host, baseDomain);

  let bucket: string | undefined;
  let rawKey: string;
  if (hostBucket !== undefined) {
    bucket = hostBucket;
    rawKey = rawPath.slice(1);
  } else {
    const slash = rawPath.indexOf('/', 1);
    const rawBucket = slash === -1 ? rawPath.slice(1) : rawPath.slice(1, slash);
    bucket = rawBucket === '' ? undefined : decodeComponent(rawBucket);
    rawKey = slash === -1 ? '' : rawPath.slice(slash + 1);
  }
  // The key's length is checked by the lifecycle (keyLimitFor, src/s3/operations.ts) once the bucket, and so its limit, is known.
  const key = rawKey === '' ? undefined : validateObjectKey(decodeComponent(rawKey), Number.POSITIVE_INFINITY);
  const resource = '/' + [bucket, key].filter((p) => p !== undefined).join('/');
  const base = { bucket, key, rawPath, query, addressing: hostBucket !== undefined ? 'virtual' : 'path', resource } as const;

  assertContentLength(request.headers.get('content-length'));
  const unsupported = UNSUPPORTED_SUBRESOURCES.find((name) => query.has(name));
  if (unsupported) {
    throw new S3Error('NotImplemented', `The ${unsupported} sub-resource is not implemented by this gateway.`);
  }
  const versionId = query.get('versionId');
  if (key !== undefined && versionId !== null) assertNullVersionId(versionId);
  return { ...base, action: chooseAction(request.method, bucket, key, query, request.headers) };
}

function chooseAction(method: string, bucket: string | undefined, key: string | undefined, query: URLSearchParams, headers: Headers): S3Action {
  if (method === 'OPTIONS' && bucket !== undefined) return 'CorsPreflight';
  if (bucket !== undefined && query.has('acl') && (method === 'GET' || method === 'PUT')) {
    if (key === undefined) return method === 'GET' ? 'GetBucketAcl' : 'PutBucketAcl';
    return method === 'GET' ? 'GetObjectAcl' : 'PutObjectAcl';
  }
  if (bucket === undefined) {
    if (method === 'GET') return 'ListBuckets';
    throw methodNotAllowed(method, 'the service');
  }
  if (key === undefined) {
    switch (method) {
      case 'GET':
        if (query.has('location')) return 'GetBucketLocation';
        if (query.has('versioning')) return 'GetBucketVersioning';
        if (query.has('versions')) return 'ListObjectVersions';
        if (query.has('cors')) return 'GetBucketCors';
        if (query.has('uploads')) return 'ListMultipartUploads';
        return query.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects';
      case 'HEAD':
        return 'HeadBucket';
      case 'PUT':
        if (query.has('versioning')) return 'PutBucketVersioning';
        return query.has('cors') ? 'PutBucketCors' : 'CreateBucket';
      case 'DELETE':
        return query.has('cors') ? 'DeleteBucketCors' : 'DeleteBucket';
      case 'POST':
        if (query.has('delete')) return 'DeleteObjects';
    }
    throw methodNotAllowed(method, 'a bucket');
  }
  switch (method) {
    case 'GET':
      if (query.has('attributes')) return 'GetObjectAttributes';
      return query.has('uploadId') ? 'ListParts' : 'GetObject';
    case 'HEAD':
      return 'HeadObject';
    case 'PUT':
      if (query.has('uploadId') || query.has('partNumber')) return headers.has('x-amz-copy-source') ? 'UploadPartCopy' : 'UploadPart';
      return headers.has('x-amz-copy-source') ? 'CopyObject' : 'PutObject';
    case 'POST':
      if (query.has('uploads')) return 'CreateMultipartUpload';
      if (query.has('uploadId')) return 'CompleteMultipartUpload';
      break;
    case 'DELETE':
      return query.has('uploadId') ? 'AbortMultipartUpload' : 'DeleteObject';
  }
  throw methodNotAllowed(method, 'an object');
}

/**
 * A Content-Length that is present must be a non-negative decimal integer. HTTP fronts (Cloudflare's
 * edge, workerd) refuse most bad ones before the Worker runs; whatever reaches it is answered as
 * S3 does, 400, rather than mistaken for an absent length (411) or an empty body.
 */
function assertContentLength(value: string | null): void {
  if (value !== null && !/^\d+$/.test(value.trim())) {
    throw new S3Error('BadRequest', 'An error occurred when parsing the HTTP request: the Content-Length header is not a non-negative integer.');
  }
}

function methodNotAllowed(method: string, target: string): S3Error {
  return new S3Error('MethodNotAllowed', `The specified method ${method} is not allowed against ${target}.`);
}

/** `my.bucket.s3.example.com` with base domain `s3.example.com` → `my.bucket`. */
export function bucketFromHost(host: string, baseDomain: string): string | undefined {
  if (!baseDomain) return undefined;
  const hostname = host.replace(/:\d+$/, '').toLowerCase();
  const suffix = '.' + baseDomain.toLowerCase();
  if (!hostname.endsWith(suffix) || hostname.length === suffix.length) return undefined;
  return hostname.slice(0, -suffix.length);
}

function decodeComponent(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new S3Error('InvalidURI', "Couldn't parse the specified URI.");
  }
}

/**
 * Keys are any UTF-8 up to 1024 bytes (less in a bucket whose storage prefix uses some: see
 * assertKeyFits, applied once the bucket is known), except that the gateway refuses what could escape a
 * backend's namespace or confuse a filesystem-like store: `.`/`..` segments and control characters.
 */
export function validateObjectKey(key: string, maxBytes = S3_MAX_KEY_BYTES): string {
  if (key === '') throw new S3Error('InvalidArgument', 'The object key must not be empty.');
  assertKeyFits(key, maxBytes);
  if (CONTROL_CHARACTERS.test(key)) {
    throw new S3Error('InvalidArgument', 'The object key must not contain control characters.');
  }
  if (key.split('/').some((segment) => segment === '.' || segment === '..')) {
    throw new S3Error('InvalidArgument', "The object key must not contain '.' or '..' path segments.");
  }
  return key;
}
