import type { ObjectInfo, ObjectMetadata } from '../backend';
import { multipartEtag } from '../emulate/multipart-staging';
import { encodeBlockId, newUploadId, uploadBytes } from './block-ids';
import type { AzureUpstream } from './client';
import { type CopySource, type PinnedSource, pinSource, putBlockFromUrl } from './copy-source';
import { md5Base64FromHex, metadataEntries, metadataHeaders } from './metadata';

/**
 * Server-side CopyObject inside one Azure account (adrs/0021). The destination gets exactly the
 * metadata the S3 layer decided (COPY or REPLACE), and its S3 ETag stays an honest MD5:
 * - Copy Blob From URL (synchronous) when it can say all of that in one call: a source of at most
 *   256 MiB whose S3 ETag is its MD5, destination HTTP properties equal to the source's (the call
 *   copies them and takes no overrides), and metadata to set (an empty set would copy the source's).
 *   Azure keeps the source's Content-MD5 on the copy and checks the bytes against
 *   x-ms-source-content-md5;
 * - otherwise Put Block From URL per ≤ maxBlockBytes range, then Put Block List, which sets the
 *   properties, the metadata and the Content-MD5 (or, for a multipart source copied in several
 *   blocks, records an md5-of-block-md5s "-N" ETag) atomically with the commit.
 * Both are pinned to the source the S3 layer judged (copy-source.ts).
 */

const OBJECT = { subject: 'object' } as const;
const MiB = 1024 * 1024;
/** Copy Blob From URL copies sources up to this size. */
export const SYNC_COPY_MAX_BYTES = 256 * MiB;
const EMPTY_MD5 = 'd41d8cd98f00b204e9800998ecf8427e';
const HTTP_FIELDS = ['contentType', 'cacheControl', 'contentDisposition', 'contentEncoding', 'contentLanguage'] as const;

function lastModified(response: Response): Date {
  const modified = Date.parse(response.headers.get('last-modified') ?? '');
  return Number.isNaN(modified) ? new Date() : new Date(modified);
}

/** Copy Blob From URL says exactly what the destination must be. */
function syncCopyFits(source: PinnedSource, metadata: ObjectMetadata): source is PinnedSource & { md5: string } {
  return (
    source.md5 !== undefined &&
    source.size <= SYNC_COPY_MAX_BYTES &&
    HTTP_FIELDS.every((field) => source.metadata[field] === metadata[field]) &&
    Object.keys(metadataEntries(metadata)).length > 0
  );
}

export async function copyObject(up: AzureUpstream, from: CopySource, key: string, metadata: ObjectMetadata, maxBlockBytes: number): Promise<ObjectInfo> {
  const source = await pinSource(from);
  return syncCopyFits(source, metadata) ? copyBlobFromUrl(up, source, key, metadata) : copyByBlocks(up, source, key, metadata, maxBlockBytes);
}

async function copyBlobFromUrl(up: AzureUpstream, source: PinnedSource & { md5: string }, key: string, metadata: ObjectMetadata): Promise<ObjectInfo> {
  // Only x-ms-meta-*: the HTTP properties come from the source (equal by syncCopyFits).
  const meta = Object.fromEntries(Object.entries(metadataHeaders(metadata)).filter(([name]) => name.startsWith('x-ms-meta-')));
  const response = await up.client.send({
    method: 'PUT',
    blob: up.prefix + key,
    headers: { ...source.headers, ...meta, 'x-ms-requires-sync': 'true', 'x-ms-source-content-md5': md5Base64FromHex(source.md5) },
    idempotent: false,
    context: OBJECT,
  });
  await response.body?.cancel();
  if (response.headers.get('x-ms-copy-status') !== 'success') return up.client.malformed(OBJECT);
  return { key, size: source.size, etag: source.md5, lastModified: lastModified(response), metadata };
}

async function copyByBlocks(up: AzureUpstream, source: PinnedSource, key: string, metadata: ObjectMetadata, maxBlockBytes: number): Promise<ObjectInfo> {
  // The blocks' ids follow the multipart scheme (all ids of a blob must have one length), under an upload id of their own.
  const upload = uploadBytes(newUploadId())!;
  const nonce = crypto.getRandomValues(new Uint8Array(4));
  const count = Math.ceil(source.size / maxBlockBytes);
  const ids: string[] = [];
  const md5s: string[] = [];
  for (let index = 0; index < count; index++) {
    const offset = index * maxBlockBytes;
    const id = { kind: 'D', upload, part: 1, nonce, index } as const;
    md5s.push(await putBlockFromUrl(up, key, id, source, { offset, length: Math.min(maxBlockBytes, source.size - offset) }, OBJECT));
    ids.push(encodeBlockId(id));
  }
  // The MD5 of the whole copy: the source's, the one block's, or none (a multipart source in several blocks).
  const md5 = count === 0 ? EMPTY_MD5 : (source.md5 ?? (count === 1 ? md5s[0] : undefined));
  if (source.md5 !== undefined && count === 1 && md5s[0] !== source.md5) return up.client.malformed(OBJECT);
  const etag = md5 ?? (await multipartEtag(md5s));
  const text = `<?xml version="1.0" encoding="utf-8"?><BlockList>${ids.map((id) => `<Uncommitted>${id}</Uncommitted>`).join('')}</BlockList>`;
  const response = await up.client.send({
    method: 'PUT',
    blob: up.prefix + key,
    query: [['comp', 'blocklist']],
    headers: {
      ...metadataHeaders(metadata, md5 === undefined ? { etag } : {}),
      ...(md5 !== undefined ? { 'x-ms-blob-content-md5': md5Base64FromHex(md5) } : {}),
      'content-type': 'application/xml',
    },
    text,
    idempotent: false,
    context: OBJECT,
  });
  await response.body?.cancel();
  return { key, size: source.size, etag, lastModified: lastModified(response), metadata };
}
