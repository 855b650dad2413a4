import { CHECKSUM_ALGORITHMS } from '../core/checksum-names';
import type { Principal } from '../auth/principal';
import type { ObjectInfo, ObjectMetadata } from '../storage/backend';
import { S3Error } from '../core/s3-error';
import type { ResolvedRange } from '../storage/emulate/range';
import { contentRange } from './range';

const USER_METADATA_PREFIX = 'x-amz-meta-';
/** S3 caps user-defined metadata at 2 KB: the UTF-8 bytes of every name and value. */
const MAX_USER_METADATA_BYTES = 2048;
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;
// Header values are byte strings: one character per byte, no CR/LF/NUL.
// eslint-disable-next-line no-control-regex
const HEADER_VALUE = /^[^\u0000\r\n\u0100-\uffff]*$/;

/** The stored HTTP metadata a PUT or CreateMultipartUpload sets, read from its headers. */
export function metadataFromRequest(headers: Headers): ObjectMetadata {
  const user: Record<string, string> = {};
  let userBytes = 0;
  for (const [name, value] of headers) {
    if (!name.startsWith(USER_METADATA_PREFIX)) continue;
    const field = name.slice(USER_METADATA_PREFIX.length);
    user[field] = value;
    userBytes += field.length + value.length;
  }
  if (userBytes > MAX_USER_METADATA_BYTES) {
    throw new S3Error('MetadataTooLarge', `Your metadata headers exceed the maximum allowed metadata size of ${MAX_USER_METADATA_BYTES} bytes.`);
  }
  const checksums: ObjectMetadata['checksums'] = {};
  for (const algorithm of CHECKSUM_ALGORITHMS) {
    const value = headers.get(`x-amz-checksum-${algorithm}`);
    if (value !== null) checksums[algorithm] = value;
  }
  return {
    contentType: headers.get('content-type') ?? undefined,
    cacheControl: headers.get('cache-control') ?? undefined,
    contentDisposition: headers.get('content-disposition') ?? undefined,
    contentEncoding: storedContentEncoding(headers.get('content-encoding')),
    contentLanguage: headers.get('content-language') ?? undefined,
    expires: headers.get('expires') ?? undefined,
    user,
    ...(Object.keys(checksums).length > 0 ? { checksums } : {}),
  };
}

/** `aws-chunked` only describes the request's framing (removed by the verifier); S3 does not store it. */
function storedContentEncoding(value: string | null): string | undefined {
  if (value === null) return undefined;
  const codings = value
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '' && c.toLowerCase() !== 'aws-chunked');
  return codings.length > 0 ? codings.join(', ') : undefined;
}

export interface ObjectHeaderOptions {
  /** The part served, for 206 answers. */
  range?: ResolvedRange;
}

/** The headers GET and HEAD answer with: validators, representation metadata and user metadata. */
export function objectHeaders(info: ObjectInfo, options: ObjectHeaderOptions = {}): Headers {
  const headers = validatorHeaders(info);
  const m = info.metadata;
  headers.set('content-type', m.contentType ?? 'binary/octet-stream');
  headers.set('accept-ranges', 'bytes');
  if (m.cacheControl) headers.set('cache-control', m.cacheControl);
  if (m.contentDisposition) headers.set('content-disposition', m.contentDisposition);
  if (m.contentEncoding) headers.set('content-encoding', m.contentEncoding);
  if (m.contentLanguage) headers.set('content-language', m.contentLanguage);
  if (m.expires) headers.set('expires', m.expires);
  let missing = 0;
  for (const [name, value] of Object.entries(m.user)) {
    if (HEADER_NAME.test(name) && HEADER_VALUE.test(value)) headers.set(USER_METADATA_PREFIX + name, value);
    else missing++;
  }
  // S3's way of saying "there is metadata that cannot be sent as HTTP headers" (e.g. written directly to the store).
  if (missing > 0) headers.set('x-amz-missing-meta', String(missing));
  if (options.range) {
    headers.set('content-range', contentRange(options.range, info.size));
    headers.set('content-length', String(options.range.length));
  } else {
    headers.set('content-length', String(info.size));
  }
  return headers;
}

/** ETag and Last-Modified: what 304 answers keep. */
export function validatorHeaders(info: Pick<ObjectInfo, 'etag' | 'lastModified'>): Headers {
  return new Headers({ etag: `"${info.etag}"`, 'last-modified': info.lastModified.toUTCString() });
}

const RESPONSE_OVERRIDES = {
  'response-content-type': 'content-type',
  'response-content-language': 'content-language',
  'response-expires': 'expires',
  'response-cache-control': 'cache-control',
  'response-content-disposition': 'content-disposition',
  'response-content-encoding': 'content-encoding',
} as const;

/**
 * The `response-*` query overrides of GET/HEAD. S3 honours them only on signed requests (a
 * presigned URL is how a browser download gets a chosen file name), never anonymous ones.
 */
export function responseOverrides(query: URLSearchParams, principal: Principal): [header: string, value: string][] {
  const overrides: [string, string][] = [];
  for (const [param, header] of Object.entries(RESPONSE_OVERRIDES)) {
    const value = query.get(param);
    if (value === null) continue;
    if (!HEADER_VALUE.test(value)) throw new S3Error('InvalidArgument', `The ${param} parameter holds characters a header cannot carry.`);
    overrides.push([header, value]);
  }
  if (overrides.length > 0 && principal.kind === 'anonymous') {
    throw new S3Error('InvalidRequest', 'Request specific response headers cannot be used for anonymous GET requests.');
  }
  return overrides;
}
