import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BaselineCopies, measureBaselineCopies } from './support/baseline-copy';
import { boto3Current } from './support/clients';
import { MiB, removeDir, tempDir } from './support/files';
import { admin, gateway, uniqueBucket } from './support/gateway';
import { awsClientEnv, succeed } from './support/process';
import { gatewayWorkerdPids, peakGrowth, type RssSamples, sampleRss, type Window } from './support/workerd-memory';

const SCRIPT = fileURLToPath(new URL('./python/boto3_copy.py', import.meta.url));
const SIZE_MIB = 150;
/**
 * How much more the gateway's workerd processes may grow during a copy than the bare baseline
 * Worker's (bench/baseline-worker.ts) grow for the same R2 → R2 copy under the same wrangler dev,
 * measured in this run. Both include wrangler's proxy and the local R2 simulator, whose cost depends
 * on the workerd release (ADR 0010, amendment 2026-11-28); the difference is what the gateway's own
 * code adds. Buffering the object would add at least its 150 MiB.
 */
const MAX_EXCESS = 64 * MiB;

const seconds = (w: { start: number; end: number }): Window => ({ start: w.start * 1000, end: w.end * 1000 });
const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;

/**
 * A 150 MiB object copied with boto3 copy_object from a bucket on STORAGE to one on STORAGE_B and
 * back, through the dev gateway: byte-identical, and workerd's memory grows no more than a bare
 * Worker's does for the same copy.
 */
describe('cross-backend CopyObject, 150 MiB, boto3', () => {
  let work: string;
  let result: Record<string, any>;
  let memory: RssSamples;
  let baseline: BaselineCopies;

  beforeAll(async () => {
    const python = await boto3Current();
    work = await tempDir('copy-large');
    baseline = await measureBaselineCopies(work, SIZE_MIB * MiB);
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

  it('grows workerd memory no more than a bare Worker does for the same copy', () => {
    const copies = [
      { name: 'there', gateway: seconds(result.there), bare: baseline.there, retries: result.there.retries },
      { name: 'back', gateway: seconds(result.back), bare: baseline.back, retries: result.back.retries },
    ];
    for (const copy of copies) {
      const ours = peakGrowth(memory, copy.gateway);
      const bare = peakGrowth(baseline.memory, copy.bare);
      console.log(
        `copy ${copy.name} (${copy.retries} retries): gateway +${mib(ours)} in ${copy.gateway.end - copy.gateway.start} ms, ` +
          `bare Worker +${mib(bare)} in ${copy.bare.end - copy.bare.start} ms, excess ${mib(ours - bare)}`,
      );
      expect(ours - bare).toBeLessThan(MAX_EXCESS);
    }
  });
});
