import { z } from 'zod';
import { log } from '../../core/log';
import type { Backend } from '../backend';
import type { Driver, DriverContext } from '../driver-types';
import { StorageError } from '../errors';
import { R2Backend } from './backend';

/** A virtual bucket in an R2 binding of this deployment, under a key prefix. */
export const R2BackendConfig = z.object({
  type: z.literal('r2'),
  /** Name of the R2 binding in wrangler.toml. */
  binding: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an R2 binding name like STORAGE'),
  /** Key prefix inside the R2 bucket, so several virtual buckets can share one. */
  prefix: z.string().max(512).default(''),
});
export type R2BackendConfig = z.infer<typeof R2BackendConfig>;

function binding(ctx: DriverContext, config: R2BackendConfig): R2Bucket {
  const candidate = (ctx.env as unknown as Record<string, unknown>)[config.binding];
  if (!isR2Bucket(candidate)) {
    // The config names a binding this deployment lacks: an operator error, never the client's.
    log.error('bucket backend names a missing R2 binding', { binding: config.binding });
    throw new StorageError('misconfigured');
  }
  return candidate;
}

function isR2Bucket(value: unknown): value is R2Bucket {
  const candidate = value as Partial<Record<keyof R2Bucket, unknown>> | null | undefined;
  return typeof candidate?.get === 'function' && typeof candidate.createMultipartUpload === 'function';
}

export const r2Driver: Driver<R2BackendConfig> = {
  type: 'r2',
  configSchema: R2BackendConfig,
  async open(ctx, config): Promise<Backend> {
    return new R2Backend(binding(ctx, config), config.prefix);
  },
  async validate(ctx, config) {
    binding(ctx, config);
  },
};
