import type { Env as WorkerEnv } from '../src/env';

declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {
      STORAGE_B: R2Bucket;
      /** A small S3 limiter only test/worker/limits.test.ts uses (vitest.config.ts): trips in few requests. */
      S3_RATE_LIMITER_SMALL: RateLimit;
      TEST_MIGRATIONS: import('cloudflare:test').D1Migration[];
    }
  }
}
