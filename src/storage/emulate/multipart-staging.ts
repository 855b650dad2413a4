import type { CompletedPart, ObjectInfo, ObjectMetadata } from '../backend';
import { StorageError } from '../errors';
import { randomBase32 } from '../../core/ids';
import { md5WhileStreaming } from '../../core/md5-stream';
import { chunkReader, type ChunkReader } from '../../core/chunk-reader';

/**
 * Multipart uploads for a store that has none (adrs/0022), backend-neutral: all it needs is a
 * hidden place to put, read and remove small objects (`StagingStore`) and a way to hold the parts'
 * bytes (`PartStore`). Per upload, under `<uploadId>/`:
 *   - `upload.json`: the key and metadata given at creation (its absence means NoSuchUpload);
 *   - one record per part at a name fixed by its part number, `<5 digits>.part`, ending in a
 *     48-byte trailer: the part's MD5 (its S3 ETag) and size. A part uploaded again replaces the
 *     record (last upload wins) without anything being listed, and Complete finds each requested
 *     part by name and validates it from its trailer.
 * With `StagedPartBytes` the record is the part's bytes followed by the trailer (PUT under a
 * provisional name, then MOVE onto the record: a cut upload never replaces a good part); a store with
 * its own chunked upload (Nextcloud) keeps the bytes there and the record is the trailer alone.
 * Complete streams the parts in order into ONE write of the total length (never buffered), with the
 * S3 multipart ETag (md5 of the part md5s, "-N"), then removes the upload's staging area.
 */
export interface StagingStore {
  write(path: string, body: ReadableStream<Uint8Array>, length: number): Promise<void>;
  /** The bytes at `path`, or null when absent. */
  read(path: string): Promise<ReadableStream<Uint8Array> | null>;
  /** The last `length` bytes at `path` (all of it when shorter), or null when absent. */
  readTail(path: string, length: number): Promise<Uint8Array | null>;
  /** Removes `dir` and everything under it. */
  removeAll(dir: string): Promise<void>;
  /** Renames within the store (WebDAV MOVE), replacing `to`. */
  move(from: string, to: string): Promise<void>;
}

/** Where the parts' bytes live and how the object is assembled from them. */
export interface PartStore {
  begin(uploadId: string, key: string): Promise<void>;
  /**
   * Stores a part's bytes and then its record at `record` (replacing an earlier one), the record
   * ending in `partTrailer(md5, length)`. `md5` settles once `body` has been read to its end.
   */
  putPart(uploadId: string, key: string, partNumber: number, record: string, body: ReadableStream<Uint8Array>, length: number, md5: Promise<string>): Promise<void>;
  assemble(uploadId: string, key: string, parts: StagedPart[], total: number, etag: string, metadata: ObjectMetadata): Promise<ObjectInfo>;
  discard(uploadId: string): Promise<void>;
}

export interface StagedPart {
  partNumber: number;
  md5: string;
  size: number;
  /** The staging path of its record. */
  record: string;
}

interface Manifest {
  key: string;
  metadata: ObjectMetadata;
  createdAt: string;
}

const UPLOAD_ID = /^[A-Z2-7]{26}$/;
const MANIFEST = 'upload.json';
/** MD5 hex (32) + size in decimal, zero-padded to 16 digits (parts are at most 5 GiB). */
export const PART_TRAILER_BYTES = 48;
const TRAILER = /^([0-9a-f]{32})(\d{16})$/;
/** Complete reads this many part trailers at once. */
const TRAILER_READS = 8;

function recordPath(uploadId: string, partNumber: number): string {
  return `${uploadId}/${String(partNumber).padStart(5, '0')}.part`;
}

/** The fixed-length end of a part record: the part's MD5 and size. */
export function partTrailer(md5: string, size: number): Uint8Array {
  return new TextEncoder().encode(md5 + String(size).padStart(16, '0'));
}

function readTrailer(bytes: Uint8Array | null): { md5: string; size: number } | null {
  if (!bytes || bytes.byteLength < PART_TRAILER_BYTES) return null;
  const match = TRAILER.exec(new TextDecoder().decode(bytes.subarray(bytes.byteLength - PART_TRAILER_BYTES)));
  return match ? { md5: match[1]!, size: Number(match[2]) } : null;
}

/** `body`, then — once it has been read to its end and `md5` has settled — the part trailer. */
function withTrailer(body: ReadableStream<Uint8Array>, md5: Promise<string>, length: number): ReadableStream<Uint8Array> {
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      async flush(controller) {
        controller.enqueue(partTrailer(await md5, length));
      },
    }),
  );
}

function hexBytes(hex: string): Uint8Array {
  return new Uint8Array(hex.match(/../g)!.map((x) => parseInt(x, 16)));
}

/** S3's multipart ETag: the MD5 of the concatenated binary part MD5s, then "-" and the part count. */
export async function multipartEtag(md5s: string[]): Promise<string> {
  const joined = new Uint8Array(md5s.length * 16);
  md5s.forEach((m, i) => joined.set(hexBytes(m), i * 16));
  const digest = new Uint8Array(await crypto.subtle.digest('MD5', joined));
  return `${[...digest].map((b) => b.toString(16).padStart(2, '0')).join('')}-${md5s.length}`;
}

export class MultipartStaging {
  constructor(
    private readonly staging: StagingStore,
    private readonly parts: PartStore,
  ) {}

