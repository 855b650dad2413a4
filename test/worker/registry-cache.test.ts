import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { accessKeyCredentialStore, createAccessKey, forgetCachedAccessKeys, updateAccessKey } from '../../src/registry/access-keys';
import { createBucket, forgetCachedBuckets, getBucket, updateBucket } from '../../src/registry/buckets';
import { uniqueBucketName } from './admin-client';

const kvKey = (name: string) => `registry/v1/bucket/${name}`;
const setPublicReadInD1 = (name: string, on: boolean) =>
  env.DB.prepare('UPDATE buckets SET public_read = ? WHERE name = ?').bind(on ? 1 : 0, name).run();

describe('registry read-through cache', () => {
  it('fills KV with the bucket on a read', async () => {
    const name = uniqueBucketName('kvfill');
    const created = await createBucket(env, { name }, 'test');
    expect(await env.CACHE.get(kvKey(name))).toBeNull();
    expect(await getBucket(env, name)).toEqual(created);
    expect(await env.CACHE.get(kvKey(name), 'json')).toEqual(created);
  });

  it('does not re-read D1 while the isolate copy or the KV copy is fresh', async () => {
    const name = uniqueBucketName('stale');
    await createBucket(env, { name }, 'test');
    expect((await getBucket(env, name))?.publicRead).toBe(false);

    await setPublicReadInD1(name, true); // behind the registry's back
    expect((await getBucket(env, name))?.publicRead).toBe(false); // isolate memory

    forgetCachedBuckets(); // as a fresh isolate would start
    expect((await getBucket(env, name))?.publicRead).toBe(false); // KV

    await env.CACHE.delete(kvKey(name));
    forgetCachedBuckets();
    expect((await getBucket(env, name))?.publicRead).toBe(true); // D1
  });

  it('invalidates both tiers on a registry write', async () => {
    const name = uniqueBucketName('invalidate');
    await createBucket(env, { name }, 'test');
    await getBucket(env, name);
    expect(await env.CACHE.get(kvKey(name))).not.toBeNull();

    await updateBucket(env, name, { cacheTtl: 5 }, 'test');
    expect(await env.CACHE.get(kvKey(name))).toBeNull();
    expect((await getBucket(env, name))?.cacheTtl).toBe(5);
    forgetCachedBuckets();
    expect((await getBucket(env, name))?.cacheTtl).toBe(5);
  });

  it('remembers a miss in the isolate only, and forgets it when the bucket is created', async () => {
    const name = uniqueBucketName('miss');
    expect(await getBucket(env, name)).toBeNull();
    expect(await env.CACHE.get(kvKey(name))).toBeNull(); // misses never reach KV

    await env.DB.prepare(
      "INSERT INTO buckets (name, backend, created_at, updated_at) VALUES (?, '{\"type\":\"r2\",\"binding\":\"STORAGE\",\"prefix\":\"x/\"}', 'now', 'now')",
    )
      .bind(name)
      .run();
    expect(await getBucket(env, name)).toBeNull(); // the remembered miss
    forgetCachedBuckets();
    expect((await getBucket(env, name))?.name).toBe(name);

    const other = uniqueBucketName('miss');
    expect(await getBucket(env, other)).toBeNull();
    await createBucket(env, { name: other }, 'test');
    expect((await getBucket(env, other))?.name).toBe(other); // creation dropped the remembered miss
  });

  it('answers names that cannot exist without touching any tier', async () => {
    for (const name of ['UPPER', 'a', 'has/slash']) {
      expect(await getBucket(env, name)).toBeNull();
      expect(await env.CACHE.get(kvKey(name))).toBeNull();
    }
    // Longer than a KV key may be: answered, not thrown.
    expect(await getBucket(env, 'x'.repeat(600))).toBeNull();
  });

  it('keeps access keys sealed in KV and opens them from there', async () => {
    const { record, secretAccessKey } = await createAccessKey(env, { displayName: 'cached', statements: [] }, 'test');
    const store = accessKeyCredentialStore(env);
    expect((await store.lookup(record.accessKeyId))?.secretAccessKey).toBe(secretAccessKey);

    const cached = await env.CACHE.get<{ secretCiphertext: string }>(`registry/v1/access-key/${record.accessKeyId}`, 'json');
    expect(cached?.secretCiphertext).toMatch(/^v1\./);
    expect(JSON.stringify(cached)).not.toContain(secretAccessKey);

    // Disabled in D1 directly: KV still answers until a registry write invalidates it.
    await env.DB.prepare('UPDATE access_keys SET enabled = 0 WHERE access_key_id = ?').bind(record.accessKeyId).run();
    forgetCachedAccessKeys();
    expect((await store.lookup(record.accessKeyId))?.secretAccessKey).toBe(secretAccessKey);

    await updateAccessKey(env, record.accessKeyId, { displayName: 'renamed' }, 'test');
    expect(await store.lookup(record.accessKeyId)).toBeNull();
  });
});
