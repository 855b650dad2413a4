import { env } from 'cloudflare:test';
import { describe, expect, inject, it } from 'vitest';
import type { Backend } from '../../src/storage/backend';
import { AzureBackend } from '../../src/storage/azure/backend';
import { AzureClient } from '../../src/storage/azure/client';
import type { AzureAuth, AzureDriverConfig } from '../../src/storage/azure/config';
import { decodeMetadataName, encodeMetadataName } from '../../src/storage/azure/metadata';
import { probeAzureUpstream } from '../../src/storage/azure/probe';
import { openAzureBackend } from '../../src/storage/drivers';
import { parseAllowList } from '../../src/storage/endpoint-guard';
import { s3ErrorFromStorage } from '../../src/s3/storage-errors';
import { bytes, md5Hex, noMetadata, pattern, put, read, storageFailure, stream } from './contract/support';
import { AZURITE_ACCOUNT, AZURITE_CONTAINER } from './upstreams/azurite-account';
import { containerSas } from './azure-sas';
import './contract/provided';

const SHARED_KEY: AzureAuth = { kind: 'shared-key', ...AZURITE_ACCOUNT };
const ALLOW = parseAllowList(env.ALLOWED_UPSTREAM_HOSTS);

function location(auth: AzureAuth = SHARED_KEY, extra: Partial<AzureDriverConfig> = {}): AzureDriverConfig {
  return { accountUrl: inject('azuriteAccountUrl'), container: AZURITE_CONTAINER, prefix: `driver/${crypto.randomUUID().slice(0, 8)}/`, auth, ...extra };
}

/** The blob's committed block list, asked of Azurite directly. */
async function committedBlocks(config: AzureDriverConfig, key: string): Promise<number[]> {
  const client = new AzureClient(config, ALLOW);
  const response = await client.send({ method: 'GET', blob: config.prefix + key, query: [['comp', 'blocklist'], ['blocklisttype', 'committed']], idempotent: true, context: { subject: 'object' } });
  const document = await client.readXml(response, { subject: 'object' }, ['BlockList.CommittedBlocks.Block']);
  const committed = (document.BlockList as { CommittedBlocks?: { Block?: { Size: string }[] } }).CommittedBlocks;
  return (typeof committed === 'object' ? (committed.Block ?? []) : []).map((b) => Number(b.Size));
}

describe('azure driver: metadata names', () => {
  it('keeps C# identifiers and encodes every other name reversibly', () => {
    expect(encodeMetadataName('color')).toBe('color');
    for (const name of ['multi-word', '1st', '__proto__', 'bgi_etag', 'bgm_6161', 'ünï', 'a.b']) {
      const stored = encodeMetadataName(name);
      expect(stored, name).toMatch(/^[a-z_][a-z0-9_]*$/);
      expect(decodeMetadataName(stored), name).toBe(name);
    }
    // The gateway's own entries are never shown as user metadata.
    expect(decodeMetadataName('bgi_etag')).toBeNull();
  });

  it('round-trips names Azure would refuse, and the gateway namespace, through Azurite', async () => {
    const b = openAzureBackend(env, location());
    const user = { 'multi-word': 'x', '__proto__': 'p', bgi_etag: 'not the etag', '9lives': 'cat' };
    const info = await put(b, 'm', 'data', { user });
    const head = await b.head('m');
    expect(head?.metadata.user).toEqual(user);
    expect(head?.etag).toBe(info.etag);
    // A listing shows no metadata, but reads it: the S3 ETag of an object is kept there (metadata.ts).
    expect((await b.list({ prefix: '', maxKeys: 10 })).objects[0]?.etag).toBe(info.etag);
  });
});

