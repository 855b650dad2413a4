import type { ByteRange, ObjectBody, ObjectInfo, ObjectMetadata, WriteConditions } from '../backend';
import { resolveRange } from '../emulate/range';
import { StorageError } from '../errors';
import { md5WhileStreaming } from '../../core/md5-stream';
import { STAGING_COLLECTION } from './config';
import { type DavTree, ensureParents, forgetCollection, malformed, mkcol, propfind } from './dav';
import type { ListingCache } from './listing-cache';
import { bareEtag, type DavEntry } from './multistatus';
import { currentStoredObject, ifEtagHeader, proppatchBody } from './stored-object';

/** A virtual bucket's view of a WebDAV tree: its key prefix and what the server was probed to do. */
export interface DavBucket {
  tree: DavTree;
  prefix: string;
  deadProperties: boolean;
  /** Collection listings kept briefly in memory (listing-cache.ts); writes here forget what they change. */
  listings: ListingCache;
}

/**
 * After a write or delete of the server path `path`: its collection and every one above it list
 * differently now (a new member, a new sub-collection, another tag). A `dir/` path forgets itself
 * and everything cached under it.
 */
export function forgetListings(bucket: DavBucket, path: string): void {
  const segments = path.split('/');
  const urls = segments.map((_, i) => bucket.tree.client.urlFor(bucket.tree.root, i === 0 ? '' : `${segments.slice(0, i).join('/')}/`));
  bucket.listings.forget(urls, path.endsWith('/') ? urls[urls.length - 1] : undefined);
}

const EMPTY_MD5 = 'd41d8cd98f00b204e9800998ecf8427e';

/** The server path of a client key; the staging collection is never addressable by a client. */
export function pathOf(bucket: DavBucket, key: string): string {
  const path = bucket.prefix + key;
  if (path === STAGING_COLLECTION || path.startsWith(`${STAGING_COLLECTION}/`)) {
    throw new StorageError('invalid-key', `Keys starting with ${STAGING_COLLECTION}/ are reserved by this storage.`);
  }
  return path;
}

/** ObjectInfo from a PROPFIND entry: the stored MD5 ETag and metadata when current, else the server's own. */
export function infoOf(key: string, entry: DavEntry): ObjectInfo {
  const stored = currentStoredObject(entry);
  if (entry.collection) return { key, size: 0, etag: EMPTY_MD5, lastModified: entry.lastModified ?? new Date(0), metadata: { user: {} } };
  return {
    key,
    size: entry.size ?? 0,
    etag: stored?.etag ?? bareEtag(entry.etag ?? ''),
    lastModified: entry.lastModified ?? new Date(0),
    metadata: stored?.metadata ?? { ...(entry.contentType ? { contentType: entry.contentType } : {}), user: {} },
  };
}

/** One resource's properties (PROPFIND Depth 0), or null when absent. A `key/` names a collection. */
async function stat(bucket: DavBucket, key: string): Promise<DavEntry | null> {
  const entries = await propfind(bucket.tree, pathOf(bucket, key), 0, { subject: 'object' });
  const entry = entries?.find((e) => e.path === '' || e.path === '/') ?? entries?.[0];
  if (!entry) return null;
  // A file where a directory object is asked for (or the reverse) is not that object.
  if (entry.collection !== key.endsWith('/')) return null;
  return entry;
}

/** Response headers of a GET/HEAD as ObjectInfo, for servers without dead properties. */
function infoFromHeaders(key: string, response: Response, size: number): ObjectInfo {
  const contentType = response.headers.get('content-type');
  const modified = response.headers.get('last-modified');
  return {
    key,
    size,
    etag: bareEtag(response.headers.get('etag') ?? ''),
    lastModified: modified && !Number.isNaN(Date.parse(modified)) ? new Date(modified) : new Date(0),
    metadata: { ...(contentType ? { contentType } : {}), user: {} },
  };
}

export async function headObject(bucket: DavBucket, key: string): Promise<ObjectInfo | null> {
  if (bucket.deadProperties || key.endsWith('/')) {
    const entry = await stat(bucket, key);
    return entry ? infoOf(key, entry) : null;
  }
  const url = bucket.tree.client.urlFor(bucket.tree.root, pathOf(bucket, key));
  const response = await bucket.tree.client.send({ method: 'HEAD', url, idempotent: true, context: { subject: 'object' }, accept: [404] });
  await response.body?.cancel();
  if (response.status === 404) return null;
  const size = Number(response.headers.get('content-length') ?? 'NaN');
  if (!Number.isSafeInteger(size)) throw malformed({ subject: 'object' });
  return infoFromHeaders(key, response, size);
}

function rangeHeader(range: ByteRange): string {
  if ('suffix' in range) return `bytes=-${range.suffix}`;
  return `bytes=${range.offset}-${range.length === undefined ? '' : range.offset + range.length - 1}`;
}

