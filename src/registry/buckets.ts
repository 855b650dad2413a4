import { openBackend } from '../backends/open';
import type { Env } from '../env';
import { audited } from './audit';
import { BucketCreateInput, BucketPatchInput, checkPlacement } from './bucket-input';
import { RecordCache } from './cache';
import { parseInput, RegistryConflictError, RegistryNotFoundError } from './errors';
import { type BackendConfig, BucketConfig, BucketName } from './schemas';

interface BucketRow {
  name: string;
  backend: string;
  status: string;
  public_read: number;
  public_list: number;
  cors: string;
  labels: string;
  cache_ttl: number;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

const COLUMNS = 'name, backend, status, public_read, public_list, cors, labels, cache_ttl, created_by, created_at, updated_at';
const DEFAULT_CACHE_TTL = 60;

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
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });
}

function toRow(b: BucketConfig): unknown[] {
  return [b.name, JSON.stringify(b.backend), b.status, b.publicRead ? 1 : 0, b.publicList ? 1 : 0, JSON.stringify(b.cors), JSON.stringify(b.labels), b.cacheTtl, b.createdBy, b.createdAt, b.updatedAt];
}

const bucketCache = new RecordCache<BucketConfig, BucketConfig>({
  kind: 'bucket',
  stored: BucketConfig,
  load: readBucket,
  hydrate: async (_env, bucket) => bucket,
});

/** Where buckets created without an explicit backend live: their own prefix on the default R2 binding. */
export function defaultBackendFor(env: Env, name: string): BackendConfig {
  return { type: 'r2', binding: env.DEFAULT_R2_BINDING || 'STORAGE', prefix: `buckets/${name}/` };
}

/** The bucket as S3 requests see it, through the cache tiers; null when it does not exist. */
export async function getBucket(env: Env, name: string): Promise<BucketConfig | null> {
  // Names that cannot exist never reach a cache tier (KV keys are bounded; attackers choose names).
  if (!BucketName.safeParse(name).success) return null;
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
export async function createBucket(env: Env, input: BucketCreateInput | unknown, actor: string): Promise<BucketConfig> {
  const target = typeof (input as { name?: unknown } | null)?.name === 'string' ? (input as { name: string }).name : null;
  return audited(env, { actor, action: 'bucket.create', target }, async () => {
    const fields = parseInput(BucketCreateInput, input);
    const now = new Date().toISOString();
    const bucket: BucketConfig = {
      name: fields.name,
      backend: fields.backend ?? defaultBackendFor(env, fields.name),
      status: 'active',
      publicRead: fields.publicRead ?? false,
      publicList: fields.publicList ?? false,
      cors: fields.cors ?? [],
      labels: fields.labels ?? {},
      cacheTtl: fields.cacheTtl ?? DEFAULT_CACHE_TTL,
      createdBy: actor,
      createdAt: now,
      updatedAt: now,
    };
    await checkPlacement(env, bucket.name, bucket.backend);
    const { meta } = await env.DB.prepare(`INSERT INTO buckets (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING`)
      .bind(...toRow(bucket))
      .run();
    if (meta.changes === 0) throw new RegistryConflictError('BucketAlreadyExists', `bucket "${bucket.name}" already exists`);
    await bucketCache.invalidate(env, bucket.name);
    return bucket;
  });
}

/** Applies a partial settings change; throws RegistryNotFoundError or RegistryValidationError. */
export async function updateBucket(env: Env, name: string, patch: BucketPatchInput | unknown, actor: string): Promise<BucketConfig> {
  const changed = patch !== null && typeof patch === 'object' ? Object.keys(patch).slice(0, 20) : [];
  return audited(env, { actor, action: 'bucket.update', target: name, detail: { fields: changed } }, async () => {
    const fields = parseInput(BucketPatchInput, patch);
    const current = await requireBucket(env, name);
    const next: BucketConfig = { ...current, ...definedOnly(fields), updatedAt: new Date().toISOString() };
    if (fields.backend) await checkPlacement(env, name, next.backend);
    return writeBucket(env, next);
  });
}

/** Suspends (every S3 request refused) or resumes a bucket. */
export async function setBucketStatus(env: Env, name: string, status: BucketConfig['status'], actor: string): Promise<BucketConfig> {
  return audited(env, { actor, action: status === 'suspended' ? 'bucket.suspend' : 'bucket.resume', target: name }, async () => {
    const current = await requireBucket(env, name);
    return writeBucket(env, { ...current, status, updatedAt: new Date().toISOString() });
  });
}

/**
 * Deletes an empty bucket; throws RegistryConflictError('BucketNotEmpty') while objects remain, so
 * a bucket later created under the same name never finds them. Multipart uploads still in
 * progress are aborted, as S3 does.
 */
export async function deleteBucket(env: Env, name: string, actor: string): Promise<void> {
  await audited(env, { actor, action: 'bucket.delete', target: name }, async () => {
    const bucket = await requireBucket(env, name);
    const backend = openBackend(env, bucket.backend);
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

async function writeBucket(env: Env, bucket: BucketConfig): Promise<BucketConfig> {
  const { meta } = await env.DB.prepare(
    'UPDATE buckets SET backend = ?, status = ?, public_read = ?, public_list = ?, cors = ?, labels = ?, cache_ttl = ?, updated_at = ? WHERE name = ?',
  )
    .bind(JSON.stringify(bucket.backend), bucket.status, bucket.publicRead ? 1 : 0, bucket.publicList ? 1 : 0, JSON.stringify(bucket.cors), JSON.stringify(bucket.labels), bucket.cacheTtl, bucket.updatedAt, bucket.name)
    .run();
  if (meta.changes === 0) throw new RegistryNotFoundError('NoSuchBucket', `bucket "${bucket.name}" does not exist`);
  await bucketCache.invalidate(env, bucket.name);
  return bucket;
}

function definedOnly<T extends object>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** For tests and diagnostics: forget this isolate's cached buckets (KV is untouched). */
export function forgetCachedBuckets(): void {
  bucketCache.forgetIsolateCopies();
}