describe('azure driver: authorization', () => {
  it('works with a container SAS instead of the account key', async () => {
    const token = await containerSas(AZURITE_ACCOUNT.accountName, AZURITE_ACCOUNT.accountKey, AZURITE_CONTAINER, 'racwdl');
    const b = openAzureBackend(env, location({ kind: 'sas', token }));
    const info = await put(b, 'dir/a', 'via sas');
    expect(info.etag).toBe(await md5Hex(bytes('via sas')));
    expect(await read(b, 'dir/a')).toBe('via sas');
    expect((await b.list({ prefix: '', delimiter: '/', maxKeys: 10 })).commonPrefixes).toEqual(['dir/']);
    const id = await b.createMultipart('mp', noMetadata);
    const part = await b.uploadPart('mp', id, 1, stream('one part'), 8);
    expect((await b.completeMultipart('mp', id, [{ partNumber: 1, etag: part.etag }])).size).toBe(8);
    await b.delete(['dir/a', 'mp']);
    expect(await b.head('dir/a')).toBeNull();
  });

  it('refuses a write the SAS does not permit as auth-failed, and writes nothing', async () => {
    const config = location();
    const token = await containerSas(AZURITE_ACCOUNT.accountName, AZURITE_ACCOUNT.accountKey, AZURITE_CONTAINER, 'rl');
    const readOnly = openAzureBackend(env, { ...config, auth: { kind: 'sas', token } });
    const failure = await storageFailure(put(readOnly, 'k', 'x'));
    expect(failure.kind).toBe('auth-failed');
    expect(s3ErrorFromStorage(failure).code).toBe('AccessDenied');
    expect(await openAzureBackend(env, config).head('k')).toBeNull();
  });

  it('refuses a wrong account key as auth-failed, leaking nothing, and writes nothing', async () => {
    const config = location();
    const wrong = openAzureBackend(env, { ...config, auth: { kind: 'shared-key', accountName: AZURITE_ACCOUNT.accountName, accountKey: btoa('not the account key') } });
    for (const work of [() => wrong.head('k'), () => put(wrong, 'k', 'x'), () => wrong.list({ prefix: '', maxKeys: 1 })]) {
      const failure = await storageFailure(work());
      expect(failure.kind).toBe('auth-failed');
      const answer = s3ErrorFromStorage(failure);
      expect([answer.code, answer.status]).toEqual(['AccessDenied', 403]);
      expect(JSON.stringify([answer.message, answer.extra])).not.toMatch(/devstoreaccount1|127\.0\.0\.1|RequestId/);
    }
    expect(await openAzureBackend(env, config).head('k')).toBeNull();
  });
});

