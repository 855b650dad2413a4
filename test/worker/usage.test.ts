import { AwsClient } from 'aws4fetch';
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { UsageBuffer } from '../../src/usage/d1-buffer';
import { usageRecorder } from '../../src/usage/hook';
import { admin } from './admin-client';
import { bucketWithClient } from './helpers/fixtures';
import type { Credentials } from './helpers/s3-client';

/**
 * Issue 10: usage records on the D1 path. A scripted sequence of requests runs through the Worker
 * with its own usage buffer (flushed when the test says, so nothing depends on timing), and
 * GET /admin/v1/usage must report exactly the requests, bytes and errors the script made.
 */

const never = { maxRows: 1_000_000, maxAgeMs: 1_000_000_000 };

/** A signed PUT as a client sends it: a request made inside the Worker has no Content-Length unless given one. */
function put(signer: AwsClient, path: string, body: string): Promise<Request> {
  return signer.sign(`https://gateway.test${path}`, { method: 'PUT', body, headers: { 'content-length': String(body.length) } });
}

async function send(app: ReturnType<typeof createApp>, request: Request): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await app.fetch(request, env, ctx);
  const answered = new Response(await response.arrayBuffer(), response);
  await waitOnExecutionContext(ctx);
  return answered;
}

describe('usage records (D1, batched)', () => {
  let bucket: string;
  let credentials: Credentials;
  let signer: AwsClient;
  const buffer = new UsageBuffer(never);
  const app = createApp({ hooks: [usageRecorder(buffer)] });
  const today = new Date().toISOString().slice(0, 10);

  beforeAll(async () => {
    ({ bucket, credentials } = await bucketWithClient('usage'));
    signer = new AwsClient({ ...credentials, service: 's3', region: 'us-east-1' });
  });

  it('sums what a scripted sequence did: requests, bytes in and out, errors, per operation', async () => {
    const sizes = [100, 2000, 30_000];
    for (const [i, size] of sizes.entries()) {
      const r = await send(app, await put(signer, `/${bucket}/u/${i}`, 'x'.repeat(size)));
      expect(r.status).toBe(200);
    }
    let out = 0;
    for (let i = 0; i < sizes.length; i++) {
      const r = await send(app, await signer.sign(`https://gateway.test/${bucket}/u/${i}`, { method: 'GET' }));
      expect(r.status).toBe(200);
      out += Number(r.headers.get('content-length'));
    }
    const ranged = await send(app, await signer.sign(`https://gateway.test/${bucket}/u/2`, { method: 'GET', headers: { range: 'bytes=10-19' } }));
    expect(ranged.status).toBe(206);
    out += 10;
    const missing = await send(app, await signer.sign(`https://gateway.test/${bucket}/u/none`, { method: 'GET' }));
    expect(missing.status).toBe(404);
    out += (await missing.arrayBuffer()).byteLength;

    // Nothing reaches D1 until the buffer flushes.
    const before = await admin('GET', `/usage?groupBy=operation&bucket=${bucket}`);
    expect(before.status).toBe(200);
    expect(before.json.rows).toEqual([]);

    await buffer.flush(env);
    const byOperation = await admin('GET', `/usage?from=${today}&to=${today}&groupBy=operation&bucket=${bucket}`);
    expect(byOperation.status).toBe(200);
    expect(byOperation.json).toMatchObject({ source: 'd1', from: today, to: today, groupBy: ['operation'] });
    expect(byOperation.json.note).toBeUndefined();
    expect(byOperation.json.rows).toEqual([
      { operation: 'GetObject', requests: 5, bytesIn: 0, bytesOut: out, errors: 1 },
      { operation: 'PutObject', requests: 3, bytesIn: 32_100, bytesOut: 0, errors: 0 },
    ]);

    const byPrincipalDay = await admin('GET', `/usage?groupBy=principal,day&bucket=${bucket}`);
    expect(byPrincipalDay.json.rows).toEqual([{ principal: credentials.accessKeyId, day: today, requests: 8, bytesIn: 32_100, bytesOut: out, errors: 1 }]);

    // A second flush adds to the same rows rather than replacing them.
    await send(app, await signer.sign(`https://gateway.test/${bucket}/u/0`, { method: 'HEAD' }));
    await buffer.flush(env);
    const byBucket = await admin('GET', `/usage?groupBy=bucket&bucket=${bucket}`);
    expect(byBucket.json.rows).toEqual([{ bucket, requests: 9, bytesIn: 32_100, bytesOut: out, errors: 1 }]);
  });

  it('flushes by itself once it holds maxRows aggregates', async () => {
    const small = new UsageBuffer({ maxRows: 2, maxAgeMs: 1_000_000_000 });
    const own = createApp({ hooks: [usageRecorder(small)] });
    await send(own, await put(signer, `/${bucket}/auto`, 'abc'));
    expect((await admin('GET', `/usage?groupBy=operation&bucket=${bucket}&principal=${credentials.accessKeyId}`)).json.rows.find((r: any) => r.operation === 'HeadBucket')).toBeUndefined();
    await send(own, await signer.sign(`https://gateway.test/${bucket}`, { method: 'HEAD' }));
    const rows = (await admin('GET', `/usage?groupBy=operation&bucket=${bucket}`)).json.rows;
    expect(rows.find((r: any) => r.operation === 'HeadBucket')).toEqual({ operation: 'HeadBucket', requests: 1, bytesIn: 0, bytesOut: 0, errors: 0 });
  });

  it('records to Analytics Engine instead when USAGE is bound, and the endpoint says it reads D1 only', async () => {
    const points: AnalyticsEngineDataPoint[] = [];
    const withAe = { ...env, USAGE: { writeDataPoint: (p?: AnalyticsEngineDataPoint) => void points.push(p!) } };
    const aeBuffer = new UsageBuffer(never);
    const ae = createApp({ hooks: [usageRecorder(aeBuffer)] });
    const ctx = createExecutionContext();
    const response = await ae.fetch(await put(signer, `/${bucket}/ae`, 'twelve bytes'), withAe, ctx);
    await response.arrayBuffer();
    await waitOnExecutionContext(ctx);
    expect(points).toEqual([{ indexes: [bucket], blobs: [bucket, credentials.accessKeyId, 'PutObject', 's3-path', ''], doubles: [1, 12, 0, 0, expect.any(Number)] }]);
    expect(aeBuffer.due(Number.MAX_SAFE_INTEGER)).toBe(false);

    const adminCtx = createExecutionContext();
    const answer = await createApp({ hooks: [] }).fetch(new Request('https://gateway.test/admin/v1/usage', { headers: { authorization: 'Bearer test-admin-token' } }), withAe, adminCtx);
    const json = (await answer.json()) as { source: string; note?: string };
    expect(json.source).toBe('d1');
    expect(json.note).toMatch(/Analytics Engine/);
  });

  it('refuses bad queries with field errors', async () => {
    for (const query of ['groupBy=colour', 'from=2026-13', 'from=2026-02-02&to=2026-01-01', 'groupBy=bucket&extra=1']) {
      const r = await admin('GET', `/usage?${query}`);
      expect(r.status, query).toBe(400);
      expect(r.json.error.code).toBe('InvalidRequest');
      expect(Object.keys(r.json.error.fields ?? {}).length, query).toBeGreaterThan(0);
    }
  });
});
