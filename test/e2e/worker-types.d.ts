/**
 * The e2e suite type-checks with Node's types, but federation.test.ts runs gateway code (src/sts,
 * src/storage/s3) in Node. That code only *names* these Workers types in signatures it does not
 * use here; these declarations let it type-check without pulling the Workers type library (which
 * clashes with Node's) into the suite. WebCrypto types map to Node's own WebCrypto.
 */
import type { webcrypto } from 'node:crypto';

declare global {
  interface CryptoKey extends webcrypto.CryptoKey {}
  interface JsonWebKey extends webcrypto.JsonWebKey {}
  interface D1Database {}
  interface KVNamespace {}
  interface R2Bucket {}
  interface RateLimit {}
  interface AnalyticsEngineDataset {}
  interface ExecutionContext {}
}
