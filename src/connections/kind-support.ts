import type { Env } from '../env';
import { RegistryValidationError } from '../registry/errors';
import type { ProbeOutcome } from '../storage/driver-types';

/** What every connection kind's file shares: credential failures, fingerprints, Worker-secret JSON, settings merging. */

/** The connection's credentials cannot be had now; `reauth` when an operator must supply new ones. */
export class CredentialUnavailableError extends Error {
  override readonly name = 'CredentialUnavailableError';
  constructor(
    message: string,
    readonly reauth: boolean,
  ) {
    super(message);
  }
}

/**
 * Tells secrets apart without revealing them: the last 4 characters of a non-secret identifier
 * (an access key id, an account or user name) when there is one, and the first 8 hex digits of
 * SHA-256 over the parts (32 bits: recognisable, not searchable).
 */
export async function fingerprint(identifier: string | null, ...parts: string[]): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(parts.join('\u0000'))));
  const hex = [...digest.slice(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join('');
  return identifier === null ? `sha256:${hex}` : `…${identifier.slice(-4)} sha256:${hex}`;
}

/**
 * The named Worker secret as a JSON object of strings, read at open. `shape` says what it should
 * hold (for the message); the content is never echoed, not even in part.
 */
export function workerSecretJson(env: Env, name: string, shape: string): Record<string, string> {
  const raw = (env as unknown as Record<string, unknown>)[name];
  if (typeof raw !== 'string') throw new CredentialUnavailableError(`the Worker secret ${name} is not set`, true);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = null;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new CredentialUnavailableError(`the Worker secret ${name} is not JSON ${shape}`, true);
  return Object.fromEntries(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== ''));
}

/** A probe that could not even resolve credentials fails at `auth` with the provider's reason. */
export async function withCredentials<T>(resolve: () => Promise<T>, probe: (credentials: T) => Promise<ProbeOutcome>): Promise<ProbeOutcome> {
  let credentials: T;
  try {
    credentials = await resolve();
  } catch (error) {
    if (error instanceof CredentialUnavailableError) return { ok: false, field: 'auth', reason: error.message };
    throw error;
  }
  return probe(credentials);
}

/**
 * Current settings with a PATCH's (or a create's) fields laid over: `undefined` keeps, `null`
 * clears an optional setting, anything else replaces. Only `keys` are taken from `fields`.
 */
export function mergeSettings(current: object | null, fields: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const next: Record<string, unknown> = { ...(current ?? {}) };
  for (const key of keys) {
    if (fields[key] === undefined) continue;
    if (fields[key] === null) delete next[key];
    else next[key] = fields[key];
  }
  return next;
}

/** A settings error at the input field to fix. */
export function settingsError(field: string, message: string): RegistryValidationError {
  return new RegistryValidationError({ [field]: [message] });
}
