import type { StagingStore } from '../emulate/multipart-staging';
import { STAGING_COLLECTION } from './config';
import { type DavTree, ensureParents, forgetCollection, propfind } from './dav';

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

  async list(dir: string): Promise<{ name: string; size: number }[] | null> {
    const entries = await propfind(this.tree, this.path(dir), 1, { subject: 'upload' });
    return entries?.filter((e) => e.path !== '' && !e.collection).map((e) => ({ name: e.path, size: e.size ?? 0 })) ?? null;
  }

  async remove(paths: string[]): Promise<void> {
    for (const path of paths) {
      const response = await this.tree.client.send({ method: 'DELETE', url: this.url(path), idempotent: true, context: { subject: 'upload' }, accept: [404] });
      await response.body?.cancel();
    }
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
