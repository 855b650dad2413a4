import { CHECKSUM_ALGORITHMS, type ChecksumAlgorithm } from '../../core/checksum-names';
import type { ObjectInfo, ObjectMetadata } from '../backend';

const HTTP_FIELDS = [
  ['contentType', 'content-type'],
  ['cacheControl', 'cache-control'],
  ['contentDisposition', 'content-disposition'],
  ['contentEncoding', 'content-encoding'],
  ['contentLanguage', 'content-language'],
  ['expires', 'expires'],
] as const;

const USER_PREFIX = 'x-amz-meta-';
const CHECKSUM_PREFIX = 'x-amz-checksum-';

/** ObjectMetadata → the upstream's request headers (PutObject, CreateMultipartUpload, CopyObject REPLACE). */
export function metadataHeaders(m: ObjectMetadata): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [field, header] of HTTP_FIELDS) {
    const value = m[field];
    if (value !== undefined) headers[header] = value;
  }
  for (const [name, value] of Object.entries(m.user)) headers[USER_PREFIX + name] = value;
  // The gateway verified these; the upstream verifies them again and stores them.
  for (const [algorithm, value] of Object.entries(m.checksums ?? {})) headers[CHECKSUM_PREFIX + algorithm] = value;
  return headers;
}

/** ETags arrive quoted (`"abc"`, `"abc-3"`); the Backend speaks them bare. */
export function bareEtag(tag: string | null | undefined): string {
  return (tag ?? '').trim().replace(/^W\//, '').replace(/^"|"$/g, '');
}

/** What a HEAD/GET response says about the object. `size` is the whole object's, even for a 206. */
export function objectInfoFromHeaders(headers: Headers, key: string, size: number): ObjectInfo {
  const metadata: ObjectMetadata = { user: {} };
  for (const [field, header] of HTTP_FIELDS) {
    const value = headers.get(header);
    if (value !== null) metadata[field] = value;
  }
  const checksums: Partial<Record<ChecksumAlgorithm, string>> = {};
  headers.forEach((value, name) => {
    if (name.startsWith(USER_PREFIX)) metadata.user[name.slice(USER_PREFIX.length)] = value;
    else if (name.startsWith(CHECKSUM_PREFIX)) {
      const algorithm = name.slice(CHECKSUM_PREFIX.length) as ChecksumAlgorithm;
      // A composite (multipart) checksum ends in "-N": it is not the object's checksum, so not kept.
      if (CHECKSUM_ALGORITHMS.includes(algorithm) && !value.includes('-')) checksums[algorithm] = value;
    }
  });
  if (Object.keys(checksums).length > 0) metadata.checksums = checksums;
  const modified = Date.parse(headers.get('last-modified') ?? '');
  return { key, size, etag: bareEtag(headers.get('etag')), lastModified: new Date(Number.isNaN(modified) ? 0 : modified), metadata };
}
