import type { ByteRange, ObjectBody, ObjectInfo, ObjectMetadata, WriteConditions } from '../backend';
import { resolveRange } from '../emulate/range';
import { isStorageError, StorageError } from '../errors';
import type { AzureUpstream } from './client';
import { translateAzureFailure } from './errors';
import { bareEtag, headerEntries, md5HexFromBase64, metadataFrom, metadataHeaders, s3Etag } from './metadata';

const OBJECT = { subject: 'object' } as const;

/** A blob as a HEAD or GET answer describes it, with Azure's own ETag for conditions. */
interface StoredBlob {
  info: ObjectInfo;
  azureEtag: string;
}

/** What a Get Blob / Get Blob Properties answer says about the blob. `size` is the whole blob's. */
function blobFromHeaders(headers: Headers, key: string, size: number, ranged: boolean): StoredBlob {
  const { metadata, etag } = metadataFrom(headerEntries(headers), (name) => headers.get(name));
  // A ranged answer's Content-MD5 is the range's (if asked for); the blob's is x-ms-blob-content-md5.
  const md5 = ranged ? headers.get('x-ms-blob-content-md5') : (headers.get('content-md5') ?? headers.get('x-ms-blob-content-md5'));
  const modified = Date.parse(headers.get('last-modified') ?? '');
  const azureEtag = headers.get('etag') ?? '';
  return { info: { key, size, etag: s3Etag(etag, md5, azureEtag), lastModified: new Date(Number.isNaN(modified) ? 0 : modified), metadata }, azureEtag };
}

/** Get Blob Properties, or null when there is no such blob. */
export async function blobProperties(up: AzureUpstream, key: string): Promise<StoredBlob | null> {
  try {
    const response = await up.client.send({ method: 'HEAD', blob: up.prefix + key, idempotent: true, context: OBJECT });
    return blobFromHeaders(response.headers, key, Number(response.headers.get('content-length') ?? 0), false);
  } catch (error) {
    if (isStorageError(error, 'not-found')) return null;
    throw error;
  }
}

export async function headObject(up: AzureUpstream, key: string): Promise<ObjectInfo | null> {
  return (await blobProperties(up, key))?.info ?? null;
}

/** A 206's `Content-Range: bytes a-b/size`. */
function servedRange(headers: Headers): { offset: number; length: number; size: number } | null {
  const match = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(headers.get('content-range') ?? '');
  if (!match) return null;
  const offset = Number(match[1]);
  return { offset, length: Number(match[2]) - offset + 1, size: Number(match[3]) };
}

/**
 * Get Blob, streamed. Azure serves `bytes=a-b` and `bytes=a-` but no suffix ranges, so a suffix is
 * resolved against the size from Get Blob Properties and read with If-Match on the blob's Azure
 * ETag: if the blob changed in between, the read is refused (412) and resolved again.
 */
export async function getObject(up: AzureUpstream, key: string, range: ByteRange | undefined): Promise<ObjectBody | null> {
  for (let attempt = 0; ; attempt++) {
    let headers: Record<string, string> = {};
    if (range && 'suffix' in range) {
      const stored = await blobProperties(up, key);
      if (!stored) return null;
      const resolved = resolveRange(range, stored.info.size);
      if (!resolved) throw new StorageError('invalid-range', '', { actualObjectSize: stored.info.size });
      headers = { 'x-ms-range': `bytes=${resolved.offset}-${resolved.offset + resolved.length - 1}`, 'if-match': stored.azureEtag };
    } else if (range) {
      headers = { 'x-ms-range': range.length === undefined ? `bytes=${range.offset}-` : `bytes=${range.offset}-${range.offset + range.length - 1}` };
    }
    let response: Response;
    try {
      response = await up.client.send({ method: 'GET', blob: up.prefix + key, headers, idempotent: true, context: OBJECT });
    } catch (error) {
      if (isStorageError(error, 'not-found')) return null;
      // The blob changed between sizing the suffix and reading it.
      if (isStorageError(error, 'precondition-failed') && attempt < 2) continue;
      if (isStorageError(error, 'invalid-range')) {
        // Azure's 416 does not say the size; S3's InvalidRange does (ActualObjectSize).
        const stored = await blobProperties(up, key);
        if (!stored) return null;
        throw new StorageError('invalid-range', '', { actualObjectSize: stored.info.size });
      }
      throw error;
    }
    const body = response.body ?? new Blob([]).stream();
    if (response.status === 206) {
      const served = servedRange(response.headers);
      if (!served) {
        await body.cancel();
        return up.client.malformed(OBJECT);
      }
      return { ...blobFromHeaders(response.headers, key, served.size, true).info, body, range: { offset: served.offset, length: served.length } };
    }
    const length = response.headers.get('content-length');
    const size = length !== null ? Number(length) : ((await headObject(up, key))?.size ?? 0);
    return { ...blobFromHeaders(response.headers, key, size, false).info, body };
  }
}

