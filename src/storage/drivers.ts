import { z } from 'zod';
import type { Env } from '../env';
import type { Backend } from './backend';
import { parseAllowList } from './endpoint-guard';
import { R2BackendConfig, r2Driver } from './r2/driver';
import { S3Backend } from './s3/backend';
import type { S3DriverConfig } from './s3/config';
import { s3Driver } from './s3/driver';

/** Every storage driver, by type. Each one's entry lives in its own folder. */
export const DRIVERS = {
  r2: r2Driver,
  s3: s3Driver,
} as const;

/**
 * Where a virtual bucket's objects live, as the registry stores it: the union of the bucket-placeable
 * drivers' config schemas. `s3` joins when buckets can reference a storage connection (its
 * credentials resolved from the registry); until then it is opened with `openS3Backend`.
 */
export const BackendConfig = z.discriminatedUnion('type', [R2BackendConfig]);
export type BackendConfig = z.infer<typeof BackendConfig>;

/** The storage behind a bucket, chosen by its backend config. Throws StorageError('misconfigured') for an unusable config. */
export async function openBackend(env: Env, config: BackendConfig): Promise<Backend> {
  switch (config.type) {
    case 'r2':
      return DRIVERS.r2.open({ env }, config, undefined);
  }
}

/** An S3-compatible upstream with credentials already resolved (by a connection or federation). Does no I/O. */
export function openS3Backend(env: Env, config: S3DriverConfig): S3Backend {
  return new S3Backend(config, parseAllowList(env.ALLOWED_UPSTREAM_HOSTS));
}
