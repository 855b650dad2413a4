import type { CompletedPart, ObjectInfo, ObjectMetadata } from '../backend';
import { StorageError } from '../errors';
import { randomBase32 } from '../../core/ids';
import { md5WhileStreaming } from '../../core/md5-stream';
import { chunkReader, type ChunkReader } from '../../core/chunk-reader';

/**
 * Multipart uploads for a store that has none (adrs/0022), backend-neutral: all it needs is a
 * hidden place to put, read, list and remove small objects (`StagingStore`) and a way to hold the
 * parts' bytes (`PartStore`). Per upload, under `<uploadId>/`:
 *   - `upload.json`: the key and metadata given at creation (its absence means NoSuchUpload);
 *   - one record per part, named `<part number, 5 digits>.<md5>.<size>`: the part's S3 ETag and size
 *     are in its name, so Complete validates the requested parts from one listing.
 * With `StagedPartBytes` the record is the part's bytes themselves; a store with its own chunked
 * upload (Nextcloud) keeps the bytes there and leaves the records empty.
 * Complete streams the parts in order into ONE write of the total length (never buffered), with the
 * S3 multipart ETag (md5 of the part md5s, "-N"), then removes the upload's staging area.
 */
export interface StagingStore {
  write(path: string, body: ReadableStream<Uint8Array>, length: number): Promise<void>;
  /** The bytes at `path`, or null when absent. */
  read(path: string): Promise<ReadableStream<Uint8Array> | null>;
  /** Names and sizes directly under `dir` (ending in '/'), or null when `dir` does not exist. */
  list(dir: string): Promise<{ name: string; size: number }[] | null>;
  remove(paths: string[]): Promise<void>;
  /** Removes `dir` and everything under it. */
  removeAll(dir: string): Promise<void>;
  /** Renames within the store (WebDAV MOVE), replacing `to`. */
  move(from: string, to: string): Promise<void>;
}

/** Where the parts' bytes live and how the object is assembled from them. */
export interface PartStore {
  begin(uploadId: string, key: string): Promise<void>;
  /** Stores a part's bytes; `record` is the staging path its record will have. */
  putPart(uploadId: string, key: string, partNumber: number, record: string, body: ReadableStream<Uint8Array>, length: number): Promise<boolean>;
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
const RECORD = /^(\d{5})\.([0-9a-f]{32})\.(\d+)$/;

function recordName(partNumber: number, md5: string, size: number): string {
  return `${String(partNumber).padStart(5, '0')}.${md5}.${size}`;
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
    // The record's name holds the MD5, known only once the bytes are through: bytes first (under a
    // provisional name the part store may use), record after.
    const provisional = `${uploadId}/${String(partNumber).padStart(5, '0')}.incoming.${randomBase32(8)}`;
    const recordHoldsBytes = await this.parts.putPart(uploadId, key, partNumber, provisional, hashed.stream, length);
    const md5 = await hashed.md5;
    const record = `${uploadId}/${recordName(partNumber, md5, length)}`;
    if (recordHoldsBytes) {
      await this.staging.move(provisional, record);
    } else {
      await this.staging.write(record, new Blob([]).stream(), 0);
    }
    // A part uploaded again under the same number replaces the earlier one.
    const earlier = (await this.staging.list(`${uploadId}/`)) ?? [];
    const stale = earlier.filter((e) => e.name.startsWith(`${String(partNumber).padStart(5, '0')}.`) && `${uploadId}/${e.name}` !== record);
    if (stale.length > 0) await this.staging.remove(stale.map((e) => `${uploadId}/${e.name}`));
    return { etag: md5 };
  }

  async complete(key: string, uploadId: string, requested: CompletedPart[]): Promise<ObjectInfo> {
    const manifest = await this.manifest(key, uploadId);
    const listed = (await this.staging.list(`${uploadId}/`)) ?? [];
    const staged = new Map<string, StagedPart>();
    for (const { name } of listed) {
      const match = RECORD.exec(name);
      if (match) staged.set(`${Number(match[1])}.${match[2]}`, { partNumber: Number(match[1]), md5: match[2]!, size: Number(match[3]), record: `${uploadId}/${name}` });
    }
    const parts = requested.map((part, i) => {
      if (i > 0 && part.partNumber <= requested[i - 1]!.partNumber) throw new StorageError('invalid-part-order');
      const found = staged.get(`${part.partNumber}.${part.etag.replace(/"/g, '').toLowerCase()}`);
      if (!found) throw new StorageError('invalid-part');
      return found;
    });
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

  async putPart(_uploadId: string, _key: string, _partNumber: number, record: string, body: ReadableStream<Uint8Array>, length: number): Promise<boolean> {
    await this.staging.write(record, body, length);
    return true;
  }

  async assemble(_uploadId: string, key: string, parts: StagedPart[], total: number, etag: string, metadata: ObjectMetadata): Promise<ObjectInfo> {
    const staging = this.staging;
    let index = 0;
    let reader: ChunkReader | undefined;
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
          }
          const chunk = await reader.read();
          if (!chunk.done) return controller.enqueue(chunk.value);
          reader = undefined;
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
