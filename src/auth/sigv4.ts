/**
 * AWS Signature Version 4 as S3 computes it, server side: canonical request, string to sign,
 * signing key, and the chunk/trailer strings of aws-chunked uploads.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html
 */

import { toHex } from './checksums';

export const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256';
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

const encoder = new TextEncoder();

/** The request as signed: method, path and query exactly as received, and its headers. */
export interface SignedRequest {
  method: string;
  /** Path as received, still percent-encoded. */
  rawPath: string;
  /** Query string as received, without the leading `?`. */
  rawQuery: string;
  headers: Headers;
  /** Host the request was addressed to, when the Host header is not in `headers`. */
  host: string;
  /**
   * The Accept-Encoding the client sent (null: none; undefined: the runtime's header is the
   * client's), see identify.ts: signed as the client sent it, without copying every header to
   * replace one. Asked only when the client signed the header (reading it costs `request.cf`).
   */
  acceptEncodingAsSent?: () => string | null | undefined;
}

/** RFC 3986 encoding as SigV4 wants it: everything but unreserved characters, upper-case hex. */
export function uriEncode(value: string, encodeSlash = true): string {
  const encoded = encodeURIComponent(value).replace(/[!'()*]/g, (ch) => '%' + ch.charCodeAt(0).toString(16).toUpperCase());
  return encodeSlash ? encoded : encoded.replace(/%2F/g, '/');
}

/** Percent-decodes, keeping malformed escapes as they are (they are then signed encoded). */
export function decodeLenient(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * Canonical URI candidates. S3 signs the path once-encoded, never normalised: the path as
 * received is what strict encoders (every AWS SDK) signed. Clients that send some reserved
 * characters raw (`$`, `:`, `=`…) or lower-case hex sign the strict encoding of the same
 * segments, so that form is the second candidate. Segments are re-encoded one by one, keeping
 * an encoded `%2F` distinct from a path separator.
 */
export function canonicalUriCandidates(rawPath: string): string[] {
  const path = rawPath === '' ? '/' : rawPath;
  const strict = path
    .split('/')
    .map((segment) => uriEncode(decodeLenient(segment)))
    .join('/');
  return strict === path ? [path] : [path, strict];
}

/**
 * Canonical query string: every parameter (minus `omit`, the signature itself for presigned
 * URLs) decoded and re-encoded strictly, sorted by encoded name then value. A bare `name` is
 * `name=`. `+` is a literal plus, as AWS signers encode spaces as %20.
 */
export function canonicalQueryString(rawQuery: string, omit?: string): string {
  const pairs: [string, string][] = [];
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = decodeLenient(eq === -1 ? part : part.slice(0, eq));
    if (name === omit) continue;
    const value = eq === -1 ? '' : decodeLenient(part.slice(eq + 1));
    pairs.push([uriEncode(name), uriEncode(value)]);
  }
  pairs.sort(([an, av], [bn, bv]) => (an < bn ? -1 : an > bn ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([n, v]) => `${n}=${v}`).join('&');
}

/** `name:value\n` for each signed header, in the client's SignedHeaders order, values trimmed and inner whitespace runs collapsed. */
export function canonicalHeaders(request: SignedRequest, signedHeaders: readonly string[]): string {
  return signedHeaders
    .map((name) => {
      const value =
        (name === 'accept-encoding' ? sentAcceptEncoding(request) : request.headers.get(name)) ??
        (name === 'host' ? request.host : '');
      return `${name}:${value.trim().replace(/\s+/g, ' ')}\n`;
    })
    .join('');
}

function sentAcceptEncoding(request: SignedRequest): string | null {
  const sent = request.acceptEncodingAsSent?.();
  return sent === undefined ? request.headers.get('accept-encoding') : sent;
}

export function canonicalRequest(
  request: SignedRequest,
  canonicalUri: string,
  canonicalQuery: string,
  signedHeaders: readonly string[],
  payloadHash: string,
): string {
  return [
    request.method,
    canonicalUri,
    canonicalQuery,
    canonicalHeaders(request, signedHeaders),
    signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
}

export async function stringToSign(datetime: string, scope: string, canonical: string): Promise<string> {
  return [SIGV4_ALGORITHM, datetime, scope, await sha256Hex(canonical)].join('\n');
}

/** String to sign for one aws-chunked chunk: chained to the previous signature. */
export function chunkStringToSign(datetime: string, scope: string, previousSignature: string, chunkSha256: string): string {
  return ['AWS4-HMAC-SHA256-PAYLOAD', datetime, scope, previousSignature, EMPTY_SHA256, chunkSha256].join('\n');
}

/** String to sign for the trailer chunk: chained to the final (empty) chunk's signature. */
export function trailerStringToSign(datetime: string, scope: string, previousSignature: string, trailersSha256: string): string {
  return ['AWS4-HMAC-SHA256-TRAILER', datetime, scope, previousSignature, trailersSha256].join('\n');
}

export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  const bytes = typeof data === 'string' ? encoder.encode(data) : data;
  return hex(await crypto.subtle.digest('SHA-256', bytes));
}

async function hmac(key: BufferSource, data: string): Promise<ArrayBuffer> {
  const cryptoKey = await crypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return crypto.subtle.sign('HMAC', cryptoKey, encoder.encode(data));
}

export async function hmacHex(key: CryptoKey, data: string): Promise<string> {
  return hex(await crypto.subtle.sign('HMAC', key, encoder.encode(data)));
}

/**
 * Derived signing keys, per (secret, date, region, service). A key is valid for a whole day, so
 * every request of a client after its first skips four HMACs and an import. Values are plain
 * CryptoKeys (never in-flight promises, which workerd forbids sharing across requests); the map
 * is bounded and forgets its oldest entries first.
 */
const signingKeys = new Map<string, CryptoKey>();
const MAX_CACHED_SIGNING_KEYS = 1000;

export async function signingKey(secretAccessKey: string, date: string, region: string, service: string): Promise<CryptoKey> {
  const cacheKey = [secretAccessKey, date, region, service].join('\n');
  const cached = signingKeys.get(cacheKey);
  if (cached) return cached;
  const kDate = await hmac(encoder.encode('AWS4' + secretAccessKey), date);
  const kRegion = await hmac(kDate, region);
  const kService = await hmac(kRegion, service);
  const kSigning = await hmac(kService, 'aws4_request');
  const key = await crypto.subtle.importKey('raw', kSigning, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  if (signingKeys.size >= MAX_CACHED_SIGNING_KEYS) signingKeys.delete(signingKeys.keys().next().value!);
  signingKeys.set(cacheKey, key);
  return key;
}

/** Compares two signatures in time independent of where they differ. */
export function signaturesEqual(expected: string, provided: string): boolean {
  const a = encoder.encode(expected);
  const b = encoder.encode(provided);
  return a.byteLength === b.byteLength && crypto.subtle.timingSafeEqual(a, b);
}

function hex(buffer: ArrayBuffer): string {
  return toHex(new Uint8Array(buffer));
}
