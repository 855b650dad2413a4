import { probeConnection } from '../connections/upstream';
import type { Env } from '../env';
import { assertBindingExists } from './bucket-placement';
import { readLiveConnection, type SaveOptions } from './connections';
import { RegistryValidationError, UpstreamValidationError } from './errors';
import type { BackendConfig } from './schemas';

/**
 * Save-time check of a backend a bucket or the default-backend setting names (adrs/0019): an R2
 * binding must exist; a connection must exist and — unless `validate` is off (offline setup) — the
 * upstream bucket must answer ListObjectsV2 and HEAD with the connection's credentials. `field` is
 * where errors are reported (`backend`, `defaultBackend`).
 */
export async function checkBackend(env: Env, backend: BackendConfig, field: string, options: SaveOptions): Promise<void> {
  if (backend.type === 'r2') {
    try {
      assertBindingExists(env, backend);
    } catch (error) {
      if (error instanceof RegistryValidationError && field !== 'backend') throw new RegistryValidationError({ [`${field}.binding`]: Object.values(error.fields).flat() });
      throw error;
    }
    return;
  }
  const live = await readLiveConnection(env, backend.connection);
  if (!live) throw new RegistryValidationError({ [`${field}.connection`]: [`no connection with id "${backend.connection}"`] });
  if (!options.validate) return;
  const outcome = await probeConnection(env, live, { bucket: backend.bucket, prefix: backend.prefix });
  if (!outcome.ok) {
    // Credentials and endpoint belong to the connection; a missing upstream bucket to the location.
    const at = outcome.field === 'bucket' ? `${field}.bucket` : `${field}.connection`;
    throw new UpstreamValidationError({ [at]: [outcome.reason] });
  }
}

/** POST /admin/v1/buckets/:name/validate: probes where the bucket's objects live; never throws for a failed probe. */
export async function probeBackend(env: Env, backend: BackendConfig): Promise<{ ok: boolean; reason?: string }> {
  if (backend.type === 'r2') {
    try {
      assertBindingExists(env, backend);
      return { ok: true };
    } catch (error) {
      if (error instanceof RegistryValidationError) return { ok: false, reason: Object.values(error.fields).flat().join('; ') };
      throw error;
    }
  }
  const live = await readLiveConnection(env, backend.connection);
  if (!live) return { ok: false, reason: `no connection with id "${backend.connection}"` };
  const outcome = await probeConnection(env, live, { bucket: backend.bucket, prefix: backend.prefix });
  return outcome.ok ? { ok: true } : { ok: false, reason: outcome.reason };
}