/**
 * S3's If-Match / If-None-Match name S3 ETags (MD5s); Azure's conditions name Azure's ETags. An
 * ETag condition is resolved against the blob's properties and sent as If-Match on the Azure ETag
 * seen, so the write still fails atomically if the blob changes in between (adrs/0021).
 */
export async function azureConditions(up: AzureUpstream, key: string, conditions: WriteConditions | undefined): Promise<Record<string, string>> {
  const { ifMatch, ifNoneMatch } = conditions ?? {};
  if (ifMatch !== undefined) {
    if (ifMatch.trim() === '*') return { 'if-match': '*' };
    const stored = await blobProperties(up, key);
    // S3 answers If-Match on a missing key with NoSuchKey.
    if (!stored) throw new StorageError('not-found');
    if (stored.info.etag !== bareEtag(ifMatch)) throw new StorageError('precondition-failed', '', { condition: 'If-Match' });
    return { 'if-match': stored.azureEtag };
  }
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch.trim() === '*') return { 'if-none-match': '*' };
    const stored = await blobProperties(up, key);
    if (!stored) return { 'if-none-match': '*' };
    if (stored.info.etag === bareEtag(ifNoneMatch)) throw new StorageError('precondition-failed', '', { condition: 'If-None-Match' });
    return { 'if-match': stored.azureEtag };
  }
  return {};
}

export function conditionName(conditions: WriteConditions | undefined): { condition?: 'If-Match' | 'If-None-Match' } {
  if (conditions?.ifMatch !== undefined) return { condition: 'If-Match' };
  if (conditions?.ifNoneMatch !== undefined) return { condition: 'If-None-Match' };
  return {};
}

/**
 * Put Blob, streamed at its known length and untouched: the body goes from the client to Azure
 * without passing through JavaScript. Azure computes the MD5 of a Put Blob body, keeps it as the
 * blob's Content-MD5 and returns it: that MD5 of the bytes Azure stored is the object's S3 ETag,
 * as GET/HEAD answer it afterwards. (The driver used to hash the body again while streaming it and
 * compare; the comparison came after the commit, so it guarded nothing stored, and the JavaScript
 * pass over every chunk cost CPU on every PUT — adrs/0021, wave 4.)
 */
export async function putObject(
  up: AzureUpstream,
  key: string,
  body: ReadableStream<Uint8Array>,
  length: number,
  metadata: ObjectMetadata,
  conditions: WriteConditions | undefined,
): Promise<ObjectInfo> {
  const headers = { ...(await azureConditions(up, key, conditions)), ...metadataHeaders(metadata), 'x-ms-blob-type': 'BlockBlob' };
  const response = await up.client.send({
    method: 'PUT',
    blob: up.prefix + key,
    headers,
    stream: { body, length },
    idempotent: false,
    context: { subject: 'object', ...conditionName(conditions) },
  });
  await response.body?.cancel();
  // Put Blob answers carry Content-MD5 for block blobs (REST reference); one without it is unusable.
  const md5 = md5HexFromBase64(response.headers.get('content-md5')) ?? up.client.malformed(OBJECT);
  const modified = Date.parse(response.headers.get('last-modified') ?? '');
  return { key, size: length, etag: md5, lastModified: Number.isNaN(modified) ? new Date() : new Date(modified), metadata };
}

/** Deletes run this many at a time: Azure has no multi-delete outside its multipart/mixed batch API. */
const DELETE_CONCURRENCY = 8;

/** Delete Blob per key (with its snapshots); a key that names no blob is not an error, as in S3. */
export async function deleteObjects(up: AzureUpstream, keys: string[]): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < keys.length) {
      const key = keys[next++]!;
      try {
        const response = await up.client.send({ method: 'DELETE', blob: up.prefix + key, headers: { 'x-ms-delete-snapshots': 'include' }, idempotent: true, context: OBJECT });
        await response.body?.cancel();
      } catch (error) {
        if (!isStorageError(error, 'not-found')) throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(DELETE_CONCURRENCY, keys.length) }, worker));
}
