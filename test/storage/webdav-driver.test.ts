import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { openWebDavBackend } from '../../src/storage/drivers';
import type { WebDavDriverConfig } from '../../src/storage/webdav/config';
import { parseMultistatus } from '../../src/storage/webdav/multistatus';
import { bytes, md5Hex, noMetadata, put, read, storageFailure, stream } from './contract/support';
import './contract/provided';

/** webdav driver rules beyond the shared contract, against Apache mod_dav (dead properties, conditional writes). */
let server: ReturnType<typeof inject<'apacheDav'>>;
let authorization: string;

function config(prefix: string): WebDavDriverConfig {
  return {
    baseUrl: server.url,
    prefix,
    flavor: 'generic',
    auth: { kind: 'basic', username: server.username, password: server.password },
    conditionalWrites: true,
    deadProperties: true,
  };
}
const fresh = (label: string) => {
  const prefix = `driver/${label}-${crypto.randomUUID().slice(0, 8)}/`;
  return { prefix, backend: openWebDavBackend(env, config(prefix)) };
};

beforeAll(() => {
  server = inject('apacheDav');
  authorization = `Basic ${btoa(`${server.username}:${server.password}`)}`;
});

describe('webdav driver (Apache)', () => {
  it('refuses keys with empty, "." or ".." segments, and the staging area, before any request', async () => {
    const { backend } = fresh('keys');
    for (const key of ['a/../b', './x', 'a//b', 'x/.']) expect((await storageFailure(put(backend, key, 'x'))).kind, key).toBe('invalid-key');
    const root = openWebDavBackend(env, config(''));
    expect((await storageFailure(put(root, '.bucketgate-uploads/x', 'x'))).kind).toBe('invalid-key');
    expect((await storageFailure(root.head('.bucketgate-uploads/x'))).kind).toBe('invalid-key');
    // Refused at CreateMultipartUpload, not after the parts.
    for (const key of ['a/../b', '.bucketgate-uploads/x', 'dir/']) expect((await storageFailure(root.createMultipart(key, noMetadata))).kind, key).toBe('invalid-key');
  });

  it('reports the server tag, not a stale MD5, for a file changed behind the gateway', async () => {
    const { prefix, backend } = fresh('stale');
    const info = await put(backend, 'k', 'through the gateway', { contentType: 'text/plain', user: { a: '1' } });
    expect(info.etag).toBe(await md5Hex(bytes('through the gateway')));
    const direct = await fetch(`${server.url}${prefix}k`, { method: 'PUT', headers: { authorization }, body: 'written directly, another length' });
    expect(direct.ok).toBe(true);
    const head = await backend.head('k');
    expect(head?.etag).not.toBe(info.etag);
    expect(head?.metadata.user).toEqual({});
    expect(head?.size).toBe(bytes('written directly, another length').byteLength);
  });

  it('If-Match with an ETag the object does not have is refused and changes nothing', async () => {
    const { backend } = fresh('ifmatch');
    await put(backend, 'k', 'v1');
    const failure = await storageFailure(backend.put('k', stream('v2'), 2, noMetadata, { ifMatch: await md5Hex(bytes('other')) }));
    expect([failure.kind, failure.detail.condition]).toEqual(['precondition-failed', 'If-Match']);
    expect(await read(backend, 'k')).toBe('v1');
  });

  it('a zero-byte key/ is a collection: visible to HEAD, not listed as an object, deleted only while empty', async () => {
    const { backend } = fresh('dirs');
    await put(backend, 'dir/', '');
    expect(await backend.head('dir/')).toMatchObject({ size: 0, etag: await md5Hex(new Uint8Array()) });
    expect((await storageFailure(put(backend, 'other/', 'bytes'))).kind).toBe('invalid-key');
    await put(backend, 'dir/x', 'x');
    expect((await backend.list({ prefix: '', maxKeys: 10 })).objects.map((o) => o.key)).toEqual(['dir/x']);
    await backend.delete(['dir/']);
    expect(await read(backend, 'dir/x')).toBe('x');
    await backend.delete(['dir/x', 'dir/']);
    expect(await backend.head('dir/')).toBeNull();
  });

  it('lists in S3 key order (UTF-8 bytes) across collections', async () => {
    const { backend } = fresh('order');
    const keys = ['a0', 'a/x', 'a-b', 'a/y/z', 'é', 'Z'];
    for (const key of keys) await put(backend, key, key);
    const sorted = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect((await backend.list({ prefix: '', maxKeys: 100 })).objects.map((o) => o.key)).toEqual(sorted);
    const page = await backend.list({ prefix: 'a', delimiter: '/', maxKeys: 100 });
    expect([page.objects.map((o) => o.key), page.commonPrefixes]).toEqual([['a-b', 'a0'], ['a/']]);
  });

  it('never lists the multipart staging area, even with an empty prefix', async () => {
    const root = openWebDavBackend(env, config(''));
    const key = `staging-${crypto.randomUUID().slice(0, 8)}`;
    const id = await root.createMultipart(key, noMetadata);
    await root.uploadPart(key, id, 1, stream('part'), 4);
    const listed = await root.list({ prefix: '', delimiter: '/', maxKeys: 1000 });
    expect(listed.commonPrefixes).not.toContain('.bucketgate-uploads/');
    expect((await root.list({ prefix: '.bucket', maxKeys: 10 })).objects).toEqual([]);
    await root.abortMultipart(key, id);
  });
});

describe('webdav multistatus parsing', () => {
  const base = 'https://dav.example/remote.php/dav/files/u/root/';
  it('resolves hrefs (paths or full URLs) against the collection, percent-decoded, and reads only 2xx propstats', () => {
    const xml = `<?xml version="1.0"?><d:multistatus xmlns:d="DAV:" xmlns:bg="https://bucketgate.dev/ns/webdav">
      <d:response><d:href>/remote.php/dav/files/u/root/</d:href><d:propstat><d:prop><d:resourcetype><d:collection/></d:resourcetype></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>
      <d:response><d:href>https://dav.example/remote.php/dav/files/u/root/with%20space%26amp.txt</d:href>
        <d:propstat><d:prop><d:getcontentlength>12</d:getcontentlength><d:getetag>"abc"</d:getetag><d:resourcetype/></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>
        <d:propstat><d:prop><bg:bucketgate-object/></d:prop><d:status>HTTP/1.1 404 Not Found</d:status></d:propstat></d:response>
      <d:response><d:href>/remote.php/dav/files/u/root/%C3%BC/</d:href><d:propstat><d:prop><d:resourcetype><d:collection/></d:resourcetype></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>
      <d:response><d:href>/elsewhere/x</d:href><d:propstat><d:prop><d:getcontentlength>1</d:getcontentlength></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>
    </d:multistatus>`;
    const entries = parseMultistatus(xml, base)!;
    expect(entries.map((e) => [e.path, e.collection, e.size, e.etag, e.object])).toEqual([
      ['', true, undefined, undefined, undefined],
      ['with space&amp.txt', false, 12, '"abc"', undefined],
      ['ü/', true, undefined, undefined, undefined],
    ]);
    expect(parseMultistatus('<html>not dav</html>', base)).toBeNull();
  });
});
