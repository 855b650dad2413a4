import type { Env } from '../env';
import type { BackendConfig } from '../registry/schemas';
import { S3Error } from '../s3/errors';
import type { Backend } from './backend';
import { R2Backend } from './r2';

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
