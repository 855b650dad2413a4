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
    // One file at a time: wrangler dev's local proxy answers 503 "worker restarted mid-request"
    // when large uploads from several clients saturate the two cores, which would make the
    // clients' results depend on what else happened to run alongside them.
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 240_000,
    hookTimeout: 240_000,
  },
});
