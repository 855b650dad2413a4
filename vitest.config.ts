import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';

/**
 * `npm test`: unit tests of pure code and whole-Worker integration tests, all inside workerd with
 * local D1/KV/R2 from wrangler.toml. The real-client end-to-end suite is vitest.e2e.config.ts.
 */
/**
 * @aws-sdk/xml-builder maps its XML parser to a DOMParser-based one for browsers; workerd has no
 * DOMParser, so the SDK driving the Worker in tests uses its portable (Node) parser instead.
 */
const sdkXmlParserForWorkerd: Plugin = {
  name: 'sdk-xml-parser-for-workerd',
  enforce: 'pre',
  resolveId(source, importer) {
    if (source === './xml-parser' && importer?.includes('@aws-sdk/xml-builder')) {
      return importer.replace(/[^/\\]+$/, 'xml-parser.js');
    }
    return undefined;
  },
};

export default defineConfig(async () => {
  const migrations = await readD1Migrations('migrations');
  return {
    plugins: [
      sdkXmlParserForWorkerd,
      cloudflareTest({
        main: './src/index.ts',
        wrangler: { configPath: './wrangler.toml' },
        miniflare: {
          bindings: {
            MASTER_KEY: 'test-master-key-0123456789abcdef0123456789abcdef',
            ADMIN_TOKEN: 'test-admin-token',
            TEST_MIGRATIONS: migrations,
            // The STS tests' OIDC issuer (test/oidc/global-setup.ts) is http on 127.0.0.1.
            ALLOW_INSECURE_ISSUERS: 'true',
            // A small STS limit with the shortest period, so the throttling test trips and recovers in seconds.
            STS_RATE_LIMIT_PERIOD: '10',
            S3_RATE_LIMIT: '500',
            S3_RATE_LIMIT_PERIOD: '10',
            // The storage contract suite's upstreams (test/storage/upstreams/global-setup.ts) are http on 127.0.0.1.
            ALLOWED_UPSTREAM_HOSTS: '127.0.0.1',
            // A Worker secret a secret_ref storage connection names (test/worker/connection-buckets.test.ts): s3rver's account.
            UPSTREAM_S3RVER_KEYS: '{"accessKeyId":"S3RVER","secretAccessKey":"S3RVER"}',
          },
          ratelimits: {
            STS_RATE_LIMITER: { namespace_id: '1001', simple: { limit: 5, period: 10 } },
            // S3 per caller: high enough for every suite. The limits test swaps in the small one.
            S3_RATE_LIMITER: { namespace_id: '1002', simple: { limit: 500, period: 10 } },
            S3_RATE_LIMITER_SMALL: { namespace_id: '1003', simple: { limit: 20, period: 10 } },
          },
          r2Buckets: ['STORAGE', 'STORAGE_B'],
        },
      }),
    ],
    test: {
      include: ['test/unit/**/*.test.ts', 'test/worker/**/*.test.ts', 'test/storage/**/*.test.ts'],
      setupFiles: ['./test/worker/setup.ts'],
      globalSetup: ['./test/oidc/global-setup.ts', './test/storage/upstreams/global-setup.ts', './test/usage/global-setup.ts'],
      testTimeout: 60_000,
      // Setup hooks upload fixtures (10 MiB and more) through the Worker; on a loaded 2-core machine
      // that outlasts vitest's 10 s default without anything being wrong.
      hookTimeout: 60_000,
      // The Worker logs one line per request (src/hooks/request-log.ts); thousands of them would bury
      // the report. Its shape is tested with its own sink in test/worker/request-hooks.test.ts.
      onConsoleLog: (log: string) => !log.includes('"msg":"request"'),
    },
  };
});
