import type { z } from 'zod';
import type { Env } from '../env';
import type { Backend } from '../storage/backend';
import type { ProbeOutcome } from '../storage/driver-types';
import type { ValidationResult } from '../registry/connection-schemas';

/**
 * One kind of storage connection (adrs/0023): everything that differs between an S3 account, an
 * Azure storage account and a WebDAV server, in one entry beside its driver. The registry stores
 * any kind the same way (settings JSON, public auth JSON, one sealed envelope); the admin API
 * validates through `createInput`/`patchFields`/`authInput`; opening a bucket and probing go
 * through `open`/`probe`. Nothing outside the kind's file knows its settings' shape.
 */

/** A connection record of some kind, as the registry keeps its public part. */
export interface ConnectionRecord<K extends string = string, S = unknown, A extends { mode: string } = { mode: string }> {
  id: string;
  name: string;
  kind: K;
  settings: S;
  auth: A;
  status: 'active' | 'failing' | 'requires_reauth' | 'suspended';
  lastValidation: ValidationResult | null;
  owner: string | null;
  labels: Record<string, string>;
  createdAt: string;
  updatedAt: string;
}

/** In isolate memory only: the connection with its sealed secret opened (null when its mode seals none). */
export interface LiveConnectionOf<C extends ConnectionRecord, Secret> {
  connection: C;
  secret: Secret | null;
}

/** A bucket location on a connection: `type` is the connection's kind. */
export interface LocationRecord<K extends string = string> {
  type: K;
  connection: string;
  prefix: string;
}

type ProbeOutcomeField = Extract<ProbeOutcome, { ok: false }>['field'];

/** A probe's answer, with what it found the upstream can do (stored in the connection's last validation). */
export interface KindProbe {
  outcome: ProbeOutcome;
  detected?: Record<string, boolean>;
}

/** Which virtual bucket a backend or probe serves: keyless federation names it as the token's `sub`. */
export interface OpenContext {
  bucket?: string;
}

export interface ConnectionKind<C extends ConnectionRecord, Secret, L extends LocationRecord<C['kind']>, AuthIn extends { mode: string }> {
  readonly kind: C['kind'];
  /** POST /admin/v1/connections for this kind: `{ kind, name, owner?, labels?, <settings>, auth }`, input defaults applied. */
  readonly createInput: z.ZodObject;
  /** The kind's own PATCH fields (optional; `null` clears an optional setting). */
  readonly patchFields: z.ZodRawShape;
  /** The auth modes this kind accepts, as input (secrets included). */
  readonly authInput: z.ZodType<AuthIn>;
  /** The connection as stored and answered (public part). */
  readonly record: z.ZodObject;
  /** What the envelope holds for the modes that seal one. */
  readonly secret: z.ZodType<Secret>;
  /** A bucket's backend config on a connection of this kind. */
  readonly location: z.ZodObject;
  /** The field of `location` that names the container on the upstream (`bucket`, `container`), if the kind has one: with the prefix, a bucket's place. */
  readonly containerField?: string;
  /** The input field a failed connection probe's `field` (endpoint, auth, bucket) is reported at. */
  readonly outcomeFields: Record<ProbeOutcomeField, string>;
  /** Settings from the create input's fields, or from the current settings and a PATCH's fields; throws RegistryValidationError at the field. */
  settingsFrom(fields: Record<string, unknown>, current: C['settings'] | null): C['settings'];
  /** The public auth and the secret to seal (null: nothing to seal). */
  seal(auth: AuthIn): Promise<{ auth: C['auth']; secret: Secret | null }>;
  /** Every user-supplied URL of the connection, by the input field it came from: each passes the SSRF guard at save. */
  endpoints(connection: Pick<C, 'settings' | 'auth'>): Record<string, string>;
  /** Probes the connection (location absent) or a bucket location on it, with these very credentials. */
  probe(env: Env, live: LiveConnectionOf<C, Secret>, location?: L): Promise<KindProbe>;
  /** The bucket's backend; throws CredentialUnavailableError when the credentials cannot be had now. */
  open(env: Env, live: LiveConnectionOf<C, Secret>, location: L, context: OpenContext): Promise<Backend>;
}
