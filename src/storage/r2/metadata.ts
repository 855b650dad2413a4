import type { ChecksumAlgorithm } from '../../core/checksum-names';
import type { ListedObject, ObjectInfo, ObjectMetadata } from '../backend';

/**
 * Gateway-owned custom-metadata names. `:` cannot occur in an HTTP header name, so no
 * `x-amz-meta-*` field a client sends can ever collide with them.
 */
const INTERNAL = 'bucketgate:';
const CHECKSUM = `${INTERNAL}checksum:`;
/** An Expires value that is not an HTTP date: R2's cacheExpiry only holds dates, S3 keeps the text. */
const RAW_EXPIRES = `${INTERNAL}expires`;

export interface R2Metadata {
  httpMetadata: R2HTTPMetadata;
  customMetadata: Record<string, string>;
}

/** ObjectMetadata → what R2 stores: HTTP fields natively, user metadata and checksums as custom metadata. */
export function toR2Metadata(m: ObjectMetadata): R2Metadata {
  const httpMetadata: R2HTTPMetadata = {
    contentType: m.contentType,
    cacheControl: m.cacheControl,
    contentDisposition: m.contentDisposition,
    contentEncoding: m.contentEncoding,
    contentLanguage: m.contentLanguage,
  };
  const customMetadata: Record<string, string> = { ...m.user };
  if (m.expires !== undefined) {
    const expiry = Date.parse(m.expires);
    if (Number.isNaN(expiry)) customMetadata[RAW_EXPIRES] = m.expires;
    else httpMetadata.cacheExpiry = new Date(expiry);
  }
  for (const [algorithm, value] of Object.entries(m.checksums ?? {})) customMetadata[CHECKSUM + algorithm] = value;
  return { httpMetadata, customMetadata };
}

/** An R2 object (from head/get/put/complete/list) as the S3 layer sees it, under its client-visible key. */
export function objectInfoFromR2(object: R2Object, key: string): ObjectInfo {
  const http = object.httpMetadata ?? {};
  const user: Record<string, string> = {};
  const checksums: Partial<Record<ChecksumAlgorithm, string>> = {};
  let rawExpires: string | undefined;
  for (const [name, value] of Object.entries(object.customMetadata ?? {})) {
    if (name.startsWith(CHECKSUM)) checksums[name.slice(CHECKSUM.length) as ChecksumAlgorithm] = value;
    else if (name === RAW_EXPIRES) rawExpires = value;
    else if (!name.startsWith(INTERNAL)) user[name] = value;
  }
  const metadata: ObjectMetadata = {
    contentType: http.contentType,
    cacheControl: http.cacheControl,
    contentDisposition: http.contentDisposition,
    contentEncoding: http.contentEncoding,
    contentLanguage: http.contentLanguage,
    expires: http.cacheExpiry ? http.cacheExpiry.toUTCString() : rawExpires,
    user,
  };
  if (Object.keys(checksums).length > 0) metadata.checksums = checksums;
  return { key, size: object.size, etag: object.etag, lastModified: object.uploaded, metadata };
}

/** A listed R2 object: its list entry's own fields, never its metadata getters (see ListedObject). */
export function listedObjectFromR2(object: R2Object, key: string): ListedObject {
  return { key, size: object.size, etag: object.etag, lastModified: object.uploaded };
}
