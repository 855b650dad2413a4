import { createServer } from 'node:net';
import type { TestProject } from 'vitest/node';
import { startFaultServer } from './fault-server';
import { startS3rver } from './s3rver-process';

/** Bucket the s3rver runner stores into; each test works under its own key prefix in it. */
export const S3RVER_BUCKET = 'contract';

/**
 * vitest globalSetup: the real servers the storage contract suite runs the `s3` driver against —
 * s3rver (a local S3 implementation on disk) and a deliberately faulty upstream — on 127.0.0.1
 * with free ports, plus a port nothing listens on. The worker reaches them because vitest.config.ts
 * allow-lists 127.0.0.1 (ALLOWED_UPSTREAM_HOSTS).
 */
export default async function setup(project: TestProject) {
  const s3rver = await startS3rver(S3RVER_BUCKET);
  const faults = await startFaultServer();
  project.provide('s3rverUrl', s3rver.url);
  project.provide('faultyUpstreamUrl', faults.url);
  project.provide('closedUpstreamUrl', `http://127.0.0.1:${await closedPort()}`);
  return async () => {
    await s3rver.stop();
    await faults.close();
  };
}

/** A port that was free a moment ago and that nothing listens on: connections to it are refused. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

declare module 'vitest' {
  export interface ProvidedContext {
    s3rverUrl: string;
    faultyUpstreamUrl: string;
    closedUpstreamUrl: string;
  }
}
