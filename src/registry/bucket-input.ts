import { z } from 'zod';
import type { Env } from '../env';
import { RegistryValidationError } from './errors';
import { BackendConfig, BucketName, CorsRule } from './schemas';

/** Names a bucket may not take: `admin` would make path-style `/admin/v1/...` ambiguous. */
export const RESERVED_BUCKET_NAMES: ReadonlySet<string> = new Set(['admin']);

const BucketSettings = z.strictObject({
  backend: BackendConfig,
  publicRead: z.boolean(),
  publicList: z.boolean(),
  cors: z.array(CorsRule).max(100),
  labels: z
    .record(z.string().min(1).max(128), z.string().max(256))
    .refine((labels) => Object.keys(labels).length <= 50, 'at most 50 labels'),
  cacheTtl: z.number().int().min(0).max(31_536_000),
});

/** POST /admin/v1/buckets, and S3 CreateBucket with only `name`. Omitted settings take defaults. */
export const BucketCreateInput = BucketSettings.partial().extend({
  name: BucketName.refine((name) => !RESERVED_BUCKET_NAMES.has(name), 'reserved: it would collide with the admin API path'),
});
export type BucketCreateInput = z.input<typeof BucketCreateInput>;

/** PATCH /admin/v1/buckets/:name: the settings to change. Name and status are not patched. */
export const BucketPatchInput = BucketSettings.partial();
export type BucketPatchInput = z.input<typeof BucketPatchInput>;

/**
 * Checks that a backend can hold `bucket`: its R2 binding exists in this Worker, and its key
 * prefix neither contains nor lies inside another bucket's on the same binding (either would let
 * one bucket list and overwrite the other's objects).
 */
export async function checkPlacement(env: Env, bucket: string, backend: BackendConfig): Promise<void> {
  if (!isR2Binding(env, backend.binding)) {
    throw new RegistryValidationError({ 'backend.binding': [`no R2 binding named "${backend.binding}" in this Worker`] });
  }
  const { results } = await env.DB.prepare(
    "SELECT name, json_extract(backend, '$.prefix') AS prefix FROM buckets WHERE name != ? AND json_extract(backend, '$.type') = 'r2' AND json_extract(backend, '$.binding') = ?",
  )
    .bind(bucket, backend.binding)
    .all<{ name: string; prefix: string | null }>();
  const overlapping = results.filter(({ prefix }) => (prefix ?? '').startsWith(backend.prefix) || backend.prefix.startsWith(prefix ?? ''));
  if (overlapping.length > 0) {
    const names = overlapping.map((r) => `"${r.name}"`).join(', ');
    throw new RegistryValidationError({ 'backend.prefix': [`overlaps the storage of bucket ${names} on ${backend.binding}`] });
  }
}

function isR2Binding(env: Env, name: string): boolean {
  const binding = (env as unknown as Record<string, unknown>)[name];
  if (typeof binding !== 'object' || binding === null) return false;
  const r2 = binding as Partial<Record<keyof R2Bucket, unknown>>;
  return typeof r2.head === 'function' && typeof r2.createMultipartUpload === 'function';
}
