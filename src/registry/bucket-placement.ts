import type { Env } from '../env';
import { RegistryConflictError, RegistryValidationError } from './errors';
import type { BackendConfig } from './schemas';

/**
 * Where a bucket's objects live, and the rule that keeps two buckets apart: on one R2 binding, no
 * bucket's key prefix may contain or lie inside another's (either would let one bucket list and
 * overwrite the other's objects).
 *
 * The rule is enforced inside the very statement that writes the placement (adrs/0016): each D1
 * statement runs atomically, so `INSERT … SELECT … WHERE <placement is free>` and
 * `UPDATE … WHERE <placement is free>` cannot both succeed for overlapping prefixes, whereas a
 * SELECT followed by a separate INSERT lets two concurrent writers both see a free place.
 */

/** Rows of `buckets AS other` whose placement overlaps the one bound by `placementBinds`. */
const OTHER_PREFIX = "coalesce(json_extract(other.backend, '$.prefix'), '')";
const OVERLAPS = `other.name != ? AND json_extract(other.backend, '$.type') = 'r2' AND json_extract(other.backend, '$.binding') = ?
  AND (substr(?, 1, length(${OTHER_PREFIX})) = ${OTHER_PREFIX} OR substr(${OTHER_PREFIX}, 1, length(?)) = ?)`;

/** SQL condition, true when `bucket` may take `backend`'s place; bind `placementBinds(bucket, backend)` for its `?`s. */
export const PLACEMENT_IS_FREE = `NOT EXISTS (SELECT 1 FROM buckets AS other WHERE ${OVERLAPS})`;

export function placementBinds(bucket: string, backend: BackendConfig): unknown[] {
  return [bucket, backend.binding, backend.prefix, backend.prefix, backend.prefix];
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
  return new RegistryConflictError('BucketPlacementConflict', `bucket "${bucket}" cannot be placed at "${backend.prefix}" on ${backend.binding}`, {
    'backend.prefix': [`overlaps the storage of bucket ${names} on ${backend.binding}`],
  });
}

/** The backend must name an R2 binding this Worker has (input validation; the environment does not change under a request). */
export function assertBindingExists(env: Env, backend: BackendConfig): void {
  const binding = (env as unknown as Record<string, unknown>)[backend.binding];
  const r2 = typeof binding === 'object' && binding !== null ? (binding as Partial<Record<keyof R2Bucket, unknown>>) : null;
  if (!r2 || typeof r2.head !== 'function' || typeof r2.createMultipartUpload !== 'function') {
    throw new RegistryValidationError({ 'backend.binding': [`no R2 binding named "${backend.binding}" in this Worker`] });
  }
}