/** Skips `offset` bytes of a stream and passes on `length`: a server that ignored Range, served as if it had not. */
function slice(body: ReadableStream<Uint8Array>, offset: number, length: number): ReadableStream<Uint8Array> {
  let position = 0;
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        const start = Math.max(offset - position, 0);
        const end = Math.min(offset + length - position, chunk.byteLength);
        position += chunk.byteLength;
        if (end > start) controller.enqueue(chunk.subarray(start, end));
      },
    }),
  );
}

/**
 * GET, with Range passed on. With dead properties the metadata comes from a PROPFIND first, and
 * the GET's ETag must be the tag that PROPFIND saw: if the object changed in between, the pair is
 * read again (once), so body and metadata always describe the same bytes.
 */
export async function getObject(bucket: DavBucket, key: string, range?: ByteRange): Promise<ObjectBody | null> {
  if (key.endsWith('/')) {
    const entry = await stat(bucket, key);
    if (!entry) return null;
    if (range) throw new StorageError('invalid-range', '', { actualObjectSize: 0 });
    return { ...infoOf(key, entry), body: new Blob([]).stream() };
  }
  for (let attempt = 0; ; attempt++) {
    const entry = bucket.deadProperties ? await stat(bucket, key) : undefined;
    if (entry === null) return null;
    const url = bucket.tree.client.urlFor(bucket.tree.root, pathOf(bucket, key));
    const response = await bucket.tree.client.send({
      method: 'GET',
      url,
      headers: range ? { range: rangeHeader(range) } : {},
      idempotent: true,
      context: { subject: 'object' },
      accept: [404, 416],
    });
    if (response.status === 404) {
      await response.body?.cancel();
      return null;
    }
    if (response.status === 416) {
      await response.body?.cancel();
      const size = /^bytes \*\/(\d+)$/.exec(response.headers.get('content-range') ?? '')?.[1];
      const actual = size !== undefined ? Number(size) : (entry?.size ?? (await headObject(bucket, key))?.size);
      throw new StorageError('invalid-range', '', actual !== undefined ? { actualObjectSize: actual } : {});
    }
    if (entry && entry.etag && bareEtag(response.headers.get('etag') ?? '') !== bareEtag(entry.etag)) {
      await response.body?.cancel();
      if (attempt === 0) continue;
      throw new StorageError('conflict', 'The object changed while it was being read; retry the request.');
    }
    return served(bucket, key, response, entry ?? undefined, range);
  }
}

function served(bucket: DavBucket, key: string, response: Response, entry: DavEntry | undefined, range: ByteRange | undefined): ObjectBody {
  const body = response.body ?? new Blob([]).stream();
  const contentRange = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(response.headers.get('content-range') ?? '');
  if (response.status === 206 && contentRange) {
    const [offset, last, size] = [Number(contentRange[1]), Number(contentRange[2]), Number(contentRange[3])];
    const info = entry ? infoOf(key, entry) : infoFromHeaders(key, response, size);
    return { ...info, size, body, range: { offset, length: last - offset + 1 } };
  }
  const size = Number(response.headers.get('content-length') ?? entry?.size ?? 'NaN');
  if (!Number.isSafeInteger(size)) throw malformed({ subject: 'object' });
  const info = entry ? infoOf(key, entry) : infoFromHeaders(key, response, size);
  if (!range) return { ...info, size, body };
  // The server ignored Range (200): serve the range from the full body.
  const resolved = resolveRange(range, size);
  if (!resolved) {
    body.cancel().catch(() => {});
    throw new StorageError('invalid-range', '', { actualObjectSize: size });
  }
  return { ...info, size, body: slice(body, resolved.offset, resolved.length), range: resolved };
}

/** What a PUT needs besides the bytes. `etag` is set by a multipart completion (the "-N" ETag). */
export interface PutOptions {
  conditions?: WriteConditions;
  conditionalWrites: boolean;
  etag?: string;
}

/**
 * PUT streamed at its known length, parents made first (MKCOL), the MD5 computed on the way. A
 * condition becomes the server's own: `If-None-Match: *` as is, `If-Match: <S3 ETag>` as an RFC
 * 4918 `If` header on the server's tag for that ETag — the server refuses the PUT if the object
 * changed since, so nothing is checked first and written after.
 */
