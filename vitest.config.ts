import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

/**
 * `npm test`: unit tests of pure code and whole-Worker integration tests, all inside workerd with
 * local D1/KV/R2 from wrangler.toml. The real-client end-to-end suite is vitest.e2e.config.ts.
 */
export default defineConfig(async () => {
  const migrations = await readD1Migrations('migrations');
  return {
    plugins: [
      cloudflareTest({
        main: './src/index.ts',
        wrangler: { configPath: './wrangler.toml' },
        miniflare: {
          bindings: {
            MASTER_KEY: 'test-master-key-0123456789abcdef0123456789abcdef',
            ADMIN_TOKEN: 'test-admin-token',
            TEST_MIGRATIONS: migrations,
          },
          r2Buckets: ['STORAGE', 'STORAGE_B'],
        },
      }),
    ],
    test: {
      include: ['test/unit/**/*.test.ts', 'test/worker/**/*.test.ts'],
      setupFiles: ['./test/worker/setup.ts'],
      testTimeout: 60_000,
    },
  };
});
