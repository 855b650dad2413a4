import { isStorageError, StorageError } from '../errors';
import type { ByteRange, ObjectBody, ObjectInfo, ObjectMetadata, TrailingChecksum, WriteConditions } from '../backend';
import { buildXml } from '../../s3/xml';
import type { Upstream } from './client';
import { translateUpstreamFailure } from './errors';
import { bareEtag, metadataHeaders, objectInfoFromHeaders } from './metadata';

const OBJECT = { subject: 'object' } as const;

/** `bytes=a-b`, `bytes=a-`, `bytes=-n`: the caller's range as asked, resolved by the upstream. */
function rangeHeader(range: ByteRange): string {
  if ('suffix' in range) return `bytes=-${range.suffix}`;
  return range.length === undefined ? `bytes=${range.offset}-` : `bytes=${range.offset}-${range.offset + range.length - 1}`;
}

/** A 206's `Content-Range: bytes a-b/size`. */
function servedRange(headers: Headers): { offset: number; length: number; size: number } | null {
  const match = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(headers.get('content-range') ?? '');
  if (!match) return null;
  const offset = Number(match[1]);
  return { offset, length: Number(match[2]) - offset + 1, size: Number(match[3]) };
}

/** An ETag condition as HTTP wants it: `*` or a quoted tag. */
function quoted(tag: string): string {
  const t = tag.trim();
  return t === '*' || t.includes('"') ? t : `"${t}"`;
}

export async function headObject(up: Upstream, key: string): Promise<ObjectInfo | null> {
  try {
    const response = await up.client.send({ method: 'HEAD', key: up.prefix + key, headers: { 'x-amz-checksum-mode': 'ENABLED' }, idempotent: true, context: OBJECT });
    return objectInfoFromHeaders(response.headers, key, Number(response.headers.get('content-length') ?? 0));
  } catch (error) {
    if (isStorageError(error, 'not-found')) return null;
    throw error;
  }
}

export async function getObject(up: Upstream, key: string, range: ByteRange | undefined): Promise<ObjectBody | null> {
  let response: Response;
  try {
    response = await up.client.send({
      method: 'GET',
      key: up.prefix + key,
      headers: {
        ...(range ? { range: rangeHeader(range) } : {}),
        // The stored checksums come back only when asked for; the S3 layer decides whether to show them.
        'x-amz-checksum-mode': 'ENABLED',
      },
      idempotent: true,
      context: OBJECT,
    });
  } catch (error) {
    if (isStorageError(error, 'not-found')) return null;
    throw error;
  }
  const body = response.body ?? new Blob([]).stream();
  if (response.status === 206) {
    const served = servedRange(response.headers);
    if (!served) {
      await body.cancel();
      throw new StorageError('internal');
    }
    const info = objectInfoFromHeaders(response.headers, key, served.size);
    return { ...info, body, range: { offset: served.offset, length: served.length } };
  }
  // A 200 to a ranged request: the store served the whole object (S3 does so for ranges it ignores).
  const length = response.headers.get('content-length');
  // Some fronts drop Content-Length on an encoded body (wrangler dev does for Content-Encoding: gzip);
  // the size is then asked for once rather than guessed.
  const size = length !== null ? Number(length) : ((await headObject(up, key))?.size ?? 0);
  const info = objectInfoFromHeaders(response.headers, key, size);
  return { ...info, body };
}