  async create(key: string, metadata: ObjectMetadata): Promise<string> {
    const uploadId = randomBase32(26);
    const manifest: Manifest = { key, metadata, createdAt: new Date().toISOString() };
    const bytes = new TextEncoder().encode(JSON.stringify(manifest));
    await this.staging.write(`${uploadId}/${MANIFEST}`, new Blob([bytes]).stream(), bytes.byteLength);
    try {
      await this.parts.begin(uploadId, key);
    } catch (error) {
      await this.staging.removeAll(`${uploadId}/`).catch(() => {});
      throw error;
    }
    return uploadId;
  }

  async uploadPart(key: string, uploadId: string, partNumber: number, body: ReadableStream<Uint8Array>, length: number): Promise<{ etag: string }> {
    await this.manifest(key, uploadId, body);
    const hashed = md5WhileStreaming(body);
    // The record's name is fixed by the part number: a part uploaded again replaces it, nothing is listed.
    await this.parts.putPart(uploadId, key, partNumber, recordPath(uploadId, partNumber), hashed.stream, length, hashed.md5);
    return { etag: await hashed.md5 };
  }

  async complete(key: string, uploadId: string, requested: CompletedPart[]): Promise<ObjectInfo> {
    const manifest = await this.manifest(key, uploadId);
    requested.forEach((part, i) => {
      if (i > 0 && part.partNumber <= requested[i - 1]!.partNumber) throw new StorageError('invalid-part-order');
    });
    // Each requested part by its record's name; its trailer says which bytes it holds.
    const parts: StagedPart[] = new Array(requested.length);
    let next = 0;
    let failedRead = false;
    const reader = async () => {
      for (let i = next++; i < requested.length; i = next++) {
        if (failedRead) return;
        const { partNumber, etag } = requested[i]!;
        const record = recordPath(uploadId, partNumber);
        const trailer = readTrailer(await this.staging.readTail(record, PART_TRAILER_BYTES));
        if (!trailer || trailer.md5 !== etag.replace(/"/g, '').toLowerCase()) {
          failedRead = true;
          throw new StorageError('invalid-part');
        }
        parts[i] = { partNumber, md5: trailer.md5, size: trailer.size, record };
      }
    };
    // Every read settles before the answer (none is left running after a failure).
    const settled = await Promise.allSettled(Array.from({ length: Math.min(TRAILER_READS, requested.length) }, reader));
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    const total = parts.reduce((sum, p) => sum + p.size, 0);
    const etag = await multipartEtag(parts.map((p) => p.md5));
    const info = await this.parts.assemble(uploadId, manifest.key, parts, total, etag, manifest.metadata);
    await this.staging.removeAll(`${uploadId}/`).catch(() => {});
    return info;
  }

  async abort(key: string, uploadId: string): Promise<void> {
    await this.manifest(key, uploadId);
    await this.parts.discard(uploadId);
    await this.staging.removeAll(`${uploadId}/`);
  }

  /** The upload's manifest; NoSuchUpload for an id never issued, already completed or aborted, or another key's. */
  private async manifest(key: string, uploadId: string, body?: ReadableStream<Uint8Array>): Promise<Manifest> {
    const fail = async (): Promise<never> => {
      await body?.cancel().catch(() => {});
      throw new StorageError('no-such-upload');
    };
    if (!UPLOAD_ID.test(uploadId)) return fail();
    const stream = await this.staging.read(`${uploadId}/${MANIFEST}`);
    if (!stream) return fail();
    let manifest: Manifest;
    try {
      manifest = JSON.parse(await new Response(stream).text()) as Manifest;
    } catch {
      throw new StorageError('internal');
    }
    if (manifest.key !== key) return fail();
    return manifest;
  }
}

/**
 * Part bytes kept in the staging store itself, as the part records; assembled by streaming each
 * part, in order, into the final write.
 */
export class StagedPartBytes implements PartStore {
  constructor(
    private readonly staging: StagingStore,
    private readonly write: (key: string, body: ReadableStream<Uint8Array>, length: number, metadata: ObjectMetadata, etag: string) => Promise<ObjectInfo>,
  ) {}

  async begin(): Promise<void> {}

  async putPart(_uploadId: string, _key: string, _partNumber: number, record: string, body: ReadableStream<Uint8Array>, length: number, md5: Promise<string>): Promise<void> {
    // Under a provisional name first: a cut upload must not replace a good part; the MOVE replaces it whole.
    const provisional = `${record}.incoming.${randomBase32(8)}`;
    await this.staging.write(provisional, withTrailer(body, md5, length), length + PART_TRAILER_BYTES);
    await this.staging.move(provisional, record);
  }

  async assemble(_uploadId: string, key: string, parts: StagedPart[], total: number, etag: string, metadata: ObjectMetadata): Promise<ObjectInfo> {
    const staging = this.staging;
    let index = 0;
    let reader: ChunkReader | undefined;
    /** Bytes of the current part still to pass on; what follows them in its record is the trailer. */
    let remaining = 0;
    // Pull-based: the next part is opened only when the previous one is read to its end.
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        for (;;) {
          if (!reader) {
            const part = parts[index++];
            if (!part) return controller.close();
            const stream = await staging.read(part.record);
            if (!stream) return controller.error(new StorageError('invalid-part'));
            reader = chunkReader(stream);
            remaining = part.size;
          }
          const chunk = await reader.read();
          if (chunk.done) {
            reader = undefined;
            if (remaining > 0) return controller.error(new StorageError('invalid-part'));
            continue;
          }
          const keep = Math.min(chunk.value.byteLength, remaining);
          remaining -= keep;
          if (keep > 0) return controller.enqueue(keep === chunk.value.byteLength ? chunk.value : chunk.value.subarray(0, keep));
        }
      },
      async cancel(reason) {
        await reader?.cancel(reason);
      },
    });
    return this.write(key, body, total, metadata, etag);
  }

  async discard(): Promise<void> {}
}
