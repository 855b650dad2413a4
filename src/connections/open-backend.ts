import { log } from '../core/log';
import { parseAllowList } from '../storage/endpoint-guard';
import type { Backend } from '../storage/backend';
import { DRIVERS } from '../storage/drivers';
import { S3Backend } from '../storage/s3/backend';
import type { Env } from '../env';
import { getLiveConnection } from '../registry/connections';
import type { BackendConfig, S3BackendConfig } from '../registry/schemas';
import { S3Error } from '../core/s3-error';
import { CredentialUnavailableError, resolveCredentials } from './credentials';
import { s3DriverConfig } from './upstream';
import type { z } from 'zod';

/**
 * The storage behind a virtual bucket, chosen by its backend config: an R2 binding directly, an
 * S3-compatible store through its storage connection. `bucket` is the virtual bucket served —
 * keyless federation names it as the token's `sub` (adrs/0020).
 */
export async function openBackend(env: Env, config: BackendConfig, bucket?: string): Promise<Backend> {
  switch (config.type) {
    case 'r2':
      return DRIVERS.r2.open({ env }, config, undefined);
    case 's3':
      return openConnectionBackend(env, config, bucket);
  }
}

/**
 * Opens a bucket stored on a connection. A connection that is not `active` answers the S3 client
 * 503 ServiceUnavailable (retryable: the operator can resume or re-validate it) with a message that
 * names neither the upstream nor the reason; the reason is in the admin API and the log line.
 */
export async function openConnectionBackend(env: Env, config: z.output<typeof S3BackendConfig>, bucket?: string): Promise<S3Backend> {
  const live = await getLiveConnection(env, config.connection);
  if (!live) {
    // The bucket names a connection that is gone: an operator error, never the client's.
    log.error('bucket backend names a missing connection', { connection: config.connection });
    throw new S3Error('InternalError', "The bucket's storage is not available. Please contact the administrator.");
  }
  if (live.connection.status !== 'active') {
    log.warn('bucket storage connection not active', { connection: live.connection.id, status: live.connection.status });
    throw unavailable();
  }
  let credentials;
  try {
    credentials = await resolveCredentials(live, env, { subject: bucket });
  } catch (error) {
    if (!(error instanceof CredentialUnavailableError)) throw error;
    log.warn('bucket storage credentials unavailable', { connection: live.connection.id, error: error.message });
    throw unavailable();
  }
  return new S3Backend(s3DriverConfig(live.connection, credentials, config), parseAllowList(env.ALLOWED_UPSTREAM_HOSTS));
}

function unavailable(): S3Error {
  return new S3Error('ServiceUnavailable', "The bucket's storage connection is not available. Please try again later or contact the administrator.");
}
