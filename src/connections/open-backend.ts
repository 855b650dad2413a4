import { log } from '../core/log';
import type { Backend } from '../storage/backend';
import { DRIVERS } from '../storage/drivers';
import type { Env } from '../env';
import { getLiveConnection } from '../registry/connections';
import type { BackendConfig } from '../registry/schemas';
import { S3Error } from '../core/s3-error';
import { type ConnectionLocation, connectionKind } from './kinds';
import { CredentialUnavailableError } from './kind-support';

/**
 * The storage behind a virtual bucket, chosen by its backend config: an R2 binding directly, any
 * other store through its storage connection and that connection's kind (src/connections/kinds.ts).
 * `bucket` is the virtual bucket served — keyless federation names it as the token's `sub` (adrs/0020).
 */
export async function openBackend(env: Env, config: BackendConfig, bucket?: string): Promise<Backend> {
  if (config.type === 'r2') return DRIVERS.r2.open({ env }, config, undefined);
  return openConnectionBackend(env, config, bucket);
}

/**
 * Opens a bucket stored on a connection. A connection that is not `active` answers the S3 client
 * 503 ServiceUnavailable (retryable: the operator can resume or re-validate it) with a message that
 * names neither the upstream nor the reason; the reason is in the admin API and the log line.
 */
async function openConnectionBackend(env: Env, config: ConnectionLocation, bucket?: string): Promise<Backend> {
  const live = await getLiveConnection(env, config.connection);
  const kind = live && connectionKind(live.connection.kind);
  if (!live || !kind || live.connection.kind !== config.type) {
    // The bucket names a connection that is gone (or of another kind): an operator error, never the client's.
    log.error('bucket backend names a missing connection', { connection: config.connection, type: config.type });
    throw new S3Error('InternalError', "The bucket's storage is not available. Please contact the administrator.");
  }
  if (live.connection.status !== 'active') {
    log.warn('bucket storage connection not active', { connection: live.connection.id, status: live.connection.status });
    throw unavailable();
  }
  try {
    return await kind.open(env, live, config, { bucket });
  } catch (error) {
    if (!(error instanceof CredentialUnavailableError)) throw error;
    log.warn('bucket storage credentials unavailable', { connection: live.connection.id, error: error.message });
    throw unavailable();
  }
}

function unavailable(): S3Error {
  return new S3Error('ServiceUnavailable', "The bucket's storage connection is not available. Please try again later or contact the administrator.");
}
