import type { Env } from '../env';
import { AzureBackend } from './azure/backend';
import type { AzureDriverConfig } from './azure/config';
import { azureDriver } from './azure/driver';
import type { Backend } from './backend';
import { parseAllowList } from './endpoint-guard';
import { r2Driver } from './r2/driver';
import { S3Backend } from './s3/backend';
import type { S3DriverConfig } from './s3/config';
import { s3Driver } from './s3/driver';
import { WebDavBackend } from './webdav/backend';
import type { WebDavDriverConfig } from './webdav/config';
import { webdavDriver } from './webdav/driver';

/** Every storage driver, by type. Each one's entry lives in its own folder. */
export const DRIVERS = {
  r2: r2Driver,
  s3: s3Driver,
  azure: azureDriver,
  webdav: webdavDriver,
} as const;

/** An S3-compatible upstream with credentials already resolved (by a connection or federation). Does no I/O. */
export function openS3Backend(env: Env, config: S3DriverConfig): S3Backend {
  return new S3Backend(config, parseAllowList(env.ALLOWED_UPSTREAM_HOSTS));
}

/** An Azure Blob container with its authorization already resolved (by a connection or federation). Does no I/O. */
export function openAzureBackend(env: Env, config: AzureDriverConfig): AzureBackend {
  return new AzureBackend(config, parseAllowList(env.ALLOWED_UPSTREAM_HOSTS));
}

/** A WebDAV location with credentials already resolved (by a connection). Does no I/O. */
export function openWebDavBackend(env: Env, config: WebDavDriverConfig): Backend {
  return new WebDavBackend(config, parseAllowList(env.ALLOWED_UPSTREAM_HOSTS));
}
