import { z } from 'zod';
import type { Settings } from '../registry/settings';
import { type AccessKeyRecord, BackendConfig, PolicyStatement } from '../registry/schemas';

/**
 * Shapes of admin answers that the registry keeps as TypeScript interfaces rather than zod schemas
 * (the registry needs no runtime parse of them). The compile-time checks below keep each schema
 * and its interface the same shape, so openapi.json cannot drift from what the handlers answer.
 */

/** A static access key as answered: never its secret. */
export const AccessKey = z.object({
  accessKeyId: z.string(),
  displayName: z.string(),
  statements: z.array(PolicyStatement),
  enabled: z.boolean(),
  expiresAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const _accessKeyShapesAgree: [AccessKeyRecord, z.infer<typeof AccessKey>] extends [z.infer<typeof AccessKey>, AccessKeyRecord] ? true : never = true;
void _accessKeyShapesAgree;

/** POST /keys: the key with its secret, which no later answer repeats. */
export const IssuedAccessKey = AccessKey.extend({ secretAccessKey: z.string() });

/** POST /keys/{id}/rotate: the new secret, shown once. */
export const RotatedAccessKey = z.object({ accessKeyId: z.string(), secretAccessKey: z.string() });

export const SettingsAnswer = z.object({
  /** `prefix` is the base: each bucket created on it is placed at `<prefix>buckets/<name>/`. */
  defaultBackend: BackendConfig,
  /** Where the value comes from: set through the admin API, or wrangler.toml vars. */
  source: z.object({ defaultBackend: z.enum(['admin', 'wrangler']) }),
});
const _settingsShapesAgree: [Settings, z.infer<typeof SettingsAnswer>] extends [z.infer<typeof SettingsAnswer>, Settings] ? true : never = true;
void _settingsShapesAgree;

/** POST /buckets/{name}/validate: the probe of where the bucket's objects live. */
export const BucketProbe = z.object({ bucket: z.string(), ok: z.boolean(), reason: z.string().optional() });
