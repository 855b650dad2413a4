import type { ObjectInfo, ObjectMetadata } from '../backend';
import { PART_TRAILER_BYTES, partTrailer, type PartStore, type StagedPart, type StagingStore } from '../emulate/multipart-staging';
import { StorageError } from '../errors';
import type { WebDavClient } from './client';
import { ensureParents } from './dav';
import { type DavBucket, forgetListings } from './objects';

/**
 * Nextcloud chunked upload v2 (docs.nextcloud.com, "Chunked file upload", v2): the parts' bytes go
 * to the server's own upload collection and the server assembles them.
 *   MKCOL <uploads>/<id>            with Destination: <final file URL>
 *   PUT   <uploads>/<id>/<n>        n = 1..10000 in the order of the final file, same Destination,
 *                                   OC-Total-Length when known
 *   MOVE  <uploads>/<id>/.file      with Destination: assembles server-side
 *   DELETE <uploads>/<id>           aborts
 * Chunks are stored under the S3 part number; at Complete the parts asked for are renumbered by
 * position only if they are not already 1..N — Nextcloud assembles every chunk present in numeric
 * order, so chunks not named in the completion are removed first.
 */
export class NextcloudChunkedParts implements PartStore {
  constructor(
    private readonly client: WebDavClient,
    private readonly uploadsUrl: string,
    private readonly bucket: DavBucket,
    /** Where the part records (their MD5 and size) are kept: chunk names must be numbers. */
    private readonly staging: StagingStore,
    /** Stores the ETag and metadata once the file is in place (dead properties). */
    private readonly finish: (key: string, etag: string, size: number, metadata: ObjectMetadata) => Promise<ObjectInfo>,
  ) {}

  private uploadUrl(uploadId: string): string {
    return `${this.uploadsUrl}${uploadId}`;
  }

  private destination(key: string): string {
    return this.client.urlFor(this.bucket.tree.root, this.bucket.prefix + key);
  }

  async begin(uploadId: string, key: string): Promise<void> {
    const response = await this.client.send({
      method: 'MKCOL',
      url: this.uploadUrl(uploadId),
      headers: { destination: this.destination(key) },
      idempotent: true,
      context: { subject: 'upload' },
    });
    await response.body?.cancel();
  }

  async putPart(uploadId: string, key: string, partNumber: number, record: string, body: ReadableStream<Uint8Array>, length: number, md5: Promise<string>): Promise<void> {
    const response = await this.client.send({
      method: 'PUT',
      url: `${this.uploadUrl(uploadId)}/${partNumber}`,
      headers: { destination: this.destination(key) },
      stream: { body, length },
      idempotent: false,
      context: { subject: 'upload' },
    });
    await response.body?.cancel();
    await this.staging.write(record, new Blob([partTrailer(await md5, length)]).stream(), PART_TRAILER_BYTES);
  }

  async assemble(uploadId: string, key: string, parts: StagedPart[], total: number, etag: string, metadata: ObjectMetadata): Promise<ObjectInfo> {
    const wanted = new Set(parts.map((p) => p.partNumber));
    // Chunks uploaded but left out of the completion must not end up in the file.
    for (let n = 1; n <= Math.max(...wanted, 0); n++) {
      if (wanted.has(n)) continue;
      const response = await this.client.send({ method: 'DELETE', url: `${this.uploadUrl(uploadId)}/${n}`, idempotent: true, context: { subject: 'upload' }, accept: [404] });
      await response.body?.cancel();
    }
    const path = this.bucket.prefix + key;
    try {
      await ensureParents(this.bucket.tree, path);
      const response = await this.client.send({
        method: 'MOVE',
        url: `${this.uploadUrl(uploadId)}/.file`,
        headers: { destination: this.destination(key), 'oc-total-length': String(total), overwrite: 'T' },
        idempotent: false,
        context: { subject: 'upload' },
      });
      await response.body?.cancel();
      if (response.status !== 201 && response.status !== 204) throw new StorageError('internal');
      return await this.finish(key, etag, total, metadata);
    } finally {
      forgetListings(this.bucket, path);
    }
  }

  async discard(uploadId: string): Promise<void> {
    const response = await this.client.send({ method: 'DELETE', url: this.uploadUrl(uploadId), idempotent: true, context: { subject: 'upload' }, accept: [404] });
    await response.body?.cancel();
  }
}
