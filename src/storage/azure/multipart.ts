import { md5WhileStreaming } from '../../core/md5-stream';
import type { CompletedPart, ObjectInfo, ObjectMetadata, WriteConditions } from '../backend';
import { StorageError } from '../errors';
import { type BlockId, decodeBlockId, encodeBlockId, METADATA_CHUNK_BYTES, newUploadId, sameBytes, uploadBytes } from './block-ids';
import type { AzureUpstream } from './client';
import { bareEtag, metadataHeaders } from './metadata';
import { type CopySource, pinSource, putBlockFromUrl } from './copy-source';
import { azureConditions, conditionName, getObject } from './objects';
import { StreamSlicer } from './stream-slices';

/**
 * S3 multipart uploads as Put Block / Put Block List on the destination blob (adrs/0021): the
 * upload's metadata, each part's blocks and seal, and an abort are all uncommitted blocks whose
 * ids say what they are (block-ids.ts). Completion commits the listed parts' data blocks in
 * order, which makes Azure discard every other uncommitted block of the blob.
 */

const UPLOAD = { subject: 'upload' } as const;
const MiB = 1024 * 1024;
/** Azure's largest block (x-ms-version 2019-12-12 and later). S3 parts reach 5 GiB: larger ones become two blocks. */
export const MAX_BLOCK_BYTES = 4000 * MiB;
/** Marker blocks (metadata chunks, seals, aborts) carry their meaning in the id; the body is one byte. */
const MARKER_BODY = '\n';
const EMPTY_MD5 = 'd41d8cd98f00b204e9800998ecf8427e';

interface Seal {
  nonce: Uint8Array;
  count: number;
  md5: string;
}

interface UploadState {
  metadata: ObjectMetadata;
  /** Seals per part number: one per completed upload of that part. */
  seals: Map<number, Seal[]>;
  /** Sizes of the upload's data blocks, by encoded block id. */
  sizes: Map<string, number>;
}

function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function fromHex(text: string): Uint8Array {
  return Uint8Array.from(text.match(/../g) ?? [], (h) => parseInt(h, 16));
}

async function putBlock(up: AzureUpstream, key: string, id: BlockId, body: { stream: ReadableStream<Uint8Array>; length: number } | null): Promise<void> {
  const response = await up.client.send({
    method: 'PUT',
    blob: up.prefix + key,
    query: [['comp', 'block'], ['blockid', encodeBlockId(id)]],
    ...(body ? { stream: { body: body.stream, length: body.length } } : { text: MARKER_BODY }),
    idempotent: false,
    context: UPLOAD,
  });
  await response.body?.cancel();
}

export async function createMultipart(up: AzureUpstream, key: string, metadata: ObjectMetadata): Promise<string> {
  // Checksums of the whole object are not known yet (the S3 layer keeps a multipart checksum itself).
  const { checksums: _notYet, ...rest } = metadata;
  const uploadId = newUploadId();
  const upload = uploadBytes(uploadId)!;
  const bytes = new TextEncoder().encode(JSON.stringify(rest));
  const count = Math.max(1, Math.ceil(bytes.byteLength / METADATA_CHUNK_BYTES));
  const chunk = (index: number): BlockId => ({ kind: 'M', upload, index, count, chunk: bytes.subarray(index * METADATA_CHUNK_BYTES, (index + 1) * METADATA_CHUNK_BYTES) });
  // Chunk 0 is written last: its presence is what makes the upload exist, so it is never half-created.
  await Promise.all(Array.from({ length: count - 1 }, (_, i) => putBlock(up, key, chunk(i + 1), null)));
  await putBlock(up, key, chunk(0), null);
  return uploadId;
}

