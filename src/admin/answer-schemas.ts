import { z } from 'zod';
import { Connection } from '../connections/kinds';
import { Revocation } from '../registry/revocations';
import { type AccessKeyRecord, BackendConfig, BucketConfig, PolicyStatement } from '../registry/schemas';
import type { Settings } from '../registry/settings';
import { IdentityProvider, Role } from '../registry/sts-schemas';
import { named } from './openapi-kit';

/**
 * The schemas of admin answers, named as components of openapi.json. Most are the registry's own;
 * the registry keeps a few as TypeScript interfaces (it needs no runtime parse of them): those are
 * written here, with compile-time checks that schema and interface have the same shape.
 */

export const BucketAnswer = named(BucketConfig, 'Bucket');
export const RoleAnswer = named(Role, 'Role');
export const IdentityProviderAnswer = named(IdentityProvider, 'IdentityProvider');
export const RevocationAnswer = named(Revocation, 'Revocation');
export const ConnectionAnswer = named(Connection, 'Connection');

const AccessKeyShape = z.object({
  accessKeyId: z.string(),
  displayName: z.string(),
  statements: z.array(PolicyStatement),
  enabled: z.boolean(),
  expiresAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const _accessKeyShapesAgree: [AccessKeyRecord, z.infer<typeof AccessKeyShape>] extends [z.infer<typeof AccessKeyShape>, AccessKeyRecord] ? true : never = true;
void _accessKeyShapesAgree;

/** A static access key as answered: never its secret. */
export const AccessKey = named(AccessKeyShape, 'AccessKey');

/** POST /keys: the key with its secret, which no later answer repeats. */
export const IssuedAccessKey = named(AccessKeyShape.extend({ secretAccessKey: z.string() }), 'IssuedAccessKey');

/** POST /keys/{id}/rotate: the new secret, shown once. */
export const RotatedAccessKey = z.object({ accessKeyId: z.string(), secretAccessKey: z.string() });

const SettingsShape = z.object({
  /** `prefix` is the base: each bucket created on it is placed at `<prefix>buckets/<name>/`. */
  defaultBackend: BackendConfig,
  /** Where the value comes from: set through the admin API, or wrangler.toml vars. */
  source: z.object({ defaultBackend: z.enum(['admin', 'wrangler']) }),
});
const _settingsShapesAgree: [Settings, z.infer<typeof SettingsShape>] extends [z.infer<typeof SettingsShape>, Settings] ? true : never = true;
void _settingsShapesAgree;

export const SettingsAnswer = named(SettingsShape, 'Settings');

/** POST /buckets/{name}/validate: the probe of where the bucket's objects live. */
export const BucketProbe = z.object({ bucket: z.string(), ok: z.boolean(), reason: z.string().optional() });
