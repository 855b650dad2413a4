import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { createApp } from '../../src/app';
import type { Env } from '../../src/env';
import type { RequestInfo } from '../../src/hooks/request-hooks';
import { UsageBuffer } from '../../src/usage/d1-buffer';
import { usageRecorder } from '../../src/usage/hook';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The fake Analytics Engine SQL API (test/usage/global-setup.ts). */
    analyticsEngineSql: { url: string; base: string; account: string; token: string };
  }
}

/**
 * GET /admin/v1/usage read from Analytics Engine through its SQL API (adrs/0024), against the fake
 * of test/usage/analytics-engine-sql-fake.ts. The same usage records go through the real usage
 * hook into both sinks — D1's batch and the data points USAGE would receive — and the endpoint
 * must answer the same sums from either; filter values can never reach the SQL text unchecked.
 */

const api = inject('analyticsEngineSql');
const run = crypto.randomUUID().slice(0, 8);
/** A table of its own in the fake: nothing else writes there. */
const dataset = `usage_${run}`;
const principal = `ci-role/run-${run}`;
const buckets = [`aea-${run}`, `aeb-${run}`];
const never = { maxRows: 1_000_000, maxAgeMs: 1_000_000_000 };

function aeEnv(overrides: Partial<Env> = {}): Env {
  const USAGE = { writeDataPoint: () => undefined } as unknown as AnalyticsEngineDataset;
  return { ...env, USAGE, USAGE_SQL_ACCOUNT_ID: api.account, USAGE_SQL_API_TOKEN: api.token, USAGE_SQL_API_BASE: api.base, USAGE_DATASET: dataset, ...overrides };
}

async function usage(query: string, withEnv: Env): Promise<{ status: number; json: any; text: string }> {
  const ctx = createExecutionContext();
  const request = new Request(`https://gateway.test/admin/v1/usage?${query}`, { headers: { authorization: 'Bearer test-admin-token' } });
  const response = await createApp({ hooks: [] }).fetch(request, withEnv, ctx);
  const text = await response.text();
  await waitOnExecutionContext(ctx);
  return { status: response.status, json: text ? JSON.parse(text) : null, text };
}

async function queriesReceived(): Promise<string[]> {
  return (await (await fetch(`${api.url}/_fake/queries`)).json()) as string[];
}

async function writePoints(points: { timestamp: string; sampleInterval?: number; indexes?: string[]; blobs?: string[]; doubles?: number[] }[]) {
  const r = await fetch(`${api.url}/_fake/points`, { method: 'POST', body: JSON.stringify({ account: api.account, dataset, points }) });
  expect(r.status).toBe(204);
}

/** One request as the hooks see it once its body ended. */
interface Scripted {
  at: string;
  bucket: string;
  operation: string;
  status: number;
  bytesIn: number;
  bytesOut: number;
  who?: string;
}

const script: Scripted[] = [
  { at: '2026-10-30T08:00:00Z', bucket: buckets[0]!, operation: 'PutObject', status: 200, bytesIn: 100, bytesOut: 0 },
  { at: '2026-10-30T23:59:59Z', bucket: buckets[0]!, operation: 'GetObject', status: 200, bytesIn: 0, bytesOut: 100 },
  { at: '2026-10-31T00:00:00Z', bucket: buckets[0]!, operation: 'GetObject', status: 404, bytesIn: 0, bytesOut: 243 },
  { at: '2026-10-31T12:30:00Z', bucket: buckets[1]!, operation: 'PutObject', status: 200, bytesIn: 5_000_000, bytesOut: 0 },
  { at: '2026-10-31T12:31:00Z', bucket: buckets[1]!, operation: 'PutObject', status: 200, bytesIn: 7, bytesOut: 0 },
  { at: '2026-11-01T03:00:00Z', bucket: buckets[1]!, operation: 'ListObjectsV2', status: 200, bytesIn: 0, bytesOut: 1234 },
  { at: '2026-11-01T04:00:00Z', bucket: buckets[1]!, operation: 'GetObject', status: 403, bytesIn: 0, bytesOut: 300, who: `other/run-${run}` },
];

