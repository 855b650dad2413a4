import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boto3Current } from './support/clients';
import { MiB, removeDir, tempDir } from './support/files';
import { admin, gateway, uniqueBucket } from './support/gateway';
import { awsClientEnv, succeed } from './support/process';
import { gatewayWorkerdPids, type RssSamples, sampleRss } from './support/workerd-memory';

const SCRIPT = fileURLToPath(new URL('./python/boto3_copy.py', import.meta.url));
const SIZE_MIB = 150;
/**
 * How much the gateway's workerd processes (the Worker, wrangler's proxy and the local R2 simulator
 * all live in them) may grow while one copy runs. Whole-object buffering would add at least the
 * object (150 MiB); the streamed copy measured 30–70 MiB here, mostly allocator high-water that
 * RSS does not give back.
 */
const MAX_GROWTH = 96 * MiB;

/**
 * A 150 MiB object copied with boto3 copy_object from a bucket on STORAGE to one on STORAGE_B and
 * back, through the dev gateway: byte-identical, and workerd's memory stays flat meanwhile.
 */
describe('cross-backend CopyObject, 150 MiB, boto3', () => {
  let work: string;
  let result: Record<string, any>;
  let memory: RssSamples;

  beforeAll(async () => {
    const python = await boto3Current();
    work = await tempDir('copy-large');
    const source = uniqueBucket('copy-src');
    const other = uniqueBucket('copy-dst');
    expect((await admin('POST', '/buckets', { name: source })).status).toBe(201);
    expect((await admin('POST', '/buckets', { name: other, backend: { type: 'r2', binding: 'STORAGE_B', prefix: `e2e/${other}/` } })).status).toBe(201);
    const key = await admin('POST', '/keys', {
      displayName: 'copy-large e2e',
      statements: [{ effect: 'allow', actions: ['s3:*'], resources: [source, `${source}/*`, other, `${other}/*`] }],
    });
    expect(key.status).toBe(201);
    const { endpoint } = gateway();
    const pids = await gatewayWorkerdPids(Number(new URL(endpoint).port));
    expect(pids.length).toBeGreaterThan(0);
    const sampler = sampleRss(pids);
    const env = awsClientEnv(work, { AWS_ACCESS_KEY_ID: key.json.accessKeyId, AWS_SECRET_ACCESS_KEY: key.json.secretAccessKey });
    try {
      const { stdout } = await succeed(python.path, [SCRIPT, endpoint, source, other, work, String(SIZE_MIB)], { env, timeoutMs: 900_000 });
      result = JSON.parse(stdout);
    } finally {
      memory = await sampler.stop();
    }
  }, 900_000);
  afterAll(() => removeDir(work));

  it('copies there and back byte-identically', () => {
    expect(result.thereSha256).toBe(result.uploaded);
    expect(result.backSha256).toBe(result.uploaded);
    expect(result.backSize).toBe(SIZE_MIB * MiB);
    // Above 100 MiB the copy is written in parts.
    expect(result.there.etag).toMatch(/-\d+"$/);
  });

  it('keeps workerd memory flat during each copy', () => {
    const { samples, lostAt } = memory;
    for (const copy of [result.there, result.back]) {
      // The window must have been sampled from start to end in the same processes.
      expect(lostAt === undefined || lostAt > copy.end * 1000, `workerd restarted at ${lostAt} during the copy`).toBe(true);
      const during = samples.filter(([t]) => t >= copy.start * 1000 && t <= copy.end * 1000).map(([, v]) => v);
      const baseline = samples.filter(([t]) => t < copy.start * 1000).at(-1)?.[1] ?? samples[0]![1];
      expect(during.length).toBeGreaterThan(3);
      const growth = Math.max(...during) - baseline;
      console.log(`copy ${copy.start} (${copy.retries} retries): ${during.length} samples, peak growth ${(growth / MiB).toFixed(1)} MiB over ${(baseline / MiB).toFixed(1)} MiB`);
      expect(growth).toBeLessThan(MAX_GROWTH);
    }
  });
});
