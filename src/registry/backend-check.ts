import { connectionKind } from '../connections/kinds';
import type { Env } from '../env';
import { assertBindingExists } from './bucket-placement';
import { readLiveConnection, type SaveOptions } from './connections';
import { RegistryValidationError, UpstreamValidationError } from './errors';
import type { BackendConfig } from './schemas';

/**
 * Save-time check of a backend a bucket or the default-backend setting names (adrs/0019): an R2
 * binding must exist; a connection must exist and — unless `validate` is off (offline setup) — the
 * location must pass its kind's probe (s3: ListObjectsV2 and HEAD of the bucket) with the connection's credentials. `field` is
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
  const kind = connectionKind(live.connection.kind)!;
  if (live.connection.kind !== backend.type) {
    throw new RegistryValidationError({ [`${field}.type`]: [`connection "${live.connection.name}" is of kind "${live.connection.kind}": the backend's type must be "${live.connection.kind}"`] });
  }
  if (!options.validate) return;
  const { outcome } = await kind.probe(env, live, backend);
  if (!outcome.ok) {
    // Credentials and endpoint belong to the connection; a missing container to the location.
    const at = outcome.field === 'bucket' ? `${field}.${kind.containerField ?? 'prefix'}` : `${field}.connection`;
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
  if (live.connection.kind !== backend.type) return { ok: false, reason: `connection "${live.connection.name}" is of kind "${live.connection.kind}", not "${backend.type}"` };
  const { outcome } = await connectionKind(live.connection.kind)!.probe(env, live, backend);
  return outcome.ok ? { ok: true } : { ok: false, reason: outcome.reason };
}
