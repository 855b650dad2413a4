import type { ListPage, ListQuery, ObjectInfo } from '../backend';
import { StorageError } from '../errors';
import type { AzureUpstream } from './client';
import { metadataFrom, s3Etag } from './metadata';

const LIST = { subject: 'container' } as const;

interface ListedBlob {
  Name?: string;
  Properties?: Record<string, string>;
  Metadata?: Record<string, string> | string;
}

/**
 * The page cursor is the driver's own, in the client's key space: `k<key>` continues after that
 * key, `p<common prefix>` after everything under that prefix. Azure's NextMarker is not passed
 * on: it embeds the full blob name, so it would show clients the bucket's upstream prefix.
 */
function decodeCursor(cursor: string): { after: string; prefix: boolean } {
  const kind = cursor[0];
  if ((kind !== 'k' && kind !== 'p') || cursor.length < 2) throw new StorageError('invalid-cursor');
  return { after: cursor.slice(1), prefix: kind === 'p' };
}

/** The least name greater than every name under `prefix` (its last code unit incremented). */
function pastPrefix(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

/**
 * List Blobs, one page, in the client's view. Azure groups by delimiter itself (`BlobPrefix` are
 * the common prefixes) and counts blobs and prefixes together against `maxresults`, as S3 does.
 * Continuing — after a cursor or S3's start-after — is List Blobs `startFrom` (x-ms-version
 * 2026-02-06), which is inclusive: one more result is asked for and the name itself dropped.
 */
export async function listObjects(up: AzureUpstream, query: ListQuery): Promise<ListPage> {
  if (query.maxKeys <= 0) return { objects: [], commonPrefixes: [], truncated: false };
  const cursor = query.cursor !== undefined ? decodeCursor(query.cursor) : undefined;
  // The name listing starts from, and the one name (inclusive start) to leave out.
  let startFrom: string | undefined;
  let exclude: string | undefined;
  if (cursor?.prefix) startFrom = up.prefix + pastPrefix(cursor.after);
  else if (cursor) startFrom = exclude = up.prefix + cursor.after;
  else if (query.startAfter !== undefined) startFrom = exclude = up.prefix + query.startAfter;
  const params: [string, string][] = [
    ['restype', 'container'],
    ['comp', 'list'],
    ['prefix', up.prefix + query.prefix],
    ['maxresults', String(query.maxKeys + (exclude !== undefined ? 1 : 0))],
    // Metadata carries the S3 ETag of multipart objects (metadata.ts).
    ['include', 'metadata'],
  ];
  if (query.delimiter) params.push(['delimiter', query.delimiter]);
  if (startFrom !== undefined) params.push(['startFrom', startFrom]);
  const response = await up.client.send({ method: 'GET', query: params, idempotent: true, context: LIST });
  const document = await up.client.readXml(response, LIST, ['EnumerationResults.Blobs.Blob', 'EnumerationResults.Blobs.BlobPrefix']);
  const result = (document.EnumerationResults ?? {}) as { Blobs?: { Blob?: ListedBlob[]; BlobPrefix?: { Name?: string }[] } | string; NextMarker?: string };
  const blobs = typeof result.Blobs === 'object' ? result.Blobs : {};
  const entries: ({ name: string; blob: ListedBlob } | { name: string; blob?: undefined })[] = [
    ...(blobs.Blob ?? []).map((blob) => ({ name: clientName(up, blob.Name), blob })),
    ...(blobs.BlobPrefix ?? []).map((p) => ({ name: clientName(up, p.Name) })),
  ]
    .filter((e) => up.prefix + e.name !== exclude)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const truncated = (typeof result.NextMarker === 'string' && result.NextMarker !== '') || entries.length > query.maxKeys;
  const page = entries.slice(0, query.maxKeys);
  const last = page[page.length - 1];
  const objects: ObjectInfo[] = page.filter((e) => e.blob).map((e) => listedObject(e.blob!, e.name));
  const commonPrefixes = page.filter((e) => !e.blob).map((e) => e.name);
  return { objects, commonPrefixes, truncated, ...(truncated && last ? { cursor: (last.blob ? 'k' : 'p') + last.name } : {}) };
}

/** A listed name in the client's view; a name outside the prefix is not an answer to this listing. */
function clientName(up: AzureUpstream, name: string | undefined): string {
  if (typeof name !== 'string' || !name.startsWith(up.prefix)) return up.client.malformed(LIST);
  return name.slice(up.prefix.length);
}

function listedObject(blob: ListedBlob, key: string): ObjectInfo {
  const properties = blob.Properties ?? {};
  const entries = typeof blob.Metadata === 'object' ? Object.entries(blob.Metadata).filter((e): e is [string, string] => typeof e[1] === 'string') : [];
  const { metadata, etag } = metadataFrom(entries, (name) => properties[name.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase())]);
  const modified = Date.parse(properties['Last-Modified'] ?? '');
  return {
    key,
    size: Number(properties['Content-Length'] ?? 0),
    etag: s3Etag(etag, properties['Content-MD5'], properties.Etag),
    lastModified: new Date(Number.isNaN(modified) ? 0 : modified),
    metadata,
  };
}
