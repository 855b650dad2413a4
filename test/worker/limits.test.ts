import { AwsClient } from 'aws4fetch';
import { createExecutionContext, env, SELF, waitOnExecutionContext } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import type { Env } from '../../src/env';
import { weightOf } from '../../src/s3/rate-limit';
import { admin } from './admin-client';
import { bucketWithClient, createBucket } from './helpers/fixtures';
import { type Credentials, errorCode } from './helpers/s3-client';

/**
 * Issue 10: per-deployment and per-bucket limits. Oversized uploads are refused EntityTooLarge
 * from their declared length without a byte of the body read; callers over their request rate
 * get 503 SlowDown with Retry-After and recover in the next window. The rate tests run the Worker
 * with S3_RATE_LIMITER_SMALL (a real simulated binding, 20 per 10 s, vitest.config.ts) as its
 * S3_RATE_LIMITER, so they trip in a few requests without slowing any other suite's callers.
 */

const app = createApp({ hooks: [] });
const PERIOD_MS = 10_000;
const small = (): Env => ({ ...env, S3_RATE_LIMITER: env.S3_RATE_LIMITER_SMALL, S3_RATE_LIMIT: '20', S3_RATE_LIMIT_PERIOD: '10' });

/** A PUT whose body records whether anyone read it, with a declared length. */
async function trackedPut(credentials: Credentials, path: string, declared: number, extraHeaders: Record<string, string> = {}) {
  const read = { pulled: false };
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      read.pulled = true;
      controller.enqueue(new Uint8Array(declared));
      controller.close();
    },
  }, { highWaterMark: 0 });
  const signer = new AwsClient({ ...credentials, service: 's3', region: 'us-east-1' });
  const request = await signer.sign(`https://gateway.test${path}`, {
    method: 'PUT',
    headers: { 'content-length': String(declared), 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', ...extraHeaders },
    body,
    // @ts-expect-error workerd needs duplex for a streamed request body
    duplex: 'half',
  });
  return { request, read };
}

/** A signed PUT as a client sends it: a request made inside the Worker has no Content-Length unless given one. */
function put(signer: AwsClient, path: string, body: string): Promise<Request> {
  return signer.sign(`https://gateway.test${path}`, { method: 'PUT', body, headers: { 'content-length': String(body.length) } });
}