function infoOf(s: Scripted): RequestInfo {
  return {
    requestId: crypto.randomUUID(), frontDoor: 's3-path', startedAt: Date.parse(s.at), bucket: s.bucket, principal: s.who ?? principal,
    operation: s.operation, bytesIn: s.bytesIn, bytesOut: s.bytesOut, durationMs: 3, ...(s.status >= 400 ? { errorCode: 'NoSuchKey' } : {}),
  };
}

/** Runs the script through the usage hook twice: into D1 (flushed), and into USAGE's data points (written to the fake at the request's time). */
async function record(): Promise<void> {
  const buffer = new UsageBuffer(never);
  const toD1 = usageRecorder(buffer);
  const points: AnalyticsEngineDataPoint[] = [];
  const USAGE = { writeDataPoint: (p?: AnalyticsEngineDataPoint) => void points.push(p!) } as unknown as AnalyticsEngineDataset;
  const toAe = usageRecorder(new UsageBuffer(never));
  const timestamps: string[] = [];
  for (const s of script) {
    const request = new Request(`https://gateway.test/${s.bucket}/k`);
    await toD1.after!(request, new Response(null, { status: s.status }), { env, info: infoOf(s) });
    await toAe.after!(request, new Response(null, { status: s.status }), { env: { ...env, USAGE }, info: infoOf(s) });
    timestamps.push(s.at.replace('T', ' ').replace('Z', ''));
  }
  await buffer.flush(env);
  expect(points).toHaveLength(script.length);
  await writePoints(points.map((p, i) => ({ timestamp: timestamps[i]!, indexes: p.indexes as string[], blobs: p.blobs as string[], doubles: p.doubles as number[] })));
}

afterEach(() => vi.restoreAllMocks());

