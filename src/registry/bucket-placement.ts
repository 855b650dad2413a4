import type { Env } from '../env';
import { RegistryConflictError, RegistryValidationError } from './errors';
import type { BackendConfig } from './schemas';

/**
 * Where a bucket's objects live, and the rule that keeps two buckets apart: in one storage place —
 * an R2 binding, or an upstream bucket on a connection (adrs/0019) — no bucket's key prefix may
 * contain or lie inside another's (either would let one bucket list and overwrite the other's
 * objects). Places on different connections never overlap, even when they reach the same upstream
 * bucket: the registry cannot know that two accounts or endpoints name the same storage.
 *
 * The rule is enforced inside the very statement that writes the placement (adrs/0016): each D1
 * statement runs atomically, so `INSERT … SELECT … WHERE <placement is free>` and
 * `UPDATE … WHERE <placement is free>` cannot both succeed for overlapping prefixes, whereas a
 * SELECT followed by a separate INSERT lets two concurrent writers both see a free place.
 */

/**
 * On a connection, a place is the connection plus the container its kind names (s3 `bucket`,
 * azure `container`; webdav has none: the connection's base URL is the one container).
 */
const CONTAINER_FIELDS = ['bucket', 'container'] as const;

function containerOf(backend: Exclude<BackendConfig, { type: 'r2' }>): string {
  return 'bucket' in backend ? backend.bucket : 'container' in backend ? backend.container : '';
}

/** Rows of `buckets AS other` whose placement overlaps the one bound by `placementBinds`. */
const OTHER_PREFIX = "coalesce(json_extract(other.backend, '$.prefix'), '')";
/** The place a stored backend occupies, spelled as `placeOf` spells it (connection ids are UUIDs, so "/" is unambiguous). */
const OTHER_PLACE = `CASE json_extract(other.backend, '$.type')
  WHEN 'r2' THEN 'r2:' || json_extract(other.backend, '$.binding')
  ELSE json_extract(other.backend, '$.type') || ':' || json_extract(other.backend, '$.connection') || '/' || coalesce(${CONTAINER_FIELDS.map((f) => `json_extract(other.backend, '$.${f}')`).join(', ')}, '') END`;
const OVERLAPS = `other.name != ? AND ${OTHER_PLACE} = ?
  AND (substr(?, 1, length(${OTHER_PREFIX})) = ${OTHER_PREFIX} OR substr(${OTHER_PREFIX}, 1, length(?)) = ?)`;

/** SQL condition, true when `bucket` may take `backend`'s place; bind `placementBinds(bucket, backend)` for its `?`s. */
export const PLACEMENT_IS_FREE = `NOT EXISTS (SELECT 1 FROM buckets AS other WHERE ${OVERLAPS})`;

export function placementBinds(bucket: string, backend: BackendConfig): unknown[] {
  return [bucket, placeOf(backend), backend.prefix, backend.prefix, backend.prefix];
}

function placeOf(backend: BackendConfig): string {
  return backend.type === 'r2' ? `r2:${backend.binding}` : `${backend.type}:${backend.connection}/${containerOf(backend)}`;
}

/** How an admin recognises the place in a message. */
function describePlace(backend: BackendConfig): string {
  if (backend.type === 'r2') return backend.binding;
  const container = containerOf(backend);
  return `connection ${backend.connection}${container ? ` container "${container}"` : ''}`;
}

/** The buckets whose placement overlaps `backend` now: explains a guarded write that changed nothing. */
export async function overlappingBuckets(env: Env, bucket: string, backend: BackendConfig): Promise<string[]> {
  const { results } = await env.DB.prepare(`SELECT other.name AS name FROM buckets AS other WHERE ${OVERLAPS} ORDER BY other.name LIMIT 10`)
    .bind(...placementBinds(bucket, backend))
    .all<{ name: string }>();
  return results.map((r) => r.name);
}

/** The loser of a placement race, or a write into an occupied place: a conflict naming the occupant. */
export function placementConflict(bucket: string, backend: BackendConfig, occupants: string[]): RegistryConflictError {
  const names = occupants.map((name) => `"${name}"`).join(', ');
  return new RegistryConflictError('BucketPlacementConflict', `bucket "${bucket}" cannot be placed at "${backend.prefix}" on ${describePlace(backend)}`, {
    'backend.prefix': [`overlaps the storage of bucket ${names} on ${describePlace(backend)}`],
  });
}

/** The backend must name an R2 binding this Worker has (input validation; the environment does not change under a request). */
export function assertBindingExists(env: Env, backend: BackendConfig): void {
  if (backend.type !== 'r2') return;
  const binding = (env as unknown as Record<string, unknown>)[backend.binding];
  const r2 = typeof binding === 'object' && binding !== null ? (binding as Partial<Record<keyof R2Bucket, unknown>>) : null;
  if (!r2 || typeof r2.head !== 'function' || typeof r2.createMultipartUpload !== 'function') {
    throw new RegistryValidationError({ 'backend.binding': [`no R2 binding named "${backend.binding}" in this Worker`] });
  }
}
