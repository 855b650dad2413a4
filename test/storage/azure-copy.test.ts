import { env } from 'cloudflare:test';
import { describe, expect, inject, it, vi } from 'vitest';
import { type Backend, type ObjectMetadata, serverSideCopier, type ServerSideCopier } from '../../src/storage/backend';
import { AzureBackend } from '../../src/storage/azure/backend';
import { newUploadId, uploadBytes } from '../../src/storage/azure/block-ids';
import { AzureClient } from '../../src/storage/azure/client';
import type { AzureAuth, AzureDriverConfig } from '../../src/storage/azure/config';
import { pinSource, putBlockFromUrl } from '../../src/storage/azure/copy-source';
import { serviceSas } from '../../src/storage/azure/service-sas';
import { parseAllowList } from '../../src/storage/endpoint-guard';
import { s3ErrorFromStorage } from '../../src/s3/storage-errors';
import { md5Hex, noMetadata, pattern, put, storageFailure } from './contract/support';
import { AZURITE_ACCOUNT, AZURITE_CONTAINER } from './upstreams/azurite-account';
import { containerSas } from './azure-sas';
import './contract/provided';

/**
 * Server-side copy inside one Azure account (adrs/0021) against Azurite, reached through a proxy
 * that counts the body bytes each way (test/storage/upstreams/counting-proxy.ts): a copy that runs
 * inside Azure moves a few hundred bytes of XML at most; one that streams moves the object.
 */

vi.setConfig({ testTimeout: 120_000 });

const SHARED_KEY: AzureAuth = { kind: 'shared-key', ...AZURITE_ACCOUNT };
const ALLOW = parseAllowList(env.ALLOWED_UPSTREAM_HOSTS);
const MiB = 1024 * 1024;
const SERVER_SIDE_BYTES = 4096;

function location(auth: AzureAuth = SHARED_KEY): AzureDriverConfig {
  return { accountUrl: inject('countingAzuriteUrl'), container: AZURITE_CONTAINER, prefix: `copy/${crypto.randomUUID().slice(0, 8)}/`, auth };
}

/** Two virtual buckets on one account with the same credentials, the second the copier. */
function pair(auth: AzureAuth = SHARED_KEY, options: { maxBlockBytes?: number } = {}): { from: Backend; to: ServerSideCopier } {
  const from = new AzureBackend(location(auth), ALLOW, options);
  const to = serverSideCopier(from, new AzureBackend(location(auth), ALLOW, options));
  expect(to, 'same account and credentials copy inside Azure').not.toBeNull();
  return { from, to: to! };
}

/** Body bytes through the proxy since the last call (to Azurite, from Azurite); reading resets them. */
async function proxiedBytes(): Promise<{ sent: number; received: number }> {
  return (await fetch(`${new URL(inject('countingAzuriteUrl')).origin}/__bytes`)).json();
}

async function bytesOf(b: Backend, key: string): Promise<Uint8Array> {
  return new Uint8Array(await new Response((await b.get(key))!.body).arrayBuffer());
}

/** Compared by MD5: a deep equality over megabytes is slow enough under load to time out. */
async function md5Of(b: Backend, key: string): Promise<string> {
  return md5Hex(await bytesOf(b, key));
}

