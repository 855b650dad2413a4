import { S3Error, type S3ErrorCode } from '../core/s3-error';
import { DEFAULT_MAX_PRESIGNED_EXPIRES_SECONDS, requestExpired } from './presigned-expiry';
import { redactSessionToken } from './redact';
import { requireSignedAmzHeaders } from './signed-headers';
import {
  canonicalQueryString,
  canonicalRequest,
  canonicalUriCandidates,
  hmacHex,
  SIGV4_ALGORITHM,
  signaturesEqual,
  signingKey,
  stringToSign,
  UNSIGNED_PAYLOAD,
  type SignedRequest,
} from './sigv4';

/** What a SigV4 request claims: who signed, for which scope and time, over which headers. */
export interface SigV4Claim {
  accessKeyId: string;
  /** YYYYMMDD, region, service from the credential scope. */
  date: string;
  region: string;
  service: string;
  /** ISO 8601 basic timestamp (x-amz-date / X-Amz-Date). */
  datetime: string;
  signedHeaders: string[];
  signature: string;
  /** The payload hash line of the canonical request. */
  payloadHash: string;
  presigned: boolean;
  sessionToken?: string;
}

/** A verified SigV4 request: what aws-chunked needs to go on verifying chunk signatures. */
export interface SigV4Verified {
  signingKey: CryptoKey;
  datetime: string;
  scope: string;
  /** The request's own signature: the seed of the chunk signature chain. */
  seedSignature: string;
}

export interface VerifyOptions {
  now: Date;
  /** The deployment's region; `us-east-1` and `auto` are accepted as well, as clients default to them. */
  region: string;
  /** The credential scope's service this endpoint answers for: `s3` unless said otherwise (STS: `sts`). */
  service?: string;
  /** The longest X-Amz-Expires accepted (MAX_PRESIGNED_EXPIRES_SECONDS); 7 days unless lowered. */
  maxPresignedExpiresSeconds?: number;
}

const MAX_SKEW_MS = 15 * 60 * 1000;
const SIGNATURE = /^[0-9a-f]{64}$/;
const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;

/** Parses `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…` and checks scope, clock and unsigned headers. */
export function parseAuthorizationHeader(request: SignedRequest, authorization: string, options: VerifyOptions): SigV4Claim {
  const code = 'AuthorizationHeaderMalformed';
  const fields = new Map<string, string>();
  for (const part of authorization.slice(SIGV4_ALGORITHM.length).split(',')) {
    const eq = part.indexOf('=');
    if (eq !== -1) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!authorization.startsWith(SIGV4_ALGORITHM + ' ') || !credential || !signedHeaders || !signature) {
    throw new S3Error(code, 'The authorization header is malformed; the authorization header requires three components: Credential, SignedHeaders, and Signature.');
  }
  const datetime = request.headers.get('x-amz-date') ?? request.headers.get('date');
  const time = datetime === null ? undefined : parseAmzDate(datetime);
  if (datetime === null || time === undefined) {
    throw new S3Error('AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header');
  }
  const claim = buildClaim(code, 'The authorization header is malformed;', credential, signedHeaders, signature, datetime, options);
  const skew = Math.abs(options.now.getTime() - time);
  if (skew > MAX_SKEW_MS) {
    throw new S3Error('RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.', {
      RequestTime: datetime,
      ServerTime: options.now.toISOString(),
      MaxAllowedSkewMilliseconds: String(MAX_SKEW_MS),
    });
  }
  requireSignedAmzHeaders(request.headers, claim.signedHeaders);
  const payloadHash = request.headers.get('x-amz-content-sha256');
  return {
    ...claim,
    payloadHash: payloadHash ?? '',
    presigned: false,
    sessionToken: request.headers.get('x-amz-security-token') ?? undefined,
  };
}