describe('azure driver: multipart as blocks', () => {
  it('splits a part larger than the block limit into several blocks and commits them in order', async () => {
    const config = location();
    const b = new AzureBackend(config, ALLOW, { maxBlockBytes: 1024 * 1024 });
    const one = pattern(2.5 * 1024 * 1024, 7);
    const two = bytes('tail');
    const id = await b.createMultipart('big', { contentType: 'application/x-split', user: { origin: 'blocks' } });
    const p1 = await b.uploadPart('big', id, 1, stream(one), one.byteLength);
    expect(p1.etag).toBe(await md5Hex(one));
    const p2 = await b.uploadPart('big', id, 2, stream(two), two.byteLength);
    const info = await b.completeMultipart('big', id, [{ partNumber: 1, etag: p1.etag }, { partNumber: 2, etag: p2.etag }]);
    expect(info.size).toBe(one.byteLength + two.byteLength);
    expect(await committedBlocks(config, 'big')).toEqual([1024 * 1024, 1024 * 1024, 0.5 * 1024 * 1024, 4]);
    const object = await b.get('big');
    expect(object?.metadata).toMatchObject({ contentType: 'application/x-split', user: { origin: 'blocks' } });
    expect(await md5Hex(new Uint8Array(await new Response(object!.body).arrayBuffer()))).toBe(await md5Hex(new Uint8Array([...one, ...two])));
  });

  it('keeps an upload in progress invisible, and a re-uploaded part is the one its ETag names', async () => {
    const b = openAzureBackend(env, location());
    const id = await b.createMultipart('k', noMetadata);
    const first = await b.uploadPart('k', id, 1, stream('first'), 5);
    expect(await b.head('k')).toBeNull();
    expect((await b.list({ prefix: '', maxKeys: 10 })).objects).toEqual([]);
    const second = await b.uploadPart('k', id, 1, stream('second!'), 7);
    expect(first.etag).not.toBe(second.etag);
    await b.completeMultipart('k', id, [{ partNumber: 1, etag: second.etag }]);
    expect(await read(b, 'k')).toBe('second!');
  });

  it('refuses parts out of order as invalid-part-order and commits nothing', async () => {
    const b = openAzureBackend(env, location());
    const id = await b.createMultipart('k', noMetadata);
    const p1 = await b.uploadPart('k', id, 1, stream('a'), 1);
    const p2 = await b.uploadPart('k', id, 2, stream('b'), 1);
    expect((await storageFailure(b.completeMultipart('k', id, [{ partNumber: 2, etag: p2.etag }, { partNumber: 1, etag: p1.etag }]))).kind).toBe('invalid-part-order');
    expect(await b.head('k')).toBeNull();
  });

  it('applies If-None-Match / If-Match to the commit atomically (Put Block List)', async () => {
    const b = openAzureBackend(env, location()) as AzureBackend;
    const existing = await put(b, 'k', 'existing');
    const id = await b.createMultipart('k', noMetadata);
    const p1 = await b.uploadPart('k', id, 1, stream('new'), 3);
    const refused = await storageFailure(b.completeMultipart('k', id, [{ partNumber: 1, etag: p1.etag }], { ifNoneMatch: '*' }));
    expect([refused.kind, refused.detail.condition]).toEqual(['precondition-failed', 'If-None-Match']);
    expect(await read(b, 'k')).toBe('existing');
    const stale = await storageFailure(b.completeMultipart('k', id, [{ partNumber: 1, etag: p1.etag }], { ifMatch: p1.etag }));
    expect([stale.kind, stale.detail.condition]).toEqual(['precondition-failed', 'If-Match']);
    expect(await read(b, 'k')).toBe('existing');
    await b.completeMultipart('k', id, [{ partNumber: 1, etag: p1.etag }], { ifMatch: existing.etag });
    expect(await read(b, 'k')).toBe('new');
  });

  it('loses an upload in progress when the same key is committed by another (Azure discards uncommitted blocks)', async () => {
    const b = openAzureBackend(env, location());
    const a = await b.createMultipart('k', noMetadata);
    const other = await b.createMultipart('k', noMetadata);
    const pa = await b.uploadPart('k', a, 1, stream('a'), 1);
    await b.uploadPart('k', other, 1, stream('o'), 1);
    await b.completeMultipart('k', a, [{ partNumber: 1, etag: pa.etag }]);
    expect((await storageFailure(b.uploadPart('k', other, 2, stream('x'), 1))).kind).toBe('no-such-upload');
    expect(await read(b, 'k')).toBe('a');
  });
});

describe('azure driver: keys', () => {
  it('refuses "." and ".." segments rather than address another blob', async () => {
    const b: Backend = openAzureBackend(env, location());
    for (const key of ['a/../b', './x', 'a/..']) expect((await storageFailure(put(b, key, 'x'))).kind, key).toBe('invalid-key');
  });
});

describe('azure driver: probe', () => {
  it('answers ok for a usable container, and names the field and Azure code otherwise', async () => {
    expect(await probeAzureUpstream(location(), ALLOW)).toEqual({ ok: true });
    const badKey = await probeAzureUpstream(location({ kind: 'shared-key', accountName: AZURITE_ACCOUNT.accountName, accountKey: btoa('wrong') }), ALLOW);
    expect(badKey).toEqual({ ok: false, field: 'auth', reason: 'ListBlobs: the upstream answered 403 AuthorizationFailure' });
    const noContainer = await probeAzureUpstream(location(SHARED_KEY, { container: 'no-such-container' }), ALLOW);
    expect(noContainer).toEqual({ ok: false, field: 'bucket', reason: 'ListBlobs: the upstream answered 404 ContainerNotFound' });
    const closed = await probeAzureUpstream(location(SHARED_KEY, { accountUrl: inject('closedUpstreamUrl') }), ALLOW);
    expect(closed).toMatchObject({ ok: false, field: 'endpoint' });
    const refused = await probeAzureUpstream(location(SHARED_KEY, { accountUrl: 'http://10.0.0.1/devstoreaccount1' }), ALLOW);
    expect(refused).toMatchObject({ ok: false, field: 'endpoint' });
  });
});

