import type { Env } from '../env';
import type { Backend } from '../storage/backend';
import { audited } from './audit';
import { checkBackend } from './backend-check';
import { BucketCreateInput, BucketPatchInput } from './bucket-input';
import { assertBindingExists, overlappingBuckets, PLACEMENT_IS_FREE, placementBinds, placementConflict } from './bucket-placement';
import { RecordCache } from './cache';
import { parseInput, RegistryConflictError, RegistryNotFoundError } from './errors';
import type { SaveOptions } from './connections';
import { BucketConfig, BucketName } from './schemas';
import { defaultBackendFor } from './settings';

interface BucketRow {
  name: string;
  backend: string;
  status: string;
  public_read: number;
  public_list: number;
  cors: string;
  labels: string;
  cache_ttl: number;
  limits: string;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

const COLUMNS = 'name, backend, status, public_read, public_list, cors, labels, cache_ttl, limits, created_by, created_at, updated_at';
const DEFAULT_CACHE_TTL = 60;
/** A guarded write that changed nothing although neither the name nor the place is taken lost a race with a delete; it is retried this often. */
const MAX_PLACEMENT_ATTEMPTS = 3;

function fromRow(row: BucketRow): BucketConfig {
  return BucketConfig.parse({
    name: row.name,
    backend: JSON.parse(row.backend),
    status: row.status,
    publicRead: row.public_read === 1,
    publicList: row.public_list === 1,
    cors: JSON.parse(row.cors),
    labels: JSON.parse(row.labels),
    cacheTtl: row.cache_ttl,
    limits: JSON.parse(row.limits),
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });
}

function toRow(b: BucketConfig): unknown[] {
  return [b.name, JSON.stringify(b.backend), b.status, b.publicRead ? 1 : 0, b.publicList ? 1 : 0, JSON.stringify(b.cors), JSON.stringify(b.labels), b.cacheTtl, JSON.stringify(b.limits), b.createdBy, b.createdAt, b.updatedAt];
}

const bucketCache = new RecordCache<BucketConfig, BucketConfig>({
  kind: 'bucket',
  stored: BucketConfig,
  load: readBucket,
  hydrate: async (_env, bucket) => bucket,
  // Names that cannot exist never reach a cache tier.
  acceptsId: (name) => BucketName.safeParse(name).success,
});

/** The bucket as S3 requests see it, through the cache tiers; null when it does not exist. */
export async function getBucket(env: Env, name: string): Promise<BucketConfig | null> {
  return bucketCache.get(env, name);
}

/** The bucket as D1 has it now (uncached): for admin reads and read-modify-write. */
export async function readBucket(env: Env, name: string): Promise<BucketConfig | null> {
  const row = await env.DB.prepare(`SELECT ${COLUMNS} FROM buckets WHERE name = ?`).bind(name).first<BucketRow>();
  return row ? fromRow(row) : null;
}

export async function listBuckets(env: Env): Promise<BucketConfig[]> {
  const { results } = await env.DB.prepare(`SELECT ${COLUMNS} FROM buckets ORDER BY name`).all<BucketRow>();
  return results.map(fromRow);
}

/**
 * Creates a bucket from admin JSON or S3 CreateBucket (`{ name }`). Throws RegistryValidationError
 * (field errors), or RegistryConflictError('BucketAlreadyExists') when the name is taken.
 */
export async function createBucket(env: Env, input: BucketCreateInput | unknown, actor: string, options: SaveOptions = { validate: true }): Promise<BucketConfig> {
  const target = typeof (input as { name?: unknown } | null)?.name === 'string' ? (input as { name: string }).name : null;
  return audited(env, { actor, action: 'bucket.create', target, ...(options.validate ? {} : { detail: { validate: false } }) }, async () => {
    const fields = parseInput(BucketCreateInput, input);
    // An explicit backend is validated (an upstream is probed); the default was when it was set.
    if (fields.backend) await checkBackend(env, fields.backend, 'backend', options);
    const now = new Date().toISOString();
    const bucket: BucketConfig = {
      name: fields.name,
      backend: fields.backend ?? (await defaultBackendFor(env, fields.name)),
      status: 'active',
      publicRead: fields.publicRead ?? false,
      publicList: fields.publicList ?? false,
      cors: fields.cors ?? [],
      labels: fields.labels ?? {},
      cacheTtl: fields.cacheTtl ?? DEFAULT_CACHE_TTL,
      limits: fields.limits ?? {},
      createdBy: actor,
      createdAt: now,
      updatedAt: now,
    };
    assertBindingExists(env, bucket.backend);
    await insertPlaced(env, bucket);
    await bucketCache.invalidate(env, bucket.name);
    return bucket;
  });
}

/**
 * Inserts the row only if the name is free and its placement overlaps no other bucket's, in one
 * statement (see bucket-placement.ts); when nothing was inserted, finds out which and says so.
 */
async function insertPlaced(env: Env, bucket: BucketConfig): Promise<void> {
  const placeholders = COLUMNS.split(',').map(() => '?').join(', ');
  const insert = env.DB.prepare(`INSERT INTO buckets (${COLUMNS}) SELECT ${placeholders} WHERE ${PLACEMENT_IS_FREE} ON CONFLICT (name) DO NOTHING`).bind(
    ...toRow(bucket),
    ...placementBinds(bucket.name, bucket.backend),
  );
  for (let attempt = 1; ; attempt++) {
    if ((await insert.run()).meta.changes === 1) return;
    if (await readBucket(env, bucket.name)) throw new RegistryConflictError('BucketAlreadyExists', `bucket "${bucket.name}" already exists`);
    const occupants = await overlappingBuckets(env, bucket.name, bucket.backend);
    if (occupants.length > 0) throw placementConflict(bucket.name, bucket.backend, occupants);
    // The occupant was deleted between the two statements: the place is free now, try again.
    if (attempt === MAX_PLACEMENT_ATTEMPTS) throw new Error(`placing bucket "${bucket.name}" kept racing other writes`);
  }
}

/**
 * Applies a partial settings change; throws RegistryNotFoundError, RegistryValidationError, or
 * RegistryConflictError('BucketPlacementConflict') when a new backend overlaps another bucket's.
 */
export async function updateBucket(env: Env, name: string, patch: BucketPatchInput | unknown, actor: string, options: SaveOptions = { validate: true }): Promise<BucketConfig> {
  const changed = patch !== null && typeof patch === 'object' ? Object.keys(patch).slice(0, 20) : [];
  return audited(env, { actor, action: 'bucket.update', target: name, detail: { fields: changed, ...(options.validate ? {} : { validate: false }) } }, async () => {
    const fields = definedOnly(parseInput(BucketPatchInput, patch)) as BucketSettingsChange;
    if (fields.backend) await checkBackend(env, fields.backend, 'backend', options);
    return writeBucketFields(env, name, fields);
  });
}

/** Suspends (every S3 request refused) or resumes a bucket. */
export async function setBucketStatus(env: Env, name: string, status: BucketConfig['status'], actor: string): Promise<BucketConfig> {
  return audited(env, { actor, action: status === 'suspended' ? 'bucket.suspend' : 'bucket.resume', target: name }, async () => writeBucketFields(env, name, { status }));
}

/**
 * Opens the storage behind a bucket. The registry never opens backends itself (that would pull
 * every driver and connection kind into it): callers hand this in (issue 8, layering).
 */
export type OpenBucketStorage = (bucket: BucketConfig) => Promise<Backend>;

/**
 * Deletes an empty bucket; throws RegistryConflictError('BucketNotEmpty') while objects remain, so
 * a bucket later created under the same name never finds them. Multipart uploads still in
 * progress are aborted, as S3 does.
 */
export async function deleteBucket(env: Env, name: string, actor: string, openStorage: OpenBucketStorage): Promise<void> {
  await audited(env, { actor, action: 'bucket.delete', target: name }, async () => {
    const bucket = await requireBucket(env, name);
    const backend = await openStorage(bucket);
    const page = await backend.list({ prefix: '', maxKeys: 1 });
    if (page.objects.length > 0 || page.commonPrefixes.length > 0) {
      throw new RegistryConflictError('BucketNotEmpty', `bucket "${name}" is not empty`);
    }
    const { results: uploads } = await env.DB.prepare('SELECT key, upload_id FROM multipart_uploads WHERE bucket = ?')
      .bind(name)
      .all<{ key: string; upload_id: string }>();
    // Best effort: an upload the backend already forgot must not keep the bucket alive.
    await Promise.allSettled(uploads.map((u) => backend.abortMultipart(u.key, u.upload_id)));
    await env.DB.batch([
      env.DB.prepare('DELETE FROM multipart_parts WHERE bucket = ?').bind(name),
      env.DB.prepare('DELETE FROM multipart_uploads WHERE bucket = ?').bind(name),
      // Records about the bucket's objects and uploads (ADR 0015) must not describe a later namesake's.
      env.DB.prepare('DELETE FROM multipart_upload_checksums WHERE bucket = ?').bind(name),
      env.DB.prepare('DELETE FROM multipart_completions WHERE bucket = ?').bind(name),
      env.DB.prepare('DELETE FROM object_checksums WHERE bucket = ?').bind(name),
      env.DB.prepare('DELETE FROM buckets WHERE name = ?').bind(name),
    ]);
    await bucketCache.invalidate(env, name);
  });
}

async function requireBucket(env: Env, name: string): Promise<BucketConfig> {
  const bucket = await readBucket(env, name);
  if (!bucket) throw new RegistryNotFoundError('NoSuchBucket', `bucket "${name}" does not exist`);
  return bucket;
}

type BucketSettingsChange = Partial<Pick<BucketConfig, 'backend' | 'status' | 'publicRead' | 'publicList' | 'cors' | 'labels' | 'cacheTtl' | 'limits'>>;

/** Each changeable setting's column and how it is stored. */
const SETTING_COLUMNS: { [F in keyof Required<BucketSettingsChange>]: [column: string, store: (value: Required<BucketSettingsChange>[F]) => unknown] } = {
  backend: ['backend', (v) => JSON.stringify(v)],
  status: ['status', (v) => v],
  publicRead: ['public_read', (v) => (v ? 1 : 0)],
  publicList: ['public_list', (v) => (v ? 1 : 0)],
  cors: ['cors', (v) => JSON.stringify(v)],
  labels: ['labels', (v) => JSON.stringify(v)],
  cacheTtl: ['cache_ttl', (v) => v],
  limits: ['limits', (v) => JSON.stringify(v)],
};

/**
 * Writes exactly the changed columns in one statement and returns the row as it now stands. Only
 * changed columns: a read-modify-write of the whole row would let a concurrent change of another
 * setting put back an old backend whose place another bucket may meanwhile have taken. A new
 * backend is written only where its placement is free (PLACEMENT_IS_FREE, same statement).
 */
async function writeBucketFields(env: Env, name: string, change: BucketSettingsChange): Promise<BucketConfig> {
  const assignments: string[] = [];
  const values: unknown[] = [];
  for (const [field, value] of Object.entries(change) as [keyof BucketSettingsChange, never][]) {
    const [column, store] = SETTING_COLUMNS[field];
    assignments.push(`${column} = ?`);
    values.push((store as (v: unknown) => unknown)(value));
  }
  const guard = change.backend ? ` AND ${PLACEMENT_IS_FREE}` : '';
  const update = env.DB.prepare(`UPDATE buckets SET ${[...assignments, 'updated_at = ?'].join(', ')} WHERE name = ?${guard} RETURNING ${COLUMNS}`).bind(
    ...values,
    new Date().toISOString(),
    name,
    ...(change.backend ? placementBinds(name, change.backend) : []),
  );
  for (let attempt = 1; ; attempt++) {
    const row = (await update.all<BucketRow>()).results[0];
    if (row) {
      await bucketCache.invalidate(env, name);
      return fromRow(row);
    }
    if (!(await readBucket(env, name))) throw new RegistryNotFoundError('NoSuchBucket', `bucket "${name}" does not exist`);
    const occupants = change.backend ? await overlappingBuckets(env, name, change.backend) : [];
    if (occupants.length > 0) throw placementConflict(name, change.backend!, occupants);
    if (attempt === MAX_PLACEMENT_ATTEMPTS) throw new Error(`updating bucket "${name}" kept racing other writes`);
  }
}

function definedOnly<T extends object>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** For tests and diagnostics: forget this isolate's cached buckets (KV is untouched). */
export function forgetCachedBuckets(): void {
  bucketCache.forgetIsolateCopies();
}
