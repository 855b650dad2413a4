import { defineConfig } from 'vitest/config';

/**
 * `npm run test:e2e`: real S3 clients (aws cli v1 and v2, boto3 old and new, rclone, s3cmd) as
 * child processes against one gateway started by scripts/dev.mjs (test/e2e/global-setup.ts).
 * Runs in Node, not in workerd: the clients are programs on this machine.
 */
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    globalSetup: ['./test/e2e/global-setup.ts'],
    pool: 'forks',
    // One file at a time, so no client's results depend on what else ran alongside: on wrangler
    // 4.86 parallel files got 503 "worker restarted mid-request"; on 4.164 two files at once gave
    // no 503 but were not faster on two cores, and the copy test's workerd-memory check measured
    // the neighbouring file's uploads too (ADR 0012).
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 240_000,
    hookTimeout: 240_000,
  },
});
