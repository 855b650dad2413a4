import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * `npm run test:e2e`: real S3 clients (aws cli v1 and v2, boto3 old and new, rclone, s3cmd) as
 * child processes against one gateway started by scripts/dev.mjs (test/e2e/global-setup.ts).
 * Runs in Node, not in workerd: the clients are programs on this machine.
 *
 * Two projects, run one after the other: `e2e` runs every file against a gateway whose buckets
 * live in its R2 binding; `s3-upstream` runs the client suites again, unchanged, against a gateway
 * whose default backend is a second bucketgate reached over keyless federation (global-setup.ts),
 * then checks through that upstream that the objects are really there.
 */
const CLIENT_SUITES = ['aws-cli-v1', 'aws-cli-v2', 'boto3-current', 'boto3-legacy', 'rclone', 's3cmd'].map((name) => `test/e2e/${name}.test.ts`);
/** Runs after the client suites of its project: it inspects what they left on instance B. */
const UPSTREAM_CHECK = 'test/e2e/upstream/objects-on-upstream.test.ts';

/** The default order (per project, longest first), with the upstream check moved to the end. */
class UpstreamCheckLast extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const isCheck = (file: TestSpecification) => file.moduleId.endsWith(UPSTREAM_CHECK);
    return [...sorted.filter((f) => !isCheck(f)), ...sorted.filter(isCheck)];
  }
}

const shared = {
  globalSetup: './test/e2e/global-setup.ts',
  pool: 'forks' as const,
  testTimeout: 240_000,
  hookTimeout: 240_000,
};

export default defineConfig({
  test: {
    // One file at a time, so no client's results depend on what else ran alongside: on wrangler
    // 4.86 parallel files got 503 "worker restarted mid-request"; on 4.164 two files at once gave
    // no 503 but were not faster on two cores, and the copy test's workerd-memory check measured
    // the neighbouring file's uploads too (ADR 0012).
    maxWorkers: 1,
    fileParallelism: false,
    sequence: { sequencer: UpstreamCheckLast },
    projects: [
      { test: { ...shared, name: 'e2e', include: ['test/e2e/*.test.ts'] } },
      {
        test: {
          ...shared,
          name: 's3-upstream' /* S3_UPSTREAM_PROJECT in test/e2e/support/upstream-default.ts */,
          include: [...CLIENT_SUITES, UPSTREAM_CHECK],
          // Every client request is two gateway requests here (A, then B); on the loaded two-core
          // machine aws cli's 1100-key test took over 240 s this way.
          testTimeout: 480_000,
        },
      },
    ],
  },
});
