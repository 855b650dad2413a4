import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createExecutionContext, env, SELF, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { bucketWithClient } from './helpers/fixtures';
import { anonymousGet, CACHE, overwriteInStorage, publicObject, untilHit } from './helpers/edge-cache';
import { ENDPOINT, errorCode, signedFetch } from './helpers/s3-client';

describe('edge cache for anonymous GETs of public-read buckets', () => {
  it('misses first, then hits with the same bytes, validators and Accept-Ranges', async () => {
    const { path, etag } = await publicObject('ec-hit', 60);
    const first = await anonymousGet(path);
    expect(first.headers.get(CACHE)).toBe('miss');
    expect(await first.text()).toBe('cached bytes 0123456789');
    const hit = await untilHit(path);
    expect(await hit.text()).toBe('cached bytes 0123456789');
    expect(hit.headers.get('etag')).toBe(etag);
    expect(hit.headers.get('last-modified')).toBe(first.headers.get('last-modified'));
    expect(hit.headers.get('accept-ranges')).toBe('bytes');
    expect(hit.headers.get('content-type')).toBe('text/plain');
    expect(hit.headers.get('cache-control')).toBeNull();
    expect(hit.headers.get('x-amz-request-id')).toMatch(/^[0-9A-F]{16}$/);
  });

  it('serves ranges from the cached whole object, and leaves unsatisfiable ones to the backend (416 XML)', async () => {
    const { path } = await publicObject('ec-range', 60);
    await (await untilHit(path)).body?.cancel();
    for (const [range, body, contentRange] of [
      ['bytes=7-11', 'bytes', 'bytes 7-11/23'],
      ['bytes=-4', '6789', 'bytes 19-22/23'],
      ['bytes=13-', '0123456789', 'bytes 13-22/23'],
    ]) {
      const r = await anonymousGet(path, { range: range! });
      expect(r.status).toBe(206);
      expect(r.headers.get(CACHE)).toBe('hit');
      expect(r.headers.get('content-range')).toBe(contentRange);
      expect(await r.text()).toBe(body);
    }
    const beyond = await anonymousGet(path, { range: 'bytes=500-' });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get(CACHE)).toBeNull();
    expect(await errorCode(beyond)).toBe('InvalidRange');
  });

  it('fills the cache after a ranged miss, from a whole read off the client path', async () => {
    const { path } = await publicObject('ec-range-miss', 60);
    const first = await anonymousGet(path, { range: 'bytes=0-5' });
    expect(first.status).toBe(206);
    expect(first.headers.get(CACHE)).toBe('miss');
    expect(await first.text()).toBe('cached');
    const hit = await untilHit(path);
    expect(hit.status).toBe(200);
    expect(await hit.text()).toBe('cached bytes 0123456789');
  });

  it('shares one entry between path-style and virtual-hosted requests', async () => {
    const { bucket, path } = await publicObject('ec-vhost', 60);
    await (await untilHit(path)).body?.cancel();
    await overwriteInStorage(bucket, 'obj.txt', 'changed behind the cache');
    const app = createApp();
    const ctx = createExecutionContext();
    // The cache key names the base domain: path-style requests here use it as their host.
    const virtual = await app.fetch(new Request(`https://${bucket}.gateway.test/obj.txt`), { ...env, BASE_DOMAIN: 'gateway.test' }, ctx);
    await waitOnExecutionContext(ctx);
    expect(virtual.headers.get(CACHE)).toBe('hit');
    expect(await virtual.text()).toBe('cached bytes 0123456789');
  });

  it('revalidates from the cache: 304 on If-None-Match / If-Modified-Since, 412 on a failed If-Match', async () => {
    const { path, etag } = await publicObject('ec-304', 60);
    const first = await untilHit(path);
    await first.body?.cancel();
    const byEtag = await anonymousGet(path, { 'if-none-match': etag });
    expect(byEtag.status).toBe(304);
    expect(byEtag.headers.get(CACHE)).toBe('hit');
    expect(byEtag.headers.get('etag')).toBe(etag);
    const byDate = await anonymousGet(path, { 'if-modified-since': first.headers.get('last-modified')! });
    expect(byDate.status).toBe(304);
    const failed = await anonymousGet(path, { 'if-match': '"0000"' });
    expect(failed.status).toBe(412);
    expect(await errorCode(failed)).toBe('PreconditionFailed');
    const changed = await anonymousGet(path, { 'if-none-match': '"0000"' });
    expect(changed.status).toBe(200);
    expect(changed.headers.get(CACHE)).toBe('hit');
    expect(await changed.text()).toBe('cached bytes 0123456789');
  });

  it('serves an overwrite made behind its back once the TTL has passed, never later', async () => {
    const { bucket, path } = await publicObject('ec-ttl', 1);
    await (await untilHit(path)).body?.cancel();
    await overwriteInStorage(bucket, 'obj.txt', 'new bytes');
    const stale = await anonymousGet(path);
    // Within the TTL the entry may still answer (that is the bound the TTL sets) ...
    if (stale.headers.get(CACHE) === 'hit') expect(await stale.text()).toBe('cached bytes 0123456789');
    else await stale.body?.cancel();
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    // ... and after it, the new bytes are what anyone gets.
    const fresh = await anonymousGet(path);
    expect(fresh.headers.get(CACHE)).toBe('miss');
    expect(await fresh.text()).toBe('new bytes');
  });

  it('never serves a signed GET from the shared cache', async () => {
    const { bucket, path, credentials } = await publicObject('ec-signed', 60);
    await (await untilHit(path)).body?.cancel();
    await overwriteInStorage(bucket, 'obj.txt', 'only signed callers see this yet');
    const anonymous = await anonymousGet(path);
    expect(anonymous.headers.get(CACHE)).toBe('hit');
    expect(await anonymous.text()).toBe('cached bytes 0123456789');
    const signed = await signedFetch(credentials, 'GET', path);
    expect(signed.status).toBe(200);
    expect(signed.headers.get(CACHE)).toBeNull();
    expect(await signed.text()).toBe('only signed callers see this yet');
  });

  it('drops the entry when the object is written through the gateway', async () => {
    const { bucket, path, s3 } = await publicObject('ec-write', 60);
    await (await untilHit(path)).body?.cancel();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'obj.txt', Body: 'rewritten', ContentType: 'text/plain' }));
    const r = await anonymousGet(path);
    expect(r.headers.get(CACHE)).toBe('miss');
    expect(await r.text()).toBe('rewritten');
  });

  it('keeps the object Cache-Control on hits, and never caches no-store objects or buckets with cacheTtl 0', async () => {
    const withPolicy = await publicObject('ec-cc', 60, 'x', { CacheControl: 'public, max-age=31536000' });
    const hit = await untilHit(withPolicy.path);
    expect(hit.headers.get('cache-control')).toBe('public, max-age=31536000');
    await hit.body?.cancel();

    for (const { path } of [await publicObject('ec-nostore', 60, 'x', { CacheControl: 'no-store' }), await publicObject('ec-off', 0)]) {
      for (let i = 0; i < 5; i++) {
        const r = await anonymousGet(path);
        expect(r.status).toBe(200);
        expect(r.headers.get(CACHE)).not.toBe('hit');
        await r.body?.cancel();
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  });

  it('does not cache what anonymous callers may not read', async () => {
    const { bucket, s3 } = await bucketWithClient('ec-private', { cacheTtl: 60 });
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'obj.txt', Body: 'secret' }));
    const r = await anonymousGet(`/${bucket}/obj.txt`);
    expect(r.status).toBe(403);
    expect(r.headers.get(CACHE)).toBeNull();
    expect(await errorCode(r)).toBe('AccessDenied');
  });
});

describe('anonymous reads of public objects, straight from the backend (cacheTtl 0)', () => {
  it('answers HEAD with validators and Accept-Ranges, revalidates with 304, serves Range', async () => {
    const { path, etag } = await publicObject('anon-reads', 0);
    const head = await SELF.fetch(`${ENDPOINT}${path}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('etag')).toBe(etag);
    expect(head.headers.get('accept-ranges')).toBe('bytes');
    const lastModified = head.headers.get('last-modified')!;
    expect(lastModified).toMatch(/GMT$/);
    expect((await anonymousGet(path, { 'if-none-match': etag })).status).toBe(304);
    expect((await anonymousGet(path, { 'if-modified-since': lastModified })).status).toBe(304);
    const part = await anonymousGet(path, { range: 'bytes=-10' });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe('bytes 13-22/23');
    expect(part.headers.get(CACHE)).toBeNull();
    expect(await part.text()).toBe('0123456789');
  });
});
