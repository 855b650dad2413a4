import type { RequestBody } from '../auth/identity';
import type { Principal } from '../auth/principal';
import type { Backend } from '../storage/backend';
import type { Env } from '../env';
import type { BucketConfig } from '../registry/schemas';
import type { S3Operation } from './operation';

/** Everything an operation handler needs, assembled by the lifecycle before dispatch. */
export interface S3Context {
  env: Env;
  executionCtx: ExecutionContext;
  request: Request;
  op: S3Operation;
  principal: Principal;
  /** The resolved bucket; absent for service-level operations and CreateBucket. */
  bucket?: BucketConfig;
  /** The bucket's storage; present whenever `bucket` is. */
  backend?: Backend;
  body: RequestBody | null;
  requestId: string;
  now: Date;
  /**
   * Keys besides the request's own that the handler changed, for operations whose table entry
   * (src/s3/operations.ts) says the edge cache drops `keys`: DeleteObjects adds the keys it deleted.
   */
  changedKeys: string[];
}

export type S3Handler = (c: S3Context) => Promise<Response>;

/** For handlers that only run on bucket operations: the lifecycle guarantees both are set. */
export function bucketOf(c: S3Context): { bucket: BucketConfig; backend: Backend } {
  if (!c.bucket || !c.backend) throw new Error(`${c.op.action} dispatched without a resolved bucket`);
  return { bucket: c.bucket, backend: c.backend };
}

/** For handlers that only run on object operations. */
export function keyOf(c: S3Context): string {
  if (c.op.key === undefined) throw new Error(`${c.op.action} dispatched without a key`);
  return c.op.key;
}