describe('azure server-side copy: CopyObject', () => {
  it('copies with Copy Blob From URL when the properties stay: no body either way, Content-MD5 kept', async () => {
    const { from, to } = pair();
    const data = pattern(2 * MiB, 7);
    const source = await put(from, 'src.bin', data, { contentType: 'application/x-test', user: { a: '1' } });
    await proxiedBytes();
    const info = await to.copy(from, { key: 'src.bin', size: source.size, etag: source.etag }, 'dst.bin', { contentType: 'application/x-test', user: { b: '2' } });
    const moved = await proxiedBytes();
    // Copy Blob From URL carries no request body (Put Block List would) and answers none.
    expect(moved).toEqual({ sent: 0, received: 0 });
    expect(info.etag).toBe(source.etag);
    const head = await to.head('dst.bin');
    expect(head?.etag).toBe(await md5Hex(data));
    expect(head?.metadata).toEqual({ contentType: 'application/x-test', user: { b: '2' } });
    expect(await md5Of(to, 'dst.bin')).toBe(await md5Hex(data));
  });

  it('copies with Put Block From URL + Put Block List when HTTP properties are replaced', async () => {
    const { from, to } = pair();
    const data = pattern(2 * MiB, 9);
    const source = await put(from, 'src.bin', data, { contentType: 'text/plain', user: { a: '1' } });
    await proxiedBytes();
    const metadata = { contentType: 'application/json', cacheControl: 'no-cache', user: {} };
    const info = await to.copy(from, { key: 'src.bin', size: source.size, etag: source.etag }, 'dst.bin', metadata);
    const moved = await proxiedBytes();
    expect(moved.sent).toBeGreaterThan(0); // the block list
    expect(moved.sent + moved.received).toBeLessThan(SERVER_SIDE_BYTES);
    expect(info.etag).toBe(source.etag);
    const head = await to.head('dst.bin');
    expect(head?.etag).toBe(source.etag);
    // REPLACE with no user metadata: none copied from the source.
    expect(head?.metadata).toEqual(metadata);
    expect(await md5Of(to, 'dst.bin')).toBe(await md5Hex(data));
  });

  it('copies a source larger than one block in several Put Block From URL ranges, keeping the MD5 ETag', async () => {
    const { from, to } = pair(SHARED_KEY, { maxBlockBytes: MiB });
    const data = pattern(2 * MiB + 123, 11);
    const source = await put(from, 'src.bin', data);
    await proxiedBytes();
    const info = await to.copy(from, { key: 'src.bin', size: source.size, etag: source.etag }, 'dst.bin', { contentType: 'text/csv', user: {} });
    expect((await proxiedBytes()).received).toBeLessThan(SERVER_SIDE_BYTES);
    expect(info.etag).toBe(await md5Hex(data));
    expect((await to.head('dst.bin'))?.etag).toBe(info.etag);
    expect(await md5Of(to, 'dst.bin')).toBe(await md5Hex(data));
  });

  it('gives a copied multipart source the MD5 of its bytes in one block, and an md5-of-block-md5s "-N" ETag in several', async () => {
    const { from, to } = pair(SHARED_KEY, { maxBlockBytes: 3 * MiB });
    const first = pattern(2 * MiB, 1);
    const second = pattern(2 * MiB, 2);
    const id = await from.createMultipart('mp.bin', noMetadata);
    const parts = [await from.uploadPart('mp.bin', id, 1, new Blob([first]).stream(), first.byteLength), await from.uploadPart('mp.bin', id, 2, new Blob([second]).stream(), second.byteLength)];
    const source = await from.completeMultipart('mp.bin', id, parts.map((p, i) => ({ partNumber: i + 1, etag: p.etag })));
    expect(source.etag).toMatch(/-2$/);
    const whole = new Uint8Array(first.byteLength + second.byteLength);
    whole.set(first);
    whole.set(second, first.byteLength);
    // 4 MiB in blocks of 3 MiB: two blocks, an S3-style multipart ETag over them, recorded and read back.
    const split = await to.copy(from, { key: 'mp.bin', size: source.size, etag: source.etag }, 'split.bin', { contentType: 'text/plain', user: {} });
    const blockMd5s = [await md5Hex(whole.subarray(0, 3 * MiB)), await md5Hex(whole.subarray(3 * MiB))];
    const joined = Uint8Array.from(blockMd5s.join('').match(/../g)!, (h) => parseInt(h, 16));
    const expected = `${await md5Hex(joined)}-2`;
    expect(split.etag).toBe(expected);
    expect((await to.head('split.bin'))?.etag).toBe(expected);
    expect(await md5Of(to, 'split.bin')).toBe(await md5Hex(whole));
    // One block: Azure's Content-MD5 of that block is the MD5 of the whole copy.
    const { to: wide } = pair(SHARED_KEY);
    const one = await wide.copy(from, { key: 'mp.bin', size: source.size, etag: source.etag }, 'one.bin', { contentType: 'text/plain', user: {} });
    expect(one.etag).toBe(await md5Hex(whole));
    expect((await wide.head('one.bin'))?.etag).toBe(one.etag);
  });

  it('copies an empty object', async () => {
    const { from, to } = pair();
    const source = await put(from, 'empty', '');
    const shapes: ObjectMetadata[] = [{ user: { k: 'v' } }, { contentType: 'text/plain', user: {} }];
    for (const metadata of shapes) {
      const info = await to.copy(from, { key: 'empty', size: 0, etag: source.etag }, 'dst', metadata);
      expect(info.etag).toBe('d41d8cd98f00b204e9800998ecf8427e');
      expect((await to.head('dst'))?.size).toBe(0);
      expect((await to.head('dst'))?.etag).toBe(info.etag);
    }
  });
});

