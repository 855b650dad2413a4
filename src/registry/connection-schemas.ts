import { z } from 'zod';

/**
 * Storage connections (adrs/0019, adrs/0023): an upstream account that buckets reference. What is
 * common to every kind lives here; each kind (src/connections/kinds/) brings its settings, its
 * auth modes and its bucket location, and src/connections/kinds.ts assembles the unions by `kind`.
 * Secrets appear only in input; what is stored and answered is the kind's public auth (mode,
 * non-secret settings, fingerprint). This file imports nothing from src/ so that kinds can build on it.
 */

export const Labels = z
  .record(z.string().min(1).max(128), z.string().max(256))
  .refine((labels) => Object.keys(labels).length <= 50, 'at most 50 labels');

export const ConnectionName = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, '1–63 lowercase letters, digits, ".", "_" or "-"');

/** A Worker secret's name, as wrangler accepts it. */
export const WorkerSecretName = z.string().regex(/^[A-Z_][A-Z0-9_]{0,127}$/, 'a Worker secret name like UPSTREAM_SECRET');

/** The credentials are JSON in a Worker secret, read when the connection is opened (its shape is the kind's). */
export const SecretRefAuth = z.strictObject({
  mode: z.literal('secret_ref'),
  secretName: WorkerSecretName,
});
/** Unsigned requests: a public upstream. */
export const AnonymousAuth = z.strictObject({ mode: z.literal('anonymous') });
/** The public record of a sealed secret: which mode, and a fingerprint that tells secrets apart without revealing them. */
export const fingerprinted = <M extends string>(mode: M) => z.object({ mode: z.literal(mode), fingerprint: z.string() });

/** An absolute URL a kind's setting names (checked by the SSRF guard at save and before each request). */
export const UrlSetting = z.string().min(1).max(2048);

/** Fields every kind's create input has, beside its settings and `auth`. */
export const CommonCreateFields = {
  name: ConnectionName,
  owner: z.string().min(1).max(256).nullable().optional(),
  labels: Labels.optional(),
};

/** Fields every kind's PATCH has, beside its own settings. Credentials change only through /rotate; kind never changes. */
export const CommonPatchFields = {
  name: ConnectionName.optional(),
  owner: z.string().min(1).max(256).nullable().optional(),
  labels: Labels.optional(),
  /** An admin may suspend or resume; `failing`/`requires_reauth` are set by validation. */
  status: z.enum(['active', 'suspended']).optional(),
};

export const ConnectionStatus = z.enum(['active', 'failing', 'requires_reauth', 'suspended']);
export type ConnectionStatus = z.infer<typeof ConnectionStatus>;

/** The outcome of the last probe of the upstream; `reason` names the failing call and the upstream's code. */
export const ValidationResult = z.object({
  ok: z.boolean(),
  at: z.string(),
  reason: z.string().optional(),
  /** Saved with ?validate=false: nothing was probed. */
  skipped: z.boolean().optional(),
  /** What the probe found the upstream can do (webdav: `conditionalWrites`, `deadProperties`); fed to the driver. */
  detected: z.record(z.string(), z.boolean()).optional(),
});
export type ValidationResult = z.infer<typeof ValidationResult>;

/** What every connection record has, whatever its kind. */
export const ConnectionBase = z.object({
  id: z.string(),
  name: ConnectionName,
  status: ConnectionStatus,
  lastValidation: ValidationResult.nullable(),
  owner: z.string().nullable(),
  labels: z.record(z.string(), z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
});

/** Where a bucket lives on a connection: every kind's location has these (adrs/0023). */
export const LocationBase = {
  /** The connection's id. */
  connection: z.string().regex(/^[0-9a-f-]{36}$/, 'a connection id'),
  prefix: z.string().max(512).default(''),
  /** Stores with real collections (Azure virtual directories, WebDAV): '' or a path ending in '/'. */
  collectionPrefix: z.string().max(512).regex(/^(|.*\/)$/, "'' or a path ending in '/'").refine((p) => !p.startsWith('/') && !p.split('/').some((s) => s === '.' || s === '..'), "no leading '/' and no '.' or '..' segments").default(''),
};
