import type { Env } from '../env';
import type { BackendConfig } from '../registry/schemas';
import { S3Error } from '../core/s3-error';
import type { Backend } from './backend';
import { parseAllowList } from './endpoint-guard';
import { R2Backend } from './r2';
import type { S3DriverConfig } from './s3/config';
import { S3Backend } from './s3/driver';

/** The storage behind a bucket, chosen by its backend config. Opening does no I/O. */
export function openBackend(env: Env, config: BackendConfig): Backend {
  switch (config.type) {
    case 'r2': {
      const binding = (env as unknown as Record<string, unknown>)[config.binding];
      if (!isR2Bucket(binding)) {
        // The config names a binding this deployment lacks: an operator error, never the client's.
        console.error(JSON.stringify({ level: 'error', msg: 'bucket backend names a missing R2 binding', binding: config.binding }));
        throw new S3Error('InternalError', "The bucket's storage is not available. Please contact the administrator.");
      }
      return new R2Backend(binding, config.prefix);
    }
  }
}

function isR2Bucket(value: unknown): value is R2Bucket {
  const candidate = value as Partial<Record<keyof R2Bucket, unknown>> | null | undefined;
  return typeof candidate?.get === 'function' && typeof candidate.createMultipartUpload === 'function';
}

/**
 * The storage of an S3-compatible upstream, with credentials already resolved. Not yet reachable
 * from a bucket's config: connections in the registry come with the storage-layer rework (issue 8).
 */
export function openS3Backend(env: Env, config: S3DriverConfig): S3Backend {
  return new S3Backend(config, parseAllowList(env.ALLOWED_UPSTREAM_HOSTS));
}
