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
    // Three files at a time on two cores: most of a client's time is spent waiting on the gateway
    // (locally botocore pauses 1 s before each PUT body, see support/aws-cli-suite.ts).
    maxWorkers: 3,
    testTimeout: 240_000,
    hookTimeout: 240_000,
  },
});