export async function putObject(bucket: DavBucket, key: string, body: ReadableStream<Uint8Array>, length: number, metadata: ObjectMetadata, options: PutOptions): Promise<ObjectInfo> {
  const path = pathOf(bucket, key);
  if (key.endsWith('/')) return putDirectory(bucket, key, path, body, length);
  const headers: Record<string, string> = {};
  const { conditions } = options;
  let condition: 'If-Match' | 'If-None-Match' | undefined;
  if (conditions?.ifNoneMatch !== undefined) {
    if (conditions.ifNoneMatch.trim() !== '*') throw new StorageError('not-implemented', 'Only If-None-Match: * is supported on writes.');
    headers['if-none-match'] = '*';
    condition = 'If-None-Match';
  }
  if (conditions?.ifMatch !== undefined) {
    const current = await stat(bucket, key);
    if (!current) throw new StorageError('not-found');
    const wanted = bareEtag(conditions.ifMatch.trim());
    if (wanted !== '*' && infoOf(key, current).etag !== wanted) throw new StorageError('precondition-failed', '', { condition: 'If-Match' });
    if (current.etag) headers.if = ifEtagHeader(current.etag);
    condition = 'If-Match';
  }
  try {
    await ensureParents(bucket.tree, path);
    if (metadata.contentType) headers['content-type'] = metadata.contentType;
    const hashed = md5WhileStreaming(body);
    const url = bucket.tree.client.urlFor(bucket.tree.root, path);
    const response = await bucket.tree.client.send({
      method: 'PUT',
      url,
      headers,
      stream: { body: hashed.stream, length },
      idempotent: false,
      context: { subject: 'object', ...(condition ? { condition } : {}) },
    });
    await response.body?.cancel();
    const md5 = await hashed.md5;
    const etag = options.etag ?? md5;
    if (!bucket.deadProperties) {
      const tag = response.headers.get('etag');
      if (tag) return { key, size: length, etag: bareEtag(tag), lastModified: new Date(), metadata };
      const head = await headObject(bucket, key);
      return head ?? { key, size: length, etag: md5, lastModified: new Date(), metadata };
    }
    return await recordStoredObject(bucket, key, path, etag, length, metadata);
  } finally {
    forgetListings(bucket, path);
  }
}

/**
 * Stores the ETag and metadata as the object's dead property, tied to the server's tag of the
 * bytes just written. The PROPPATCH carries an `If` on that tag: if another write replaced the
 * file in between, the property is not stamped on bytes it does not describe.
 */
export async function recordStoredObject(bucket: DavBucket, key: string, path: string, etag: string, size: number, metadata: ObjectMetadata): Promise<ObjectInfo> {
  const entry = await stat(bucket, key);
  if (!entry?.etag) return { key, size, etag, lastModified: new Date(), metadata };
  const url = bucket.tree.client.urlFor(bucket.tree.root, path);
  const response = await bucket.tree.client.send({
    method: 'PROPPATCH',
    url,
    headers: { if: ifEtagHeader(entry.etag) },
    text: proppatchBody({ v: 1, etag, serverEtag: entry.etag, metadata }),
    idempotent: true,
    context: { subject: 'object' },
    // Superseded by a concurrent write: that write's own answer describes the object now.
    accept: [412],
  });
  await response.body?.cancel();
  return { key, size, etag, lastModified: entry.lastModified ?? new Date(), metadata };
}

/** A zero-byte `key/` object is a collection (what S3 consoles and tools create as "folders"). */
async function putDirectory(bucket: DavBucket, key: string, path: string, body: ReadableStream<Uint8Array>, length: number): Promise<ObjectInfo> {
  await body.cancel().catch(() => {});
  if (length !== 0) throw new StorageError('invalid-key', 'On this storage a key ending in "/" is a directory and can hold no bytes.');
  try {
    await ensureParents(bucket.tree, path);
    await mkcol(bucket.tree, bucket.tree.client.urlFor(bucket.tree.root, path));
  } finally {
    forgetListings(bucket, path);
  }
  return { key, size: 0, etag: EMPTY_MD5, lastModified: new Date(), metadata: { user: {} } };
}

const DELETE_CONCURRENCY = 8;

/**
 * DELETE of each key; an absent key is not an error. A `key/` directory object is removed only
 * while its collection is empty (DELETE of a collection is recursive in WebDAV, and S3 deleting a
 * "folder" object never deletes the keys under it). Parents left empty are not removed: S3 has no
 * directories, and removing them would race with writes into them (adrs/0022).
 */
export async function deleteObjects(bucket: DavBucket, keys: string[]): Promise<void> {
  // A directory object is removed only once empty, so it goes after the files named with it
  // (deepest first): DeleteObjects of `dir/x` and `dir/` must leave neither.
  const files = keys.filter((key) => !key.endsWith('/'));
  const directories = keys.filter((key) => key.endsWith('/')).sort((a, b) => b.length - a.length);
  const queue = [...files];
  const worker = async () => {
    for (let key = queue.shift(); key !== undefined; key = queue.shift()) await deleteOne(bucket, key);
  };
  await Promise.all(Array.from({ length: Math.min(DELETE_CONCURRENCY, files.length) }, worker));
  for (const directory of directories) await deleteOne(bucket, directory);
}

async function deleteOne(bucket: DavBucket, key: string): Promise<void> {
  const path = pathOf(bucket, key);
  const url = bucket.tree.client.urlFor(bucket.tree.root, path);
  if (key.endsWith('/')) {
    const members = await propfind(bucket.tree, path, 1, { subject: 'object' });
    if (!members || members.some((m) => m.path !== '')) return;
    forgetCollection(url);
  }
  try {
    const response = await bucket.tree.client.send({ method: 'DELETE', url, idempotent: true, context: { subject: 'object' }, accept: [404] });
    await response.body?.cancel();
  } finally {
    forgetListings(bucket, path);
  }
}
