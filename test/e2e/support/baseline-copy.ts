import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
// The benchmark's process helpers: start the bare Worker (bench/baseline-worker.ts) under the same
// wrangler dev as the gateway and name its workerd processes.
// @ts-expect-error -- plain ES module with JSDoc types, outside this TypeScript project
import { freePort, startBaseline } from '../../../bench/lib/processes.mjs';
import { sampleRss, type RssSamples, type Window } from './workerd-memory';

export interface BaselineCopies {
  memory: RssSamples;
  there: Window;
  back: Window;
}

async function timedCopy(url: string, to: string, from: string): Promise<Window> {
  const start = Date.now();
  const response = await fetch(`${url}${to}`, { method: 'PUT', headers: { 'x-copy-source': from } });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`baseline copy ${from} → ${to} answered ${response.status}`);
  return { start, end: Date.now() };
}

/**
 * The bare Worker's side of the copy comparison: a random object of `size` bytes copied R2 → R2
 * (STORAGE → UPLOADS and back, the gateway's part size) while the summed RSS of its workerd
 * processes — its own runtime with the local R2 simulator, and wrangler's proxy, as for the
 * gateway — is sampled. Runs in its own wrangler dev and --persist-to under `work`, stopped after.
 */
export async function measureBaselineCopies(work: string, size: number): Promise<BaselineCopies> {
  const port: number = await freePort();
  const server = await startBaseline({ port, persistTo: join(work, 'baseline-state'), logPath: join(work, 'baseline.log') });
  try {
    const upload = await fetch(`${server.url}/STORAGE/original.bin`, { method: 'PUT', body: randomBytes(size) });
    await upload.arrayBuffer();
    if (upload.status !== 200) throw new Error(`baseline upload answered ${upload.status}`);
    const pids = [server.workerd.runtime, server.workerd.proxy].filter((pid): pid is number => pid !== undefined);
    const sampler = sampleRss(pids);
    try {
      // Settle, so the sample before the first copy is not the upload's tail.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const there = await timedCopy(server.url, '/UPLOADS/copy.bin', '/STORAGE/original.bin');
      const back = await timedCopy(server.url, '/STORAGE/round-trip.bin', '/UPLOADS/copy.bin');
      return { memory: await sampler.stop(), there, back };
    } catch (error) {
      await sampler.stop();
      throw error;
    }
  } finally {
    await server.stop();
  }
}
