import { z } from 'zod';
import { BackendConfig, BucketLimits, BucketName, CorsRule } from './schemas';

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
  /** Replaces the bucket's limits as a whole; `{}` clears them. */
  limits: BucketLimits,
});

/** POST /admin/v1/buckets, and S3 CreateBucket with only `name`. Omitted settings take defaults. */
export const BucketCreateInput = BucketSettings.partial().extend({
  name: BucketName.refine((name) => !RESERVED_BUCKET_NAMES.has(name), 'reserved: it would collide with the admin API path'),
});
export type BucketCreateInput = z.input<typeof BucketCreateInput>;

/** PATCH /admin/v1/buckets/:name: the settings to change. Name and status are not patched. */
export const BucketPatchInput = BucketSettings.partial();
export type BucketPatchInput = z.input<typeof BucketPatchInput>;
