import type { GatewayInfo } from './gateway';

/** The vitest project that re-runs the client suites with A's default backend on instance B. */
export const S3_UPSTREAM_PROJECT = 's3-upstream';
/** B's bucket that holds every bucket A creates, each under `<UPSTREAM_PREFIX>buckets/<name>/`. */
export const UPSTREAM_BUCKET = 'upstream';
export const UPSTREAM_PREFIX = 'e2e/';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Instance B, in the s3-upstream project only. */
    upstream?: GatewayInfo;
  }
}