/** Parses the X-Amz-* query of a presigned URL and checks scope, expiry and unsigned headers. */
export function parsePresignedQuery(request: SignedRequest, query: URLSearchParams, options: VerifyOptions): SigV4Claim {
  const code = 'AuthorizationQueryParametersError';
  const algorithm = query.get('X-Amz-Algorithm');
  const credential = query.get('X-Amz-Credential');
  const datetime = query.get('X-Amz-Date');
  const expires = query.get('X-Amz-Expires');
  const signedHeaders = query.get('X-Amz-SignedHeaders');
  const signature = query.get('X-Amz-Signature');
  if (!algorithm || !credential || !datetime || !expires || !signedHeaders || !signature) {
    throw new S3Error(code, 'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.');
  }
  if (algorithm !== SIGV4_ALGORITHM) throw new S3Error(code, 'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"');
  const time = parseAmzDate(datetime);
  if (time === undefined) throw new S3Error(code, "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
  if (!/^\d{1,7}$/.test(expires) || Number(expires) < 1) throw new S3Error(code, 'X-Amz-Expires must be a positive integer number of seconds');
  const maxExpires = options.maxPresignedExpiresSeconds ?? DEFAULT_MAX_PRESIGNED_EXPIRES_SECONDS;
  if (Number(expires) > maxExpires) {
    throw new S3Error(
      code,
      maxExpires === DEFAULT_MAX_PRESIGNED_EXPIRES_SECONDS
        ? 'X-Amz-Expires must be less than a week (in seconds) that is 604800'
        : `X-Amz-Expires must be at most ${maxExpires} seconds on this endpoint`,
    );
  }
  const claim = buildClaim(code, 'Error parsing the X-Amz-Credential parameter;', credential, signedHeaders, signature, datetime, options);

  const now = options.now.getTime();
  if (time - now > MAX_SKEW_MS) throw new S3Error('AccessDenied', 'Request is not valid yet');
  const expiresAt = time + Number(expires) * 1000;
  if (now > expiresAt) throw requestExpired(expiresAt, options.now, expires);
  requireSignedAmzHeaders(request.headers, claim.signedHeaders);
  return {
    ...claim,
    payloadHash: query.get('X-Amz-Content-Sha256') ?? request.headers.get('x-amz-content-sha256') ?? UNSIGNED_PAYLOAD,
    presigned: true,
    sessionToken: query.get('X-Amz-Security-Token') ?? undefined,
  };
}

function buildClaim(
  code: S3ErrorCode,
  prefix: string,
  credential: string,
  signedHeaderList: string,
  signature: string,
  datetime: string,
  options: VerifyOptions,
): Omit<SigV4Claim, 'payloadHash' | 'presigned' | 'sessionToken'> {
  const parts = credential.split('/');
  const [accessKeyId, date, region, service, terminator] = parts;
  if (parts.length !== 5 || !accessKeyId || !date || !region || !service || terminator !== 'aws4_request') {
    throw new S3Error(code, `${prefix} the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`);
  }
  if (date !== datetime.slice(0, 8)) {
    throw new S3Error(code, `${prefix} Invalid credential date "${date}". This date is not the same as X-Amz-Date: "${datetime.slice(0, 8)}".`);
  }
  if (region !== options.region && region !== 'us-east-1' && region !== 'auto') {
    throw new S3Error(code, `${prefix} the region '${region}' is wrong; expecting '${options.region}'`, { Region: options.region });
  }
  const expectedService = options.service ?? 's3';
  if (service !== expectedService) {
    throw new S3Error(code, `${prefix} incorrect service "${service}". This endpoint belongs to "${expectedService}".`);
  }
  const signedHeaders = signedHeaderList.split(';');
  if (!signedHeaders.every((h) => HEADER_NAME.test(h)) || !signedHeaders.includes('host')) {
    throw new S3Error(code, `${prefix} SignedHeaders must be a ';'-separated list of lower-case header names including host.`);
  }
  if (!SIGNATURE.test(signature)) {
    throw new S3Error(code, `${prefix} the Signature must be 64 lower-case hexadecimal characters.`);
  }
  return { accessKeyId, date, region, service, datetime, signedHeaders, signature };
}

/**
 * Recomputes the signature with the caller's secret and compares it in constant time. Tries the
 * path as received, then its strict encoding (see canonicalUriCandidates): both name the same key.
 */
export async function verifySigV4(request: SignedRequest, claim: SigV4Claim, secretAccessKey: string): Promise<SigV4Verified> {
  const key = await signingKey(secretAccessKey, claim.date, claim.region, claim.service);
  const scope = `${claim.date}/${claim.region}/${claim.service}/aws4_request`;
  const query = canonicalQueryString(request.rawQuery, claim.presigned ? 'X-Amz-Signature' : undefined);
  let first: { canonical: string; toSign: string } | undefined;
  for (const uri of canonicalUriCandidates(request.rawPath)) {
    const canonical = canonicalRequest(request, uri, query, claim.signedHeaders, claim.payloadHash);
    const toSign = await stringToSign(claim.datetime, scope, canonical);
    if (signaturesEqual(await hmacHex(key, toSign), claim.signature)) {
      return { signingKey: key, datetime: claim.datetime, scope, seedSignature: claim.signature };
    }
    first ??= { canonical, toSign };
  }
  throw new S3Error('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.', {
    AWSAccessKeyId: claim.accessKeyId,
    StringToSign: first!.toSign,
    SignatureProvided: claim.signature,
    CanonicalRequest: redactSessionToken(first!.canonical),
  });
}

/** `20130524T000000Z` → epoch ms; undefined when not that exact shape or not a real date. */
export function parseAmzDate(value: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const time = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(time);
  return check.getUTCMonth() === mo - 1 && check.getUTCDate() === d && h < 24 && mi < 60 && s < 61 ? time : undefined;
}
