import { PutObjectCommand } from '@aws-sdk/client-s3';
import { env, SELF } from 'cloudflare:test';
import { bucketWithClient } from './fixtures';
import { ENDPOINT } from './s3-client';

/** The header that says whether an answer came from this colo's edge cache. */
export const CACHE = 'x-bucketgate-cache';

export function anonymousGet(path: string, headers: Record<string, string> = {}): Promise<Response> {
  return SELF.fetch(`${ENDPOINT}${path}`, { headers });
}

/** The cache is filled after the answer went out (waitUntil): ask until it answers, bounded. */
export async function untilHit(path: string): Promise<Response> {
  for (let attempt = 0; attempt < 40; attempt++) {
    const r = await anonymousGet(path);
    if (r.headers.get(CACHE) === 'hit') return r;
    await r.body?.cancel();
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`${path} never became a cache hit`);
}

/** Replaces the stored bytes behind the gateway's back, as another colo or a direct R2 write would. */
export async function overwriteInStorage(bucket: string, key: string, body: string): Promise<void> {
  await env.STORAGE.put(`buckets/${bucket}/${key}`, body, { httpMetadata: { contentType: 'text/plain' } });
}

/** A public-read bucket with edge caching on, holding `obj.txt`. */
export async function publicObject(label: string, cacheTtl: number, body = 'cached bytes 0123456789', extra: Partial<ConstructorParameters<typeof PutObjectCommand>[0]> = {}) {
  const fixture = await bucketWithClient(label, { publicRead: true, cacheTtl });
  const put = await fixture.s3.send(new PutObjectCommand({ Bucket: fixture.bucket, Key: 'obj.txt', Body: body, ContentType: 'text/plain', ...extra }));
  return { ...fixture, path: `/${fixture.bucket}/obj.txt`, etag: put.ETag! };
}
