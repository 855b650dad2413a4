import { z } from 'zod';

/**
 * Storage connections (adrs/0019): an upstream account that buckets reference. The input schema
 * is a discriminated union by `kind`; each kind brings its own settings (`s3` now; azure, webdav,
 * gdrive, onedrive add a variant). Authentication is a second union by `mode`. Secrets appear only
 * in input; what is stored and answered is `PublicAuth` (mode, non-secret settings, fingerprint).
 */

const Labels = z
  .record(z.string().min(1).max(128), z.string().max(256))
  .refine((labels) => Object.keys(labels).length <= 50, 'at most 50 labels');

export const ConnectionName = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, '1–63 lowercase letters, digits, ".", "_" or "-"');

/** A Worker secret's name, as wrangler accepts it. */
const WorkerSecretName = z.string().regex(/^[A-Z_][A-Z0-9_]{0,127}$/, 'a Worker secret name like UPSTREAM_SECRET');

const StaticAuthInput = z.strictObject({
  mode: z.literal('static'),
  accessKeyId: z.string().min(1).max(256),
  secretAccessKey: z.string().min(1).max(1024),
});
/** The Worker secret holds JSON `{"accessKeyId":"…","secretAccessKey":"…","sessionToken"?:"…"}`. */
const SecretRefAuth = z.strictObject({
  mode: z.literal('secret_ref'),
  secretName: WorkerSecretName,
});
const FederationAuth = z.strictObject({
  mode: z.literal('federation'),
  roleArn: z.string().min(1).max(2048),
  stsEndpoint: z.string().min(1).max(2048),
  audience: z.string().min(1).max(256).optional(),
  sessionDuration: z.number().int().min(900).max(43_200).optional(),
});
const AnonymousAuth = z.strictObject({ mode: z.literal('anonymous') });

export const AuthInput = z.discriminatedUnion('mode', [StaticAuthInput, SecretRefAuth, FederationAuth, AnonymousAuth]);
export type AuthInput = z.infer<typeof AuthInput>;

/** What is stored in the `auth` column and answered: never a secret. */
export const PublicAuth = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('static'), fingerprint: z.string() }),
  SecretRefAuth,
  FederationAuth,
  AnonymousAuth,
]);
export type PublicAuth = z.infer<typeof PublicAuth>;

/** Kind `s3`: any S3-compatible endpoint. */
export const S3ConnectionSettings = z.strictObject({
  endpoint: z.string().min(1).max(2048),
  /** Signing region (`us-east-1`, `auto` for R2, …). */
  region: z.string().regex(/^[a-z0-9-]{1,64}$/, 'a region like us-east-1 or auto'),
  /** `path`: https://endpoint/bucket/key; `virtual`: https://bucket.endpoint/key. */
  addressing: z.enum(['path', 'virtual']),
  /** An upstream bucket that validating the connection probes; without one, ListBuckets is probed. */
  probeBucket: z.string().min(1).max(255).optional(),
  /**
   * The upstream applies If-Match / If-None-Match on PutObject atomically (AWS S3, R2, MinIO,
   * bucketgate do). Off by default: conditional PUTs are then refused with 501 rather than
   * passed to a store that might ignore them (adrs/0017).
   */
  conditionalWrites: z.boolean().optional(),
});
export type S3ConnectionSettings = z.infer<typeof S3ConnectionSettings>;

const Common = {
  name: ConnectionName,
  owner: z.string().min(1).max(256).nullable().optional(),
  labels: Labels.optional(),
};

/** POST /admin/v1/connections. */
export const ConnectionCreateInput = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('s3'),
    ...Common,
    endpoint: S3ConnectionSettings.shape.endpoint,
    region: S3ConnectionSettings.shape.region.default('us-east-1'),
    addressing: S3ConnectionSettings.shape.addressing.default('path'),
    probeBucket: S3ConnectionSettings.shape.probeBucket,
    conditionalWrites: S3ConnectionSettings.shape.conditionalWrites,
    auth: AuthInput,
  }),
]);
export type ConnectionCreateInput = z.output<typeof ConnectionCreateInput>;

/** PATCH /admin/v1/connections/:id. Credentials change only through /rotate; kind never changes. */
export const ConnectionPatchInput = z.strictObject({
  name: ConnectionName.optional(),
  owner: z.string().min(1).max(256).nullable().optional(),
  labels: Labels.optional(),
  endpoint: S3ConnectionSettings.shape.endpoint.optional(),
  region: S3ConnectionSettings.shape.region.optional(),
  addressing: S3ConnectionSettings.shape.addressing.optional(),
  probeBucket: S3ConnectionSettings.shape.probeBucket.nullable(),
  conditionalWrites: S3ConnectionSettings.shape.conditionalWrites,
  /** An admin may suspend or resume; `failing`/`requires_reauth` are set by validation. */
  status: z.enum(['active', 'suspended']).optional(),
});
export type ConnectionPatchInput = z.output<typeof ConnectionPatchInput>;

/** POST /admin/v1/connections/:id/rotate: the new credentials (any mode). */
export const ConnectionRotateInput = z.strictObject({ auth: AuthInput });

export const ConnectionStatus = z.enum(['active', 'failing', 'requires_reauth', 'suspended']);
export type ConnectionStatus = z.infer<typeof ConnectionStatus>;

/** The outcome of the last probe of the upstream; `reason` names the failing call and the upstream's code. */
export const ValidationResult = z.object({
  ok: z.boolean(),
  at: z.string(),
  reason: z.string().optional(),
  /** Saved with ?validate=false: nothing was probed. */
  skipped: z.boolean().optional(),
});
export type ValidationResult = z.infer<typeof ValidationResult>;

/** A connection as the admin API answers it and the registry caches it (public part). */
export const Connection = z.object({
  id: z.string(),
  name: ConnectionName,
  kind: z.literal('s3'),
  settings: S3ConnectionSettings,
  auth: PublicAuth,
  status: ConnectionStatus,
  lastValidation: ValidationResult.nullable(),
  owner: z.string().nullable(),
  labels: z.record(z.string(), z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Connection = z.infer<typeof Connection>;

/** The connection as D1 and KV hold it: the static secret stays sealed. */
export const StoredConnection = Connection.extend({ sealedCredential: z.string().nullable() });
export type StoredConnection = z.infer<typeof StoredConnection>;

/** The static key pair a `static` connection seals (JSON inside the envelope). */
export const StaticKeyPair = z.object({ accessKeyId: z.string(), secretAccessKey: z.string() });
export type StaticKeyPair = z.infer<typeof StaticKeyPair>;

/** In isolate memory only: the connection with its static key pair opened. */
export interface LiveConnection {
  connection: Connection;
  staticKeys: StaticKeyPair | null;
}
