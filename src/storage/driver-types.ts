import type { z } from 'zod';
import type { Env } from '../env';
import type { Backend } from './backend';

/** What a driver may reach when it opens: the deployment's bindings and settings. */
export interface DriverContext {
  env: Env;
}

/**
 * One kind of storage. `configSchema` validates what the registry stores for a bucket (never a
 * secret); `secrets` are resolved by the caller (registry connection, federation) and handed in.
 * `open` does no I/O beyond what the store's client needs; `validate` checks a config can work
 * (binding present, endpoint allowed) and throws StorageError('misconfigured') when it cannot.
 */
export interface Driver<Config extends { type: string }, Secrets = undefined> {
  readonly type: Config['type'];
  readonly configSchema: z.ZodType<Config>;
  open(ctx: DriverContext, config: Config, secrets: Secrets): Promise<Backend>;
  validate(ctx: DriverContext, config: Config, secrets: Secrets): Promise<void>;
}

/**
 * Whether an upstream location is usable, and if not, why — in terms an operator can act on.
 * Every driver's probe (validate-before-save, adrs/0019) answers this.
 */
export type ProbeOutcome = { ok: true } | { ok: false; field: 'endpoint' | 'auth' | 'bucket'; reason: string };