describe('azure driver: requests as sent', () => {
  /** The fault server's `echo-*` mode records the last request a container got. */
  async function lastRequest(container: string): Promise<{ method: string; url: string; headers: Record<string, string>; bodyLength: number }> {
    return (await fetch(`${inject('faultyUpstreamUrl')}/__last/${container}`)).json();
  }

  it('sends a Bearer token with the pinned x-ms-version, and streams a PUT with its Content-Length', async () => {
    const container = `echo-${crypto.randomUUID().slice(0, 8)}`;
    const b = openAzureBackend(env, { accountUrl: inject('faultyUpstreamUrl'), container, prefix: 'p/', auth: { kind: 'bearer', token: 'aad-token' } });
    const data = pattern(300 * 1024);
    const info = await b.put('a b+c', stream(data), data.byteLength, noMetadata);
    // The ETag is the Content-MD5 the server computed over what it received (the body reaches it untouched).
    expect(info.etag).toBe(await md5Hex(data));
    const sent = await lastRequest(container);
    expect([sent.method, sent.url]).toEqual(['PUT', `/${container}/p/a%20b%2Bc`]);
    expect(sent.headers).toMatchObject({ authorization: 'Bearer aad-token', 'x-ms-version': '2026-02-06', 'x-ms-blob-type': 'BlockBlob', 'content-length': String(data.byteLength) });
    expect(sent.headers['transfer-encoding']).toBeUndefined();
    expect(sent.bodyLength).toBe(data.byteLength);
  });

  it('appends a SAS token to the request and sends no Authorization header', async () => {
    const container = `echo-${crypto.randomUUID().slice(0, 8)}`;
    const b = openAzureBackend(env, { accountUrl: inject('faultyUpstreamUrl'), container, prefix: '', auth: { kind: 'sas', token: 'sv=2020-12-06&sr=c&sp=r&sig=abc%2B' } });
    await b.head('k');
    const sent = await lastRequest(container);
    expect(new URL(sent.url, 'http://x').searchParams.get('sig')).toBe('abc+');
    expect(sent.headers.authorization).toBeUndefined();
  });
});

describe('azure driver: listing cursor', () => {
  it('pages with a cursor in the client key space (never the upstream prefix), and refuses one it did not issue', async () => {
    const config = location();
    const b = openAzureBackend(env, config);
    for (const key of ['a', 'b', 'c', 'd/1', 'd/2', 'e']) await put(b, key, key);
    const first = await b.list({ prefix: '', maxKeys: 2 });
    expect([first.objects.map((o) => o.key), first.truncated]).toEqual([['a', 'b'], true]);
    expect(first.cursor).not.toContain(config.prefix);
    expect((await b.list({ prefix: '', maxKeys: 2, cursor: first.cursor })).objects.map((o) => o.key)).toEqual(['c', 'd/1']);
    // A page ending on a common prefix continues after everything under it.
    const grouped = await b.list({ prefix: '', delimiter: '/', maxKeys: 4 });
    expect([grouped.objects.map((o) => o.key), grouped.commonPrefixes, grouped.truncated]).toEqual([['a', 'b', 'c'], ['d/'], true]);
    const rest = await b.list({ prefix: '', delimiter: '/', maxKeys: 4, cursor: grouped.cursor });
    expect([rest.objects.map((o) => o.key), rest.commonPrefixes, rest.truncated]).toEqual([['e'], [], false]);
    expect((await storageFailure(b.list({ prefix: '', maxKeys: 2, cursor: '!!not-a-cursor' }))).kind).toBe('invalid-cursor');
  });
});