async function send(request: Request, e: Env = env): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await app.fetch(request, e, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

describe('maximum upload size', () => {
  let bucket: string;
  let credentials: Credentials;
  beforeAll(async () => {
    ({ bucket, credentials } = await bucketWithClient('limits-size', { limits: { maxObjectSize: 1000 } }));
  });

  it("a bucket's maxObjectSize: EntityTooLarge with the sizes, before the body is read; nothing written", async () => {
    const { request, read } = await trackedPut(credentials, `/${bucket}/too-big`, 1001);
    const response = await send(request);
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(/<Code>([^<]*)</.exec(text)?.[1]).toBe('EntityTooLarge');
    expect(text).toContain('<ProposedSize>1001</ProposedSize>');
    expect(text).toContain('<MaxSizeAllowed>1000</MaxSizeAllowed>');
    expect(read.pulled).toBe(false);
    expect(await env.STORAGE.head(`buckets/${bucket}/too-big`)).toBeNull();

    const fits = await trackedPut(credentials, `/${bucket}/fits`, 1000);
    expect((await send(fits.request)).status).toBe(200);
    expect((await env.STORAGE.head(`buckets/${bucket}/fits`))?.size).toBe(1000);
  });

  it('applies to UploadPart and to the decoded length of an aws-chunked body', async () => {
    const signer = new AwsClient({ ...credentials, service: 's3', region: 'us-east-1' });
    const created = await SELF.fetch(await signer.sign(`https://gateway.test/${bucket}/multi?uploads`, { method: 'POST' }));
    const uploadId = /<UploadId>([^<]+)</.exec(await created.text())![1]!;
    const { request, read } = await trackedPut(credentials, `/${bucket}/multi?partNumber=1&uploadId=${encodeURIComponent(uploadId)}`, 5000);
    const part = await send(request);
    expect(await errorCode(part)).toBe('EntityTooLarge');
    expect(read.pulled).toBe(false);

    const chunked = await SELF.fetch(
      await signer.sign(`https://gateway.test/${bucket}/chunked`, {
        method: 'PUT',
        headers: { 'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': '1001', 'x-amz-trailer': 'x-amz-checksum-crc32' },
        body: '0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n',
      }),
    );
    expect(await errorCode(chunked)).toBe('EntityTooLarge');
  });

  it("the deployment's MAX_OBJECT_SIZE applies to every bucket; a bucket can only lower it", async () => {
    const open = await bucketWithClient('limits-deploy');
    const { request, read } = await trackedPut(open.credentials, `/${open.bucket}/big`, 600);
    const response = await send(request, { ...env, MAX_OBJECT_SIZE: '500' });
    expect(await errorCode(response)).toBe('EntityTooLarge');
    expect(read.pulled).toBe(false);
    const lower = await trackedPut(credentials, `/${bucket}/between`, 900);
    expect((await send(lower.request, { ...env, MAX_OBJECT_SIZE: '2000' })).status).toBe(200);
    const higher = await trackedPut(credentials, `/${bucket}/over-own`, 1500);
    expect(await errorCode(await send(higher.request, { ...env, MAX_OBJECT_SIZE: '2000' }))).toBe('EntityTooLarge');
  });
});

describe('admin API: bucket limits', () => {
  it('sets, shows, replaces and clears limits; refuses bad ones with field errors and changes nothing', async () => {
    const name = await createBucket('limits-admin');
    expect((await admin('GET', `/buckets/${name}`)).json.limits).toEqual({});
    const set = await admin('PATCH', `/buckets/${name}`, { limits: { maxObjectSize: 1024, requestsPerMinute: 120 } });
    expect(set.status).toBe(200);
    expect(set.json.limits).toEqual({ maxObjectSize: 1024, requestsPerMinute: 120 });
    for (const limits of [{ maxObjectSize: 5 * 1024 ** 3 + 1 }, { maxObjectSize: 0 }, { requestsPerMinute: -1 }, { requestsPerMinute: 1.5 }, { burst: 3 }, { maxObjectSize: '1kb' }]) {
      const r = await admin('PATCH', `/buckets/${name}`, { limits });
      expect(r.status, JSON.stringify(limits)).toBe(400);
      expect(Object.keys(r.json.error.fields).some((f) => f.startsWith('limits')), JSON.stringify(r.json)).toBe(true);
    }
    expect((await admin('GET', `/buckets/${name}`)).json.limits).toEqual({ maxObjectSize: 1024, requestsPerMinute: 120 });
    expect((await admin('PATCH', `/buckets/${name}`, { limits: {} })).json.limits).toEqual({});
  });
});

/** Waits, if needed, so that what follows starts early in a limiter window (windows are wall-clock aligned). */
async function startOfWindow(room: number): Promise<void> {
  const into = Date.now() % PERIOD_MS;
  if (into > PERIOD_MS - room) await new Promise((r) => setTimeout(r, PERIOD_MS - into + 50));
}

describe('request rate', () => {
  it('weighs a bucket override against the binding', () => {
    expect(weightOf(60, 500, 10)).toBe(50);
    expect(weightOf(60, 20, 10)).toBe(2);
    expect(weightOf(6000, 500, 10)).toBe(1);
    expect(weightOf(1, 500, 10)).toBe(64);
    expect(weightOf(60, Number.NaN, 10)).toBe(1);
  });

  it("a caller over the deployment's limit gets 503 SlowDown with Retry-After, nothing stored, and recovers next window; other callers are not slowed", async () => {
    const { bucket, credentials } = await bucketWithClient('limits-rate');
    const other = await bucketWithClient('limits-rate-b');
    const signer = new AwsClient({ ...credentials, service: 's3', region: 'us-east-1' });
    await startOfWindow(7000);
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await send(await put(signer, `/${bucket}/k${i}`, 'v'), small())).status);
    expect(statuses).toEqual(Array(20).fill(200));
    const slowed = await send(await put(signer, `/${bucket}/over`, 'never stored'), small());
    expect(slowed.status).toBe(503);
    expect(slowed.headers.get('retry-after')).toBe('10');
    expect(await errorCode(slowed)).toBe('SlowDown');
    expect(await env.STORAGE.head(`buckets/${bucket}/over`)).toBeNull();
    // Another key is counted apart.
    const otherSigner = new AwsClient({ ...other.credentials, service: 's3', region: 'us-east-1' });
    expect((await send(await put(otherSigner, `/${other.bucket}/fine`, 'v'), small())).status).toBe(200);

    await new Promise((r) => setTimeout(r, PERIOD_MS - (Date.now() % PERIOD_MS) + 100));
    expect((await send(await put(signer, `/${bucket}/after`, 'v'), small())).status).toBe(200);
    expect(await env.STORAGE.head(`buckets/${bucket}/after`)).not.toBeNull();
  }, 40_000);

  it("a bucket's requestsPerMinute lowers it for that bucket only", async () => {
    // 60 a minute = 10 per 10 s window: each request weighs ceil(20 / 10) = 2 units of the binding.
    const { bucket, credentials } = await bucketWithClient('limits-override', { limits: { requestsPerMinute: 60 } });
    const signer = new AwsClient({ ...credentials, service: 's3', region: 'us-east-1' });
    await startOfWindow(7000);
    for (let i = 0; i < 10; i++) expect((await send(await put(signer, `/${bucket}/k${i}`, 'v'), small())).status).toBe(200);
    const slowed = await send(await put(signer, `/${bucket}/over`, 'v'), small());
    expect(slowed.status).toBe(503);
    expect(await errorCode(slowed)).toBe('SlowDown');
  }, 40_000);

  it('anonymous requests are counted per client (salted address hash)', async () => {
    const bucket = await createBucket('limits-anon', { publicRead: true, cacheTtl: 0 });
    await env.STORAGE.put(`buckets/${bucket}/public.txt`, 'hello');
    const get = (ip: string) => send(new Request(`https://gateway.test/${bucket}/public.txt`, { headers: { 'cf-connecting-ip': ip } }), small());
    const ip = `192.0.2.${Math.floor(Math.random() * 200) + 1}`;
    await startOfWindow(7000);
    for (let i = 0; i < 20; i++) expect((await get(ip)).status).toBe(200);
    const slowed = await get(ip);
    expect(slowed.status).toBe(503);
    expect(await errorCode(slowed)).toBe('SlowDown');
    expect((await get(`${ip}0`)).status).toBe(200);
  }, 30_000);
});