describe('azure server-side copy: UploadPartCopy', () => {
  it('copies a range into a part inside Azure, its ETag the MD5 Azure computed for the block', async () => {
    const { from, to } = pair();
    const data = pattern(3 * MiB, 5);
    const source = await put(from, 'src.bin', data);
    const id = await to.createMultipart('dst.bin', noMetadata);
    await proxiedBytes();
    const part = await to.uploadPartCopy(from, { key: 'src.bin', etag: source.etag }, 'dst.bin', id, 1, { offset: MiB, length: MiB + 7 });
    expect((await proxiedBytes()).received).toBeLessThan(SERVER_SIDE_BYTES);
    expect(part.etag).toBe(await md5Hex(data.subarray(MiB, 2 * MiB + 7)));
    await to.completeMultipart('dst.bin', id, [{ partNumber: 1, etag: part.etag }]);
    expect(await md5Of(to, 'dst.bin')).toBe(await md5Hex(data.subarray(MiB, 2 * MiB + 7)));
  });

  it('streams a part larger than one block through the driver (no honest MD5 from several blocks), pinned all the same', async () => {
    const { from, to } = pair(SHARED_KEY, { maxBlockBytes: MiB });
    const data = pattern(2 * MiB, 6);
    const source = await put(from, 'src.bin', data);
    const id = await to.createMultipart('dst.bin', noMetadata);
    await proxiedBytes();
    const part = await to.uploadPartCopy(from, { key: 'src.bin', etag: source.etag }, 'dst.bin', id, 1);
    const moved = await proxiedBytes();
    expect(moved.received).toBeGreaterThanOrEqual(data.byteLength);
    expect(moved.sent).toBeGreaterThanOrEqual(data.byteLength);
    expect(part.etag).toBe(source.etag);
    await put(from, 'src.bin', 'replaced');
    const stale = await storageFailure(to.uploadPartCopy(from, { key: 'src.bin', etag: source.etag }, 'dst.bin', id, 2));
    expect(s3ErrorFromStorage(stale).code).toBe('PreconditionFailed');
  });

  it('answers NoSuchUpload for an unknown upload and NoSuchKey for a missing source, writing nothing', async () => {
    const { from, to } = pair();
    const source = await put(from, 'src.bin', 'x');
    const unknown = await storageFailure(to.uploadPartCopy(from, { key: 'src.bin', etag: source.etag }, 'dst.bin', newUploadId(), 1));
    expect(s3ErrorFromStorage(unknown).code).toBe('NoSuchUpload');
    const id = await to.createMultipart('dst.bin', noMetadata);
    const missing = await storageFailure(to.uploadPartCopy(from, { key: 'nope', etag: source.etag }, 'dst.bin', id, 1));
    expect(s3ErrorFromStorage(missing).code).toBe('NoSuchKey');
    expect(await to.head('dst.bin')).toBeNull();
  });
});

