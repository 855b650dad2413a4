import { describe, expect, it } from 'vitest';
import { noMetadata, put } from './contract/support';
import { countedApacheCollection } from './counted-apache';

/**
 * The webdav listing cache (issue 9, adrs/0022), counted: Apache behind the counting proxy
 * (test/storage/upstreams/counting-proxy.ts), each test under its own base collection so only its
 * own requests are counted.
 */
async function isolated(label: string, listingCacheTtlMs?: number) {
  const { backend, requests, directUrl, authorization } = await countedApacheCollection(label, listingCacheTtlMs !== undefined ? { listingCacheTtlMs } : {});
  /** PROPFINDs sent since the last call. */
  const propfinds = async (): Promise<number> => (await requests()).PROPFIND ?? 0;
  /** A write behind the gateway's back, straight to Apache. */
  const writeDirectly = async (key: string) => {
    const response = await fetch(`${directUrl}${key}`, { method: 'PUT', headers: { authorization }, body: 'direct' });
    expect(response.status).toBe(201);
  };
  return { backend, propfinds, writeDirectly };
}

const keys = async (listing: Promise<{ objects: { key: string }[]; commonPrefixes: string[] }>) => {
  const page = await listing;
  return [...page.objects.map((o) => o.key), ...page.commonPrefixes];
};

describe('webdav listing cache', () => {
  it('a second listing within the TTL sends no PROPFIND, and shows what was written behind its back only after expiry', async () => {
    const { backend, propfinds, writeDirectly } = await isolated('cached');
    await put(backend, 'dir/a', 'a');
    await put(backend, 'top', 't');
    await propfinds();
    expect(await keys(backend.list({ prefix: '', maxKeys: 100 }))).toEqual(['dir/a', 'top']);
    // Root and dir/: one PROPFIND each.
    expect(await propfinds()).toBe(2);
    await writeDirectly('dir/b');
    expect(await keys(backend.list({ prefix: '', maxKeys: 100 }))).toEqual(['dir/a', 'top']);
    expect(await keys(backend.list({ prefix: 'dir/', delimiter: '/', maxKeys: 100 }))).toEqual(['dir/a']);
    expect(await propfinds()).toBe(0);
  });

  it('a write or delete through the driver forgets the collections it changed', async () => {
    const { backend, propfinds } = await isolated('invalidate');
    await put(backend, 'dir/a', 'a');
    expect(await keys(backend.list({ prefix: '', maxKeys: 100 }))).toEqual(['dir/a']);
    await put(backend, 'dir/sub/b', 'b');
    await propfinds();
    expect(await keys(backend.list({ prefix: '', maxKeys: 100 }))).toEqual(['dir/a', 'dir/sub/b']);
    // Root, dir/ (both forgotten by the write) and dir/sub/ (new): read again.
    expect(await propfinds()).toBe(3);
    await backend.delete(['dir/a']);
    expect(await keys(backend.list({ prefix: '', maxKeys: 100 }))).toEqual(['dir/sub/b']);
    await backend.delete(['dir/sub/b', 'dir/sub/']);
    expect(await keys(backend.list({ prefix: 'dir/', delimiter: '/', maxKeys: 100 }))).toEqual([]);
    // A completed multipart upload is a write too.
    const id = await backend.createMultipart('dir/mp', noMetadata);
    const part = await backend.uploadPart('dir/mp', id, 1, new Blob(['part']).stream(), 4);
    await backend.completeMultipart('dir/mp', id, [{ partNumber: 1, etag: part.etag }]);
    expect(await keys(backend.list({ prefix: 'dir/', delimiter: '/', maxKeys: 100 }))).toEqual(['dir/mp']);
  });

  it('an expired listing is read again', async () => {
    const ttl = 300;
    const { backend, propfinds, writeDirectly } = await isolated('expiry', ttl);
    await put(backend, 'a', 'a');
    await propfinds();
    expect(await keys(backend.list({ prefix: '', maxKeys: 100 }))).toEqual(['a']);
    await writeDirectly('b');
    // Well past the TTL, however loaded the machine: only "later than the TTL" is asserted.
    await new Promise((resolve) => setTimeout(resolve, ttl * 3));
    expect(await keys(backend.list({ prefix: '', maxKeys: 100 }))).toEqual(['a', 'b']);
    expect(await propfinds()).toBe(2);
  });

  it('a TTL of 0 turns the cache off', async () => {
    const { backend, propfinds } = await isolated('off', 0);
    await put(backend, 'a', 'a');
    await propfinds();
    await backend.list({ prefix: '', maxKeys: 100 });
    await backend.list({ prefix: '', maxKeys: 100 });
    expect(await propfinds()).toBe(2);
  });
});