/** The upload as its uncommitted blocks describe it; no-such-upload when it was never created, was aborted or completed. */
async function uploadState(up: AzureUpstream, key: string, uploadId: string): Promise<UploadState> {
  const upload = uploadBytes(uploadId);
  if (!upload) throw new StorageError('no-such-upload');
  const response = await up.client.send({
    method: 'GET',
    blob: up.prefix + key,
    query: [['comp', 'blocklist'], ['blocklisttype', 'uncommitted']],
    idempotent: true,
    context: UPLOAD,
  });
  const document = await up.client.readXml(response, UPLOAD, ['BlockList.UncommittedBlocks.Block']);
  const listed = (document.BlockList as { UncommittedBlocks?: { Block?: { Name?: string; Size?: string }[] } | string } | undefined)?.UncommittedBlocks;
  const blocks = typeof listed === 'object' ? (listed.Block ?? []) : [];
  const chunks = new Map<number, Uint8Array>();
  let chunkCount = 0;
  const seals = new Map<number, Seal[]>();
  const sizes = new Map<string, number>();
  for (const block of blocks) {
    const id = typeof block.Name === 'string' ? decodeBlockId(block.Name) : null;
    if (!id || !sameBytes(id.upload, upload)) continue;
    switch (id.kind) {
      case 'A':
        throw new StorageError('no-such-upload');
      case 'M':
        chunks.set(id.index, id.chunk);
        chunkCount = id.count;
        break;
      case 'S':
        seals.set(id.part, [...(seals.get(id.part) ?? []), { nonce: id.nonce, count: id.count, md5: hex(id.md5) }]);
        break;
      case 'D':
        sizes.set(block.Name!, Number(block.Size ?? 0));
        break;
    }
  }
  if (!chunks.has(0) || chunks.size !== chunkCount) throw new StorageError('no-such-upload');
  const parts = Array.from({ length: chunkCount }, (_, i) => chunks.get(i)!);
  const joined = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const p of parts) {
    joined.set(p, offset);
    offset += p.byteLength;
  }
  let metadata: ObjectMetadata;
  try {
    metadata = JSON.parse(new TextDecoder().decode(joined)) as ObjectMetadata;
  } catch {
    throw new StorageError('no-such-upload');
  }
  return { metadata: { ...metadata, user: metadata.user ?? {} }, seals, sizes };
}

/**
 * Put Block for each ≤ MAX_BLOCK_BYTES slice of the part (zero blocks for an empty part), hashing
 * it on the way, then the seal naming its MD5. The part's ETag is that MD5, as S3's.
 */
export async function uploadPart(
  up: AzureUpstream,
  key: string,
  uploadId: string,
  partNumber: number,
  body: ReadableStream<Uint8Array>,
  length: number,
  maxBlockBytes = MAX_BLOCK_BYTES,
): Promise<{ etag: string }> {
  try {
    await uploadState(up, key, uploadId);
  } catch (error) {
    await body.cancel().catch(() => {});
    throw error;
  }
  const upload = uploadBytes(uploadId)!;
  const nonce = crypto.getRandomValues(new Uint8Array(4));
  const hashed = md5WhileStreaming(body);
  const count = Math.ceil(length / maxBlockBytes);
  if (count === 0) await hashed.stream.cancel();
  const slicer = count > 1 ? new StreamSlicer(hashed.stream) : null;
  for (let index = 0; index < count; index++) {
    const size = Math.min(maxBlockBytes, length - index * maxBlockBytes);
    await putBlock(up, key, { kind: 'D', upload, part: partNumber, nonce, index }, { stream: slicer ? slicer.next(size) : hashed.stream, length: size });
  }
  await slicer?.finish();
  const md5 = count === 0 ? EMPTY_MD5 : await hashed.md5;
  await putBlock(up, key, { kind: 'S', upload, part: partNumber, nonce, count, md5: fromHex(md5) }, null);
  return { etag: md5 };
}

/**
 * UploadPartCopy inside the account: Put Block From URL reads the range of the pinned source
 * (copy-source.ts) into the part's one data block, and Azure's Content-MD5 of that block is the
 * part's MD5, named by its seal as for uploadPart. A part larger than one block cannot be copied
 * that way with an honest ETag (the MD5 of several blocks is not the MD5 of their MD5s), so such a
 * part — above 4000 MiB, below S3's 5 GiB — streams through the driver from a ranged read pinned
 * to the judged ETag.
 */
