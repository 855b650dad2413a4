import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { openWebDavBackend } from '../../src/storage/drivers';
import type { WebDavDriverConfig } from '../../src/storage/webdav/config';
import { md5Hex, noMetadata, pattern, put, storageFailure, stream } from './contract/support';
import './contract/provided';

/**
 * The Nextcloud flavor's chunked upload v2 path against the fake (test/storage/upstreams/nextcloud-fake.ts):
 * parts go to the server's upload collection, the server assembles them on MOVE, and its refusals
 * (missing chunk, lock) leave no object behind.
 */
const MiB = 1024 * 1024;
let server: ReturnType<typeof inject<'nextcloudFake'>>;
let authorization: string;

function backend(label: string) {
  const config: WebDavDriverConfig = {
    baseUrl: server.url,
    uploadsUrl: server.uploadsUrl,
    prefix: `nc/${label}-${crypto.randomUUID().slice(0, 8)}/`,
    flavor: 'nextcloud',
    auth: { kind: 'basic', username: server.username, password: server.password },
    conditionalWrites: false,
    deadProperties: true,
  };
  return openWebDavBackend(env, config);
}

beforeAll(() => {
  server = inject('nextcloudFake');
  authorization = `Basic ${btoa(`${server.username}:${server.password}`)}`;
});

describe('webdav nextcloud flavor: chunked upload v2', () => {
  it('puts parts as chunks in the upload collection and assembles them with MOVE .file', async () => {
    const b = backend('chunks');
    const id = await b.createMultipart('big.bin', { contentType: 'application/x-test', user: { a: '1' } });
    const one = pattern(5 * MiB, 1);
    const two = pattern(10, 2);
    const p1 = await b.uploadPart('big.bin', id, 1, stream(one), one.byteLength);
    const p2 = await b.uploadPart('big.bin', id, 2, stream(two), two.byteLength);
    // The chunk is the server's: it answers for it under the upload collection.
    const chunk = await fetch(`${server.uploadsUrl}${id}/2`, { method: 'PUT', headers: { authorization }, body: two });
    expect(chunk.status).toBe(204);
    const info = await b.completeMultipart('big.bin', id, [{ partNumber: 1, etag: p1.etag }, { partNumber: 2, etag: p2.etag }]);
    expect(info.size).toBe(one.byteLength + two.byteLength);
    const head = await b.head('big.bin');
    expect(head).toMatchObject({ size: info.size, etag: info.etag, metadata: { contentType: 'application/x-test', user: { a: '1' } } });
    expect(info.etag).toMatch(/-2$/);
    const body = new Uint8Array(await new Response((await b.get('big.bin'))!.body).arrayBuffer());
    expect(await md5Hex(body)).toBe(await md5Hex(new Uint8Array([...one, ...two])));
    // The upload collection is gone after the MOVE.
    expect((await fetch(`${server.uploadsUrl}${id}`, { method: 'DELETE', headers: { authorization } })).status).toBe(404);
  }, 120_000);

  it('a chunk missing on the server fails the MOVE (OC-Total-Length) and leaves no object', async () => {
    const b = backend('missing');
    const id = await b.createMultipart('k', noMetadata);
    const one = pattern(5 * MiB, 3);
    const p1 = await b.uploadPart('k', id, 1, stream(one), one.byteLength);
    const p2 = await b.uploadPart('k', id, 2, stream('tail'), 4);
    expect((await fetch(`${server.uploadsUrl}${id}/2`, { method: 'DELETE', headers: { authorization } })).status).toBe(204);
    const failure = await storageFailure(b.completeMultipart('k', id, [{ partNumber: 1, etag: p1.etag }, { partNumber: 2, etag: p2.etag }]));
    expect(failure.kind).toBe('internal');
    // Never the server's text.
    expect(failure.message).not.toMatch(/sum up|Sabre|bytes/);
    expect(await b.head('k')).toBeNull();
    await b.abortMultipart('k', id);
  }, 120_000);

  it('a locked destination (423) is a conflict, and the object is not written', async () => {
    const b = backend('locked');
    await put(b, 'lock-k', 'marker');
    const id = await b.createMultipart('k', noMetadata);
    const p1 = await b.uploadPart('k', id, 1, stream('only'), 4);
    const failure = await storageFailure(b.completeMultipart('k', id, [{ partNumber: 1, etag: p1.etag }]));
    expect(failure.kind).toBe('conflict');
    expect(await b.head('k')).toBeNull();
    await b.abortMultipart('k', id);
  });

  it('abort deletes the upload collection; the id is then unknown', async () => {
    const b = backend('abort');
    const id = await b.createMultipart('k', noMetadata);
    await b.uploadPart('k', id, 1, stream('part'), 4);
    await b.abortMultipart('k', id);
    expect((await fetch(`${server.uploadsUrl}${id}`, { method: 'DELETE', headers: { authorization } })).status).toBe(404);
    expect((await storageFailure(b.uploadPart('k', id, 2, stream('more'), 4))).kind).toBe('no-such-upload');
    expect(await b.head('k')).toBeNull();
  });
});
