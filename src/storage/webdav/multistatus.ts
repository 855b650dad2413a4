import { XMLParser } from 'fast-xml-parser';
import { BUCKETGATE_NS, OBJECT_PROPERTY } from './config';

/** One member of a PROPFIND answer, with only the properties the server answered 200 for. */
export interface DavEntry {
  /** Path relative to the collection asked about, percent-decoded: '' for itself, `name` or `name/`. */
  path: string;
  collection: boolean;
  size?: number;
  /** The server's entity tag as sent (quotes and any W/ kept). */
  etag?: string;
  lastModified?: Date;
  contentType?: string;
  /** The driver's dead property (JSON text), when the server keeps it. */
  object?: string;
}

/** The PROPFIND body: the live properties S3 needs, and the driver's dead property. */
export const PROPFIND_BODY =
  `<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:" xmlns:bg="${BUCKETGATE_NS}"><d:prop>` +
  `<d:resourcetype/><d:getcontentlength/><d:getlastmodified/><d:getetag/><d:getcontenttype/><bg:${OBJECT_PROPERTY}/>` +
  `</d:prop></d:propfind>`;

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: false,
  processEntities: true,
  isArray: (name) => name === 'response' || name === 'propstat',
});

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (value && typeof value === 'object' && '#text' in value) return text((value as Record<string, unknown>)['#text']);
  return undefined;
}

/** The path part of an href (which may be a full URL or an absolute path), percent-decoded. */
function hrefPath(href: string, base: URL): string | undefined {
  try {
    return decodeURIComponent(new URL(href.trim(), base).pathname);
  } catch {
    return undefined;
  }
}

/**
 * Parses a 207 Multi-Status answer to PROPFIND on `collectionUrl`. Hrefs are resolved against it and
 * made relative; members outside it (a server answering for something else) are dropped. Returns
 * null when the document is not a multistatus.
 */
export function parseMultistatus(xml: string, collectionUrl: string): DavEntry[] | null {
  let document: Record<string, unknown>;
  try {
    document = parser.parse(xml) as Record<string, unknown>;
  } catch {
    return null;
  }
  const multistatus = document.multistatus as { response?: unknown[] } | undefined;
  if (!multistatus || typeof multistatus !== 'object') return null;
  const base = new URL(collectionUrl);
  const basePath = decodeURIComponent(base.pathname);
  const entries: DavEntry[] = [];
  for (const raw of multistatus.response ?? []) {
    const response = raw as { href?: unknown; propstat?: { prop?: Record<string, unknown>; status?: unknown }[] };
    const href = text(response.href);
    const path = href === undefined ? undefined : hrefPath(href, base);
    if (path === undefined) continue;
    // Compare without a trailing slash: servers differ in whether the asked-for resource gets one.
    const trimmedBase = basePath.replace(/\/$/, '');
    if (path !== trimmedBase && !path.startsWith(trimmedBase + '/')) continue;
    const entry: DavEntry = { path: path.slice(trimmedBase.length).replace(/^\//, ''), collection: false };
    for (const propstat of response.propstat ?? []) {
      if (!/\s2\d\d\s?/.test(` ${text(propstat.status) ?? ''} `)) continue;
      const prop = propstat.prop ?? {};
      if (prop.resourcetype && typeof prop.resourcetype === 'object' && 'collection' in prop.resourcetype) entry.collection = true;
      const size = text(prop.getcontentlength);
      if (size !== undefined && /^\d+$/.test(size.trim())) entry.size = Number(size.trim());
      const etag = text(prop.getetag);
      if (etag) entry.etag = etag.trim();
      const modified = text(prop.getlastmodified);
      if (modified && !Number.isNaN(Date.parse(modified))) entry.lastModified = new Date(modified);
      const contentType = text(prop.getcontenttype);
      if (contentType) entry.contentType = contentType.trim();
      const object = text(prop[OBJECT_PROPERTY]);
      if (object) entry.object = object;
    }
    if (entry.collection && entry.path !== '' && !entry.path.endsWith('/')) entry.path += '/';
    entries.push(entry);
  }
  return entries;
}

/** An entity tag without W/ and quotes: how the driver compares and reports server tags. */
export function bareEtag(etag: string): string {
  return etag.replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
}
