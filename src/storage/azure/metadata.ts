import { CHECKSUM_ALGORITHMS, type ChecksumAlgorithm } from '../../core/checksum-names';
import type { ObjectMetadata } from '../backend';

/**
 * ObjectMetadata ↔ Azure blob properties and metadata (adrs/0021).
 *
 * HTTP fields map to Azure's own blob properties (x-ms-blob-content-type and friends on writes;
 * Content-Type etc. on reads). Azure has no Expires property, so it travels in metadata, as do the
 * gateway's own facts: the S3 multipart ETag and the checksums the gateway verified.
 *
 * Azure metadata names must be C# identifiers (letters, digits, `_`, not starting with a digit)
 * and are case-insensitive; S3 user-metadata names are any lowercase token (`multi-word`). A name
 * kept as is must match /^[a-z][a-z0-9_]*$/ and not start with `bg` (the gateway's namespace);
 * any other is stored as `bgm_<hex of its UTF-8 bytes>` and decoded back on read.
 */

const HTTP_FIELDS = [
  ['contentType', 'x-ms-blob-content-type', 'content-type'],
  ['cacheControl', 'x-ms-blob-cache-control', 'cache-control'],
  ['contentDisposition', 'x-ms-blob-content-disposition', 'content-disposition'],
  ['contentEncoding', 'x-ms-blob-content-encoding', 'content-encoding'],
  ['contentLanguage', 'x-ms-blob-content-language', 'content-language'],
] as const;

const META = 'x-ms-meta-';
const ENCODED_USER = 'bgm_';
const EXPIRES = 'bgi_expires';
/** The S3 ETag of an object the gateway assembled (multipart: md5 of part md5s "-N"). */
export const ETAG_META = 'bgi_etag';
const CHECKSUM = 'bgi_ck_';
const LITERAL_NAME = /^[a-z][a-z0-9_]*$/;

function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export function encodeMetadataName(name: string): string {
  return LITERAL_NAME.test(name) && !name.startsWith('bg') ? name : ENCODED_USER + hex(new TextEncoder().encode(name));
}

/** The S3 name of a stored user-metadata name, or null when the name is the gateway's own or not decodable. */
export function decodeMetadataName(stored: string): string | null {
  const name = stored.toLowerCase();
  if (name.startsWith(ENCODED_USER)) {
    const digits = name.slice(ENCODED_USER.length);
    if (!/^(?:[0-9a-f]{2})+$/.test(digits)) return null;
    try {
      return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(Uint8Array.from(digits.match(/../g)!, (h) => parseInt(h, 16)));
    } catch {
      return null;
    }
  }
  return name.startsWith('bg') ? null : name;
}

/** Azure metadata entries (names without x-ms-meta-) for an object's metadata plus the gateway's facts. */
export function metadataEntries(m: ObjectMetadata, extra: { etag?: string } = {}): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const [name, value] of Object.entries(m.user)) entries[encodeMetadataName(name)] = value;
  if (m.expires !== undefined) entries[EXPIRES] = m.expires;
  for (const [algorithm, value] of Object.entries(m.checksums ?? {})) entries[CHECKSUM + algorithm] = value;
  if (extra.etag !== undefined) entries[ETAG_META] = extra.etag;
  return entries;
}

/** Request headers that set an object's properties and metadata (Put Blob, Put Block List, Copy Blob From URL). */
export function metadataHeaders(m: ObjectMetadata, extra: { etag?: string } = {}): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [field, header] of HTTP_FIELDS) {
    const value = m[field];
    if (value !== undefined) headers[header] = value;
  }
  for (const [name, value] of Object.entries(metadataEntries(m, extra))) headers[META + name] = value;
  return headers;
}

/** The object's metadata and the gateway's facts from stored metadata entries plus its HTTP properties. */
export function metadataFrom(entries: Iterable<[string, string]>, property: (header: 'content-type' | 'cache-control' | 'content-disposition' | 'content-encoding' | 'content-language') => string | null | undefined): { metadata: ObjectMetadata; etag?: string } {
  const metadata: ObjectMetadata = { user: {} };
  let etag: string | undefined;
  for (const [, , header] of HTTP_FIELDS) {
    const value = property(header);
    if (value) metadata[HTTP_FIELDS.find((f) => f[2] === header)![0]] = value;
  }
  const checksums: Partial<Record<ChecksumAlgorithm, string>> = {};
  for (const [rawName, value] of entries) {
    const name = rawName.toLowerCase();
    if (name === EXPIRES) metadata.expires = value;
    else if (name === ETAG_META) etag = value;
    else if (name.startsWith(CHECKSUM)) {
      const algorithm = name.slice(CHECKSUM.length) as ChecksumAlgorithm;
      if (CHECKSUM_ALGORITHMS.includes(algorithm)) checksums[algorithm] = value;
    } else {
      const decoded = decodeMetadataName(name);
      if (decoded !== null) metadata.user[decoded] = value;
    }
  }
  if (Object.keys(checksums).length > 0) metadata.checksums = checksums;
  return { metadata, ...(etag ? { etag } : {}) };
}

/** Metadata entries of a HEAD/GET answer (x-ms-meta-* headers). */
export function headerEntries(headers: Headers): [string, string][] {
  const entries: [string, string][] = [];
  headers.forEach((value, name) => {
    if (name.startsWith(META)) entries.push([name.slice(META.length), value]);
  });
  return entries;
}

/** Content-MD5 (base64) → the lowercase hex S3 uses as an ETag; undefined when absent or not an MD5. */
export function md5HexFromBase64(value: string | null | undefined): string | undefined {
  if (!value) return undefined;
  try {
    const bytes = Uint8Array.from(atob(value), (c) => c.charCodeAt(0));
    return bytes.byteLength === 16 ? hex(bytes) : undefined;
  } catch {
    return undefined;
  }
}

/** The inverse: a lowercase hex MD5 → the base64 Content-MD5 / x-ms-*-content-md5 headers carry. */
export function md5Base64FromHex(md5: string): string {
  return btoa(String.fromCharCode(...(md5.match(/../g) ?? []).map((h) => parseInt(h, 16))));
}

/** ETags arrive quoted; the Backend speaks them bare. */
export function bareEtag(tag: string | null | undefined): string {
  return (tag ?? '').trim().replace(/^W\//, '').replace(/^"|"$/g, '');
}

/**
 * The S3 ETag of a stored blob: the one the gateway recorded (multipart), else the MD5 Azure keeps
 * in Content-MD5 (set by Put Blob), else — for a blob written without either, e.g. by another
 * tool with Put Block List — Azure's own ETag, which is not an MD5.
 */
export function s3Etag(recorded: string | undefined, contentMd5: string | null | undefined, azureEtag: string | null | undefined): string {
  return recorded ?? md5HexFromBase64(contentMd5) ?? bareEtag(azureEtag);
}