describe('GET /admin/v1/usage from Analytics Engine', () => {
  beforeAll(record);

  it('answers the same sums as the D1 path for the same records, for every grouping and filter', async () => {
    const queries = [
      `groupBy=bucket,operation,day&principal=${encodeURIComponent(principal)}&from=2026-10-01&to=2026-11-30`,
      `groupBy=day&bucket=${buckets[0]}&from=2026-10-30&to=2026-10-30`,
      `groupBy=principal,operation&bucket=${buckets[1]}&from=2026-10-01&to=2026-11-30`,
      `groupBy=operation,bucket&bucket=${buckets[1]}&from=2026-10-31&to=2026-11-01`,
      `groupBy=bucket,principal,operation,day&bucket=${buckets[0]}&from=2026-10-31&to=2026-10-31`,
    ];
    for (const query of queries) {
      const fromD1 = await usage(query, env);
      const fromAe = await usage(query, aeEnv());
      expect(fromD1.status, fromD1.text).toBe(200);
      expect(fromAe.status, fromAe.text).toBe(200);
      expect(fromD1.json.source).toBe('d1');
      expect(fromAe.json.source).toBe('analytics-engine');
      expect(fromAe.json.note).toBeUndefined();
      expect(fromAe.json.rows.length, query).toBeGreaterThan(0);
      expect(fromAe.json.rows, query).toEqual(fromD1.json.rows);
      expect({ ...fromAe.json, source: 'd1' }).toEqual(fromD1.json);
    }
    // The figures themselves, not only their agreement: the day boundary and the error count.
    const perDay = await usage(`groupBy=day&bucket=${buckets[0]}&from=2026-10-01&to=2026-11-30`, aeEnv());
    expect(perDay.json.rows).toEqual([
      { day: '2026-10-30', requests: 2, bytesIn: 100, bytesOut: 100, errors: 0 },
      { day: '2026-10-31', requests: 1, bytesIn: 0, bytesOut: 243, errors: 1 },
    ]);
  });

  it('weighs sampled points by their sample interval, as Cloudflare prescribes', async () => {
    const bucket = `aes-${run}`;
    await writePoints([
      { timestamp: '2026-11-02 10:00:00', sampleInterval: 10, indexes: [bucket], blobs: [bucket, principal, 'GetObject', 's3-path', ''], doubles: [1, 0, 50, 0, 2] },
      { timestamp: '2026-11-02 10:00:01', sampleInterval: 1, indexes: [bucket], blobs: [bucket, principal, 'GetObject', 's3-path', 'NoSuchKey'], doubles: [1, 0, 7, 1, 2] },
    ]);
    const r = await usage(`groupBy=bucket&bucket=${bucket}&from=2026-11-02&to=2026-11-02`, aeEnv());
    expect(r.status, r.text).toBe(200);
    expect(r.json.rows).toEqual([{ bucket, requests: 11, bytesIn: 0, bytesOut: 507, errors: 1 }]);
  });

  it('refuses filter values that could leave a string literal, before any query is sent', async () => {
    const before = (await queriesReceived()).length;
    for (const query of [
      `bucket=${encodeURIComponent("x' OR '1'='1")}`,
      `principal=${encodeURIComponent("a'); DROP TABLE x; --")}`,
      `principal=${encodeURIComponent('back\\slash')}`,
      `groupBy=${encodeURIComponent('bucket) FROM system.tables --')}`,
      'from=2026-02-30',
      `to=${encodeURIComponent("2026-01-01' OR 1=1")}`,
    ]) {
      const r = await usage(query, aeEnv());
      expect(r.status, query).toBe(400);
      expect(r.json.error.code).toBe('InvalidRequest');
      expect(Object.keys(r.json.error.fields ?? {}).length, query).toBeGreaterThan(0);
    }
    expect(await queriesReceived()).toHaveLength(before);
  });

  it('sends the token only as the bearer header: a refused query is a 502 that shows no token, logged without it', async () => {
    const lines: string[] = [];
    for (const method of ['log', 'warn', 'error'] as const) vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void lines.push(args.join(' ')));
    const wrongToken = `wrong-token-${run}`;
    const refused = await usage('groupBy=bucket', aeEnv({ USAGE_SQL_API_TOKEN: wrongToken }));
    expect(refused.status).toBe(502);
    expect(refused.json.error.code).toBe('UsageSourceUnavailable');
    expect(refused.json.error.message).toMatch(/answered 401/);

    const unknownTable = await usage('groupBy=bucket', aeEnv({ USAGE_DATASET: `missing_${run}` }));
    expect(unknownTable.status).toBe(502);
    expect(unknownTable.json.error.message).toMatch(/answered 400/);

    const wrongPath = await usage('groupBy=bucket', aeEnv({ USAGE_SQL_API_BASE: `${api.url}/elsewhere` }));
    expect(wrongPath.status).toBe(502);

    const everything = [refused.text, unknownTable.text, wrongPath.text, ...lines].join('\n');
    expect(lines.some((l) => l.includes('usage query failed'))).toBe(true);
    for (const token of [wrongToken, api.token]) expect(everything).not.toContain(token);
  });

  it('refuses a misconfigured source with 503 and sends nothing: a base the SSRF guard refuses, a malformed account id or dataset', async () => {
    const before = (await queriesReceived()).length;
    for (const overrides of [
      { USAGE_SQL_API_BASE: 'http://169.254.169.254/client/v4' },
      { USAGE_SQL_API_BASE: 'https://localhost/client/v4' },
      { USAGE_SQL_ACCOUNT_ID: 'not-an-account' },
      { USAGE_DATASET: 'usage; DROP TABLE x' },
    ]) {
      const r = await usage('groupBy=bucket', aeEnv(overrides));
      expect(r.status, JSON.stringify(overrides)).toBe(503);
      expect(r.json.error.code).toBe('UsageSourceMisconfigured');
    }
    expect(await queriesReceived()).toHaveLength(before);
  });

  it('reads D1 (and says why) when USAGE is bound but the SQL API is not configured', async () => {
    const r = await usage(`groupBy=bucket&bucket=${buckets[0]}&from=2026-10-01&to=2026-11-30`, aeEnv({ USAGE_SQL_ACCOUNT_ID: undefined, USAGE_SQL_API_TOKEN: undefined }));
    expect(r.status).toBe(200);
    expect(r.json.source).toBe('d1');
    expect(r.json.note).toMatch(/USAGE_SQL_ACCOUNT_ID/);
    expect(r.json.rows).toEqual([{ bucket: buckets[0], requests: 3, bytesIn: 100, bytesOut: 343, errors: 1 }]);
  });
});
