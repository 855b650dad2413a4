import type { Env as WorkerEnv } from '../src/env';

declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {
      STORAGE_B: R2Bucket;
      TEST_MIGRATIONS: import('cloudflare:test').D1Migration[];
    }
  }
}
