import type { Env } from '../env';
import { parseAllowList } from './endpoint-guard';
import { r2Driver } from './r2/driver';
import { S3Backend } from './s3/backend';
import type { S3DriverConfig } from './s3/config';
import { s3Driver } from './s3/driver';

/** Every storage driver, by type. Each one's entry lives in its own folder. */
export const DRIVERS = {
  r2: r2Driver,
  s3: s3Driver,
} as const;

/** An S3-compatible upstream with credentials already resolved (by a connection or federation). Does no I/O. */
export function openS3Backend(env: Env, config: S3DriverConfig): S3Backend {
  return new S3Backend(config, parseAllowList(env.ALLOWED_UPSTREAM_HOSTS));
}

// PLACEHOLDER (dropped at merge; the real functions come from wip-azure / wip-webdav).
export function openAzureBackend(_env: Env, _config: import('./azure/config').AzureDriverConfig): import('./backend').Backend {
  throw new Error('placeholder: the azure driver has not landed');
}
export function openWebDavBackend(_env: Env, _config: import('./webdav/config').WebDavDriverConfig): import('./backend').Backend {
  throw new Error('placeholder: the webdav driver has not landed');
}