export async function putObject(
  up: Upstream,
  key: string,
  body: ReadableStream<Uint8Array>,
  length: number,
  metadata: ObjectMetadata,
  conditions: WriteConditions | undefined,
  trailing?: TrailingChecksum,
): Promise<ObjectInfo> {
  const headers = metadataHeaders(metadata);
  if (conditions?.ifMatch !== undefined) headers['if-match'] = quoted(conditions.ifMatch);
  if (conditions?.ifNoneMatch !== undefined) headers['if-none-match'] = quoted(conditions.ifNoneMatch);
  const condition = conditions?.ifMatch !== undefined ? 'If-Match' : conditions?.ifNoneMatch !== undefined ? 'If-None-Match' : undefined;
  const response = await up.client.send({
    method: 'PUT',
    key: up.prefix + key,
    headers,
    stream: { body, length },
    ...(trailing ? { trailing } : {}),
    idempotent: false,
    context: { subject: 'object', ...(condition ? { condition } : {}) },
  });
  await response.body?.cancel();
  const modified = Date.parse(response.headers.get('last-modified') ?? '');
  return {
    key,
    size: length,
    etag: bareEtag(response.headers.get('etag')),
    // PutObject answers carry no Last-Modified on most stores; the write happened now.
    lastModified: Number.isNaN(modified) ? new Date() : new Date(modified),
    metadata,
  };
}

/** S3 caps DeleteObjects at this many keys. */
const DELETE_BATCH = 1000;

export async function deleteObjects(up: Upstream, keys: string[]): Promise<void> {
  for (let i = 0; i < keys.length; i += DELETE_BATCH) {
    const batch = keys.slice(i, i + DELETE_BATCH);
    if (batch.length === 1) {
      const response = await up.client.send({ method: 'DELETE', key: up.prefix + batch[0], idempotent: true, context: OBJECT });
      await response.body?.cancel();
      continue;
    }
    const text = buildXml({ Delete: { Quiet: 'true', Object: batch.map((k) => ({ Key: up.prefix + k })) } });
    // DeleteObjects requires an integrity header; MD5 of a few kilobytes of XML the driver built.
    const md5 = await crypto.subtle.digest('MD5', new TextEncoder().encode(text));
    const response = await up.client.send({
      method: 'POST',
      query: [['delete', '']],
      headers: { 'content-type': 'application/xml', 'content-md5': btoa(String.fromCharCode(...new Uint8Array(md5))) },
      text,
      idempotent: true,
      context: { subject: 'bucket' },
    });
    const result = await up.client.readXml(response, OBJECT, ['DeleteResult.Error']);
    const errors = (result.DeleteResult as { Error?: { Code?: string }[] } | undefined)?.Error ?? [];
    if (errors.length > 0) throw translateUpstreamFailure({ kind: 'response', status: 500, code: errors[0]!.Code }, OBJECT);
  }
}

/** Where a server-side copy reads: an upstream bucket, the full upstream key (prefix applied), the ETag it must still have. */
export interface UpstreamSource {
  bucket: string;
  key: string;
  etag: string;
}

/** The copy-source headers of a server-side copy, pinned to the ETag the S3 layer judged. */
export function copySourceHeaders(up: Upstream, source: UpstreamSource): Record<string, string> {
  return { 'x-amz-copy-source': up.client.copySource(source.key, source.bucket), 'x-amz-copy-source-if-match': `"${source.etag}"` };
}

/**
 * Server-side CopyObject within the upstream (the source may be in another bucket there, reached
 * with the same credentials). The destination's metadata is what the S3 layer decided (copied or
 * replaced), so the upstream is always told REPLACE with it in full. Checksums are not carried:
 * CopyObject takes an algorithm, not values, and recomputes them.
 */
export async function copyObject(up: Upstream, source: UpstreamSource & { size: number }, key: string, metadata: ObjectMetadata): Promise<ObjectInfo> {
  const { checksums: _ignored, ...withoutChecksums } = metadata;
  const response = await up.client.send({
    method: 'PUT',
    key: up.prefix + key,
    headers: { ...metadataHeaders(withoutChecksums), ...copySourceHeaders(up, source), 'x-amz-metadata-directive': 'REPLACE' },
    idempotent: true,
    context: OBJECT,
  });
  const result = (await up.client.readXml(response, OBJECT)).CopyObjectResult as { ETag?: string; LastModified?: string } | undefined;
  const modified = Date.parse(result?.LastModified ?? '');
  return { key, size: source.size, etag: bareEtag(result?.ETag), lastModified: Number.isNaN(modified) ? new Date() : new Date(modified), metadata: withoutChecksums };
}