describe('azure server-side copy: the source is pinned and authorized', () => {
  it('fails a block read whose source changed after it was pinned (x-ms-source-if-match), committing nothing', async () => {
    const config = location();
    const up = { client: new AzureClient(config, ALLOW), prefix: config.prefix };
    const b = new AzureBackend(config, ALLOW);
    const source = await put(b, 'src.bin', 'first version');
    const pinned = await pinSource({ up, key: 'src.bin', etag: source.etag });
    await put(b, 'src.bin', 'first versioN');
    const id = { kind: 'D', upload: uploadBytes(newUploadId())!, part: 1, nonce: new Uint8Array(4), index: 0 } as const;
    const failure = await storageFailure(putBlockFromUrl(up, 'dst.bin', id, pinned, { offset: 0, length: 13 }, { subject: 'object' }));
    expect(s3ErrorFromStorage(failure).code).toBe('PreconditionFailed');
    expect(await b.head('dst.bin')).toBeNull();
  });

  it('copies through a SAS connection with its own token on the source', async () => {
    const token = await containerSas(AZURITE_ACCOUNT.accountName, AZURITE_ACCOUNT.accountKey, AZURITE_CONTAINER, 'racwdl');
    const { from, to } = pair({ kind: 'sas', token });
    const data = pattern(MiB, 3);
    const source = await put(from, 'src.bin', data);
    await proxiedBytes();
    await to.copy(from, { key: 'src.bin', size: source.size, etag: source.etag }, 'dst.bin', { contentType: 'text/plain', user: {} });
    const id = await to.createMultipart('mp.bin', noMetadata);
    const part = await to.uploadPartCopy(from, { key: 'src.bin', etag: source.etag }, 'mp.bin', id, 1);
    expect((await proxiedBytes()).received).toBeLessThan(SERVER_SIDE_BYTES);
    expect(part.etag).toBe(source.etag);
    expect(await md5Of(to, 'dst.bin')).toBe(await md5Hex(data));
  });

  it('mints a blob SAS that reads that blob only, writes nothing, and is refused under another key', async () => {
    const config = { ...location(), accountUrl: inject('azuriteAccountUrl') };
    const b = new AzureBackend(config, ALLOW);
    await put(b, 'secret.txt', 'only this');
    await put(b, 'other.txt', 'not this');
    const blob = `${config.prefix}secret.txt`;
    const base = `${config.accountUrl}/${AZURITE_CONTAINER}/`;
    const sas = (accountKey: string, permissions = 'r') => serviceSas({ ...AZURITE_ACCOUNT, accountKey, container: AZURITE_CONTAINER, blob, permissions, expiry: new Date(Date.now() + 600_000) });
    const token = await sas(AZURITE_ACCOUNT.accountKey);
    const ok = await fetch(`${base}${blob}?${token}`);
    expect([ok.status, await ok.text()]).toEqual([200, 'only this']);
    const other = await fetch(`${base}${config.prefix}other.txt?${token}`);
    await other.body?.cancel();
    expect(other.status).toBe(403);
    const write = await fetch(`${base}${blob}?${token}`, { method: 'PUT', headers: { 'x-ms-blob-type': 'BlockBlob' }, body: 'overwritten' });
    await write.body?.cancel();
    expect(write.status).toBe(403);
    const forged = await fetch(`${base}${blob}?${await sas(btoa('not the account key'))}`);
    await forged.body?.cancel();
    expect(forged.status).toBe(403);
    expect(new TextDecoder().decode(await bytesOf(b, 'secret.txt'))).toBe('only this');
  });

  it('does not pair backends on other credentials: their copies stream', async () => {
    const token = await containerSas(AZURITE_ACCOUNT.accountName, AZURITE_ACCOUNT.accountKey, AZURITE_CONTAINER, 'racwdl');
    const keyed = new AzureBackend(location(), ALLOW);
    const viaSas = new AzureBackend(location({ kind: 'sas', token }), ALLOW);
    expect(serverSideCopier(keyed, viaSas)).toBeNull();
    expect(serverSideCopier(viaSas, keyed)).toBeNull();
    expect(serverSideCopier(keyed, new AzureBackend({ ...location(), accountUrl: inject('azuriteAccountUrl') }, ALLOW))).toBeNull();
  });
});
