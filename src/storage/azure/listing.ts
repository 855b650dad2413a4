import type { ListPage, ListQuery, ObjectInfo } from '../backend';
import { isStorageError, StorageError } from '../errors';
import type { AzureUpstream } from './client';
import { metadataFrom, s3Etag } from './metadata';

const LIST = { subject: 'container' } as const;

interface ListedBlob {
  Name?: string;
  Properties?: Record<string, string>;
  Metadata?: Record<string, string> | string;
}

/**
 * List Blobs, one page, in the client's view. Azure groups by delimiter itself (`BlobPrefix`) and
 * counts blobs and prefixes together against `maxresults`, as S3 does; its opaque NextMarker is
 * the page cursor. S3's start-after is List Blobs `startFrom` (x-ms-version 2026-02-06), which is
 * inclusive, so a blob named exactly start-after is dropped from the page.
 */
export async function listObjects(up: AzureUpstream, query: ListQuery): Promise<ListPage> {
  if (query.maxKeys <= 0) return { objects: [], commonPrefixes: [], truncated: false };
  const params: [string, string][] = [
    ['restype', 'container'],
    ['comp', 'list'],
    ['prefix', up.prefix + query.prefix],
    ['maxresults', String(query.maxKeys)],
    // Metadata carries the S3 ETag of multipart objects (metadata.ts).
    ['include', 'metadata'],
  ];
  if (query.delimiter) params.push(['delimiter', query.delimiter]);
  if (query.cursor !== undefined) params.push(['marker', query.cursor]);
  const startFrom = query.startAfter !== undefined ? up.prefix + query.startAfter : undefined;
  if (startFrom !== undefined) params.push(['startFrom', startFrom]);
  let document: Record<string, unknown>;
  try {
    const response = await up.client.send({ method: 'GET', query: params, idempotent: true, context: LIST });
    document = await up.client.readXml(response, LIST, ['EnumerationResults.Blobs.Blob', 'EnumerationResults.Blobs.BlobPrefix']);
  } catch (error) {
    // A marker Azure does not recognise is the client's bad continuation token.
    // (Azure answers 400 OutOfRangeInput or InvalidQueryParameterValue for a marker it cannot read.)
    if (query.cursor !== undefined && (isStorageError(error, 'misconfigured') || isStorageError(error, 'invalid-key'))) throw new StorageError('invalid-cursor');
    throw error;
  }
  const result = (document.EnumerationResults ?? {}) as { Blobs?: { Blob?: ListedBlob[]; BlobPrefix?: { Name?: string }[] } | string; NextMarker?: string };
  const blobs = typeof result.Blobs === 'object' ? result.Blobs : {};
  const objects: ObjectInfo[] = [];
  for (const blob of blobs.Blob ?? []) {
    if (typeof blob.Name !== 'string' || !blob.Name.startsWith(up.prefix)) return up.client.malformed(LIST);
    if (blob.Name === startFrom) continue;
    objects.push(listedObject(blob, blob.Name.slice(up.prefix.length)));
  }
  const commonPrefixes = (blobs.BlobPrefix ?? []).map((p) => {
    if (typeof p.Name !== 'string' || !p.Name.startsWith(up.prefix)) return up.client.malformed(LIST);
    return p.Name.slice(up.prefix.length);
  });
  const cursor = typeof result.NextMarker === 'string' && result.NextMarker !== '' ? result.NextMarker : undefined;
  return { objects, commonPrefixes, truncated: cursor !== undefined, ...(cursor ? { cursor } : {}) };
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
