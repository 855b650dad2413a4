import type { StagingStore } from '../emulate/multipart-staging';
import { STAGING_COLLECTION } from './config';
import { type DavTree, ensureParents, forgetCollection } from './dav';

/**
 * The multipart staging area on a WebDAV server: `<baseUrl>/.bucketgate-uploads/`, beside (never
 * inside) any virtual bucket's prefix, so listings never show it. Paths are `<uploadId>/<name>`.
 */
export class DavStagingStore implements StagingStore {
  constructor(private readonly tree: DavTree) {}

  private path(path: string): string {
    return `${STAGING_COLLECTION}/${path}`;
  }

  private url(path: string): string {
    return this.tree.client.urlFor(this.tree.root, this.path(path));
  }

  async write(path: string, body: ReadableStream<Uint8Array>, length: number): Promise<void> {
    await ensureParents(this.tree, this.path(path));
    const response = await this.tree.client.send({ method: 'PUT', url: this.url(path), stream: { body, length }, idempotent: false, context: { subject: 'upload' } });
    await response.body?.cancel();
  }

  async read(path: string): Promise<ReadableStream<Uint8Array> | null> {
    const response = await this.tree.client.send({ method: 'GET', url: this.url(path), idempotent: true, context: { subject: 'upload' }, accept: [404] });
    if (response.status === 404) {
      await response.body?.cancel();
      return null;
    }
    return response.body ?? new Blob([]).stream();
  }

  async readTail(path: string, length: number): Promise<Uint8Array | null> {
    const response = await this.tree.client.send({ method: 'GET', url: this.url(path), headers: { range: `bytes=-${length}` }, idempotent: true, context: { subject: 'upload' }, accept: [404] });
    if (response.status === 404) {
      await response.body?.cancel();
      return null;
    }
    // 206 is the tail; a server that ignores Range (200) sends it all, and only its end is kept.
    return lastBytes(response.body ?? new Blob([]).stream(), length);
  }

  async removeAll(dir: string): Promise<void> {
    // DELETE of a collection is recursive (RFC 4918 §9.6.1).
    const url = this.url(dir);
    forgetCollection(url);
    const response = await this.tree.client.send({ method: 'DELETE', url, idempotent: true, context: { subject: 'upload' }, accept: [404] });
    await response.body?.cancel();
  }

  async move(from: string, to: string): Promise<void> {
    const response = await this.tree.client.send({
      method: 'MOVE',
      url: this.url(from),
      headers: { destination: this.url(to), overwrite: 'T' },
      idempotent: false,
      context: { subject: 'upload' },
    });
    await response.body?.cancel();
  }
}

/** The last `length` bytes of a stream, read through without keeping more than that. */
async function lastBytes(body: ReadableStream<Uint8Array>, length: number): Promise<Uint8Array> {
  let tail = new Uint8Array(0);
  for await (const chunk of body) {
    const joined = new Uint8Array(Math.min(tail.byteLength + chunk.byteLength, length));
    const fromChunk = Math.min(chunk.byteLength, joined.byteLength);
    joined.set(tail.subarray(tail.byteLength - (joined.byteLength - fromChunk)), 0);
    joined.set(chunk.subarray(chunk.byteLength - fromChunk), joined.byteLength - fromChunk);
    tail = joined;
  }
  return tail;
}
