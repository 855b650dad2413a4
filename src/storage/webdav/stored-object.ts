import type { ObjectMetadata } from '../backend';
import { BUCKETGATE_NS, OBJECT_PROPERTY } from './config';
import { bareEtag, type DavEntry } from './multistatus';

/**
 * What S3 needs of an object and WebDAV does not keep, stored as ONE dead property (JSON): the MD5
 * ETag (or multipart "-N" ETag) computed while the bytes streamed in, the HTTP/user metadata, and
 * the server's own entity tag at the time it was stored. If the server's tag no longer matches, the
 * file changed behind the gateway's back (or the write that set it lost a race): the property is
 * then ignored and the server's own tag is reported.
 */
export interface StoredObject {
  v: 1;
  etag: string;
  serverEtag: string;
  metadata: ObjectMetadata;
}

export function encodeStoredObject(stored: StoredObject): string {
  return JSON.stringify(stored);
}

/** The stored property of an entry, if present, well-formed and still describing the same bytes. */
export function currentStoredObject(entry: DavEntry): StoredObject | null {
  if (!entry.object || !entry.etag) return null;
  try {
    const parsed = JSON.parse(entry.object) as StoredObject;
    if (parsed?.v !== 1 || typeof parsed.etag !== 'string' || typeof parsed.serverEtag !== 'string') return null;
    return bareEtag(parsed.serverEtag) === bareEtag(entry.etag) ? parsed : null;
  } catch {
    return null;
  }
}

function escapeXml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function proppatchBody(stored: StoredObject): string {
  return (
    `<?xml version="1.0" encoding="utf-8"?><d:propertyupdate xmlns:d="DAV:" xmlns:bg="${BUCKETGATE_NS}"><d:set><d:prop>` +
    `<bg:${OBJECT_PROPERTY}>${escapeXml(encodeStoredObject(stored))}</bg:${OBJECT_PROPERTY}>` +
    `</d:prop></d:set></d:propertyupdate>`
  );
}

/**
 * RFC 4918 `If` header naming one entity tag in both its weak and strong spellings (lists are
 * ORed). Apache marks a tag weak while the file is less than a second old and strong after, and
 * its If-Match never matches a weak tag; the `If` header compares the tag as the server reports it.
 */
export function ifEtagHeader(serverEtag: string): string {
  const strong = `"${bareEtag(serverEtag)}"`;
  return `([${strong}]) ([W/${strong}])`;
}