export async function uploadPartCopy(
  up: AzureUpstream,
  from: CopySource,
  key: string,
  uploadId: string,
  partNumber: number,
  range: { offset: number; length: number } | undefined,
  maxBlockBytes = MAX_BLOCK_BYTES,
): Promise<{ etag: string }> {
  await uploadState(up, key, uploadId);
  const source = await pinSource(from);
  const copied = range ?? { offset: 0, length: source.size };
  if (copied.length > maxBlockBytes) {
    const slice = await getObject(from.up, from.key, copied);
    if (slice?.etag !== bareEtag(from.etag)) {
      await slice?.body.cancel();
      throw new StorageError('precondition-failed');
    }
    return uploadPart(up, key, uploadId, partNumber, slice.body, copied.length, maxBlockBytes);
  }
  const upload = uploadBytes(uploadId)!;
  const nonce = crypto.getRandomValues(new Uint8Array(4));
  const count = copied.length === 0 ? 0 : 1;
  const md5 = count === 0 ? EMPTY_MD5 : await putBlockFromUrl(up, key, { kind: 'D', upload, part: partNumber, nonce, index: 0 }, source, copied, UPLOAD);
  await putBlock(up, key, { kind: 'S', upload, part: partNumber, nonce, count, md5: fromHex(md5) }, null);
  return { etag: md5 };
}

/**
 * Put Block List of the listed parts' data blocks, in order, with the upload's metadata and the S3
 * multipart ETag (md5 of the part MD5s, "-N") recorded in metadata. `conditions` are applied by
 * Azure atomically with the commit.
 */
export async function completeMultipart(up: AzureUpstream, key: string, uploadId: string, parts: CompletedPart[], conditions?: WriteConditions): Promise<ObjectInfo> {
  parts.forEach((part, i) => {
    if (i > 0 && part.partNumber <= parts[i - 1]!.partNumber) throw new StorageError('invalid-part-order');
  });
  const state = await uploadState(up, key, uploadId);
  if (parts.length === 0) throw new StorageError('invalid-part');
  const upload = uploadBytes(uploadId)!;
  const blockIds: string[] = [];
  let size = 0;
  for (const part of parts) {
    const md5 = bareEtag(part.etag).toLowerCase();
    const ids = (state.seals.get(part.partNumber) ?? [])
      .filter((seal) => seal.md5 === md5)
      .map((seal) => Array.from({ length: seal.count }, (_, index) => encodeBlockId({ kind: 'D', upload, part: part.partNumber, nonce: seal.nonce, index })))
      .find((candidate) => candidate.every((id) => state.sizes.has(id)));
    if (!ids) throw new StorageError('invalid-part');
    blockIds.push(...ids);
    for (const id of ids) size += state.sizes.get(id)!;
  }
  const digest = await crypto.subtle.digest('MD5', fromHex(parts.map((p) => bareEtag(p.etag).toLowerCase()).join('')));
  const etag = `${hex(new Uint8Array(digest))}-${parts.length}`;
  const text = `<?xml version="1.0" encoding="utf-8"?><BlockList>${blockIds.map((id) => `<Uncommitted>${id}</Uncommitted>`).join('')}</BlockList>`;
  const response = await up.client.send({
    method: 'PUT',
    blob: up.prefix + key,
    query: [['comp', 'blocklist']],
    headers: { ...(await azureConditions(up, key, conditions)), ...metadataHeaders(state.metadata, { etag }), 'content-type': 'application/xml' },
    text,
    // A repeated commit after a lost answer would find its blocks already committed.
    idempotent: false,
    context: { subject: 'object', ...conditionName(conditions) },
  });
  await response.body?.cancel();
  const modified = Date.parse(response.headers.get('last-modified') ?? '');
  return { key, size, etag, lastModified: Number.isNaN(modified) ? new Date() : new Date(modified), metadata: state.metadata };
}

/**
 * Marks the upload aborted with one more uncommitted block: Azure cannot delete single
 * uncommitted blocks, so the upload's blocks stay (never committed, invisible) until the blob is
 * next written or Azure garbage-collects them after 7 days.
 */
export async function abortMultipart(up: AzureUpstream, key: string, uploadId: string): Promise<void> {
  await uploadState(up, key, uploadId);
  await putBlock(up, key, { kind: 'A', upload: uploadBytes(uploadId)! }, null);
}
