import { S3Error } from '../core/s3-error';
import { toBase64 } from './checksums';
import { DEFAULT_MAX_PRESIGNED_EXPIRES_SECONDS, requestExpired } from './presigned-expiry';
import { redactSessionToken } from './redact';
import { decodeLenient, signaturesEqual, type SignedRequest } from './sigv4';

/**
 * AWS Signature Version 2 (HMAC-SHA1), still produced by boto3's default presigner with a custom
 * endpoint and by aws cli v1 `s3 presign`. Header form `Authorization: AWS AKID:sig` and query
 * form `?AWSAccessKeyId=…&Expires=…&Signature=…`.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html
 */

export interface SigV2Claim {
  accessKeyId: string;
  signature: string;
  /** Date lines the client may have signed: Expires for the query form (see parseSigV2Header). */
  dateLines: string[];
  sessionToken?: string;
}

const MAX_SKEW_MS = 15 * 60 * 1000;

/** Query parameters that are part of the resource S3 signs; every other parameter is not. */
const SIGNED_SUBRESOURCES = new Set([
  'accelerate', 'acl', 'analytics', 'cors', 'delete', 'encryption', 'intelligent-tiering', 'inventory', 'legal-hold',
  'lifecycle', 'location', 'logging', 'metrics', 'notification', 'object-lock', 'ownershipControls', 'partNumber',
  'policy', 'policyStatus', 'publicAccessBlock', 'replication', 'requestPayment', 'response-cache-control',
  'response-content-disposition', 'response-content-encoding', 'response-content-language', 'response-content-type',
  'response-expires', 'restore', 'retention', 'select', 'select-type', 'tagging', 'torrent', 'uploadId', 'uploads',
  'versionId', 'versioning', 'versions', 'website',
]);

/** `Authorization: AWS AKID:signature`, with the request time checked like SigV4's. */
export function parseSigV2Header(request: SignedRequest, authorization: string, now: Date): SigV2Claim {
  const m = /^AWS ([^:\s]+):(\S+)$/.exec(authorization);
  if (!m) throw new S3Error('InvalidArgument', 'Authorization header is invalid -- one and only one \' \' (space) required');
  const amzDate = request.headers.get('x-amz-date');
  const date = amzDate ?? request.headers.get('date');
  const time = date === null ? NaN : Date.parse(date);
  if (Number.isNaN(time)) throw new S3Error('AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header');
  if (Math.abs(now.getTime() - time) > MAX_SKEW_MS) {
    throw new S3Error('RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.', {
      RequestTime: date!,
      ServerTime: now.toISOString(),
      MaxAllowedSkewMilliseconds: String(MAX_SKEW_MS),
    });
  }
  return {
    accessKeyId: m[1]!,
    signature: m[2]!,
    // x-amz-date replaces Date: S3 signs an empty Date line then (the time is signed among the amz
    // headers) and ignores any Date header. Signers that send both (MinIO's reading, .NET) put the
    // Date value on that line anyway, so it is the second candidate.
    dateLines: amzDate === null ? [date!] : [...new Set(['', request.headers.get('date') ?? ''])],
    sessionToken: request.headers.get('x-amz-security-token') ?? undefined,
  };
}

/**
 * `?AWSAccessKeyId=…&Expires=<epoch seconds>&Signature=…`. `Expires` is absolute, so the cap on a
 * URL's validity is checked against the time left (allowing for the signer's clock skew).
 */
export function parseSigV2Query(query: URLSearchParams, now: Date, maxExpiresSeconds = DEFAULT_MAX_PRESIGNED_EXPIRES_SECONDS): SigV2Claim {
  const accessKeyId = query.get('AWSAccessKeyId');
  const expires = query.get('Expires');
  const signature = query.get('Signature');
  if (!accessKeyId || !expires || !signature) {
    throw new S3Error('AccessDenied', 'Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters');
  }
  if (!/^\d{1,12}$/.test(expires)) throw new S3Error('AccessDenied', 'Invalid date (should be seconds since epoch): ' + expires);
  const expiresAt = Number(expires) * 1000;
  if (expiresAt - now.getTime() > maxExpiresSeconds * 1000 + MAX_SKEW_MS) {
    throw new S3Error('AuthorizationQueryParametersError', `Expires must be at most ${maxExpiresSeconds} seconds from now`);
  }
  if (now.getTime() > expiresAt) throw requestExpired(expiresAt, now);
  // base64 never contains a space: a raw `+` the client forgot to encode arrives as one.
  return { accessKeyId, signature: signature.replaceAll(' ', '+'), dateLines: [expires], sessionToken: query.get('x-amz-security-token') ?? undefined };
}

/**
 * S3's SigV2 string to sign. `virtualHostBucket` is the bucket taken from the Host header, which
 * SigV2 puts in front of the path of the signed resource.
 */
export function sigV2StringToSign(request: SignedRequest, dateLine: string, virtualHostBucket?: string): string {
  const amzHeaders = [...request.headers]
    .filter(([name]) => name.startsWith('x-amz-'))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}:${value.trim()}\n`)
    .join('');
  const subresources = request.rawQuery
    .split('&')
    .map((part) => {
      const eq = part.indexOf('=');
      return eq === -1 ? { name: part, value: undefined } : { name: part.slice(0, eq), value: decodeLenient(part.slice(eq + 1)) };
    })
    .filter(({ name }) => SIGNED_SUBRESOURCES.has(name))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map(({ name, value }) => (value === undefined ? name : `${name}=${value}`));
  const resource =
    (virtualHostBucket === undefined ? '' : '/' + virtualHostBucket) +
    (request.rawPath || '/') +
    (subresources.length > 0 ? '?' + subresources.join('&') : '');
  return [
    request.method,
    request.headers.get('content-md5') ?? '',
    request.headers.get('content-type') ?? '',
    dateLine,
    amzHeaders + resource,
  ].join('\n');
}

export async function verifySigV2(request: SignedRequest, claim: SigV2Claim, secretAccessKey: string, virtualHostBucket?: string): Promise<void> {
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey('raw', encoder.encode(secretAccessKey), { name: 'HMAC', hash: 'SHA-1' }, false, ['sign']);
  const candidates = claim.dateLines.map((dateLine) => sigV2StringToSign(request, dateLine, virtualHostBucket));
  for (const toSign of candidates) {
    const expected = toBase64(new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(toSign))));
    if (signaturesEqual(expected, claim.signature)) return;
  }
  throw new S3Error('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.', {
    AWSAccessKeyId: claim.accessKeyId,
    StringToSign: redactSessionToken(candidates[0]!),
    SignatureProvided: claim.signature,
  });
}
