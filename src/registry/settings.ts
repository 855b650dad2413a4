import { log } from '../core/log';
import { z } from 'zod';
import type { Env } from '../env';
import { audited } from './audit';
import { checkBackend } from './backend-check';
import type { SaveOptions } from './connections';
import { parseInput } from './errors';
import { BackendConfig } from './schemas';

/**
 * Deployment settings changed through /admin/v1/settings (adrs/0019). Today one: the default
 * backend, where buckets created by S3 CreateBucket (or admin creates without a backend) live —
 * an R2 binding or any connection + upstream bucket, with a base prefix under which each new
 * bucket gets its own `<base>buckets/<name>/`. Until an admin sets it, the value comes from
 * wrangler.toml: `DEFAULT_BACKEND` (JSON, same shape) or else the `DEFAULT_R2_BINDING` binding.
 */

const DEFAULT_BACKEND = 'default_backend';

export const SettingsInput = z.strictObject({ defaultBackend: BackendConfig });

export interface Settings {
  /** `prefix` is the base: each bucket is placed at `<prefix>buckets/<name>/`. */
  defaultBackend: BackendConfig;
  /** Where the value comes from: set through the admin API, or wrangler.toml vars. */
  source: { defaultBackend: 'admin' | 'wrangler' };
}

export async function getSettings(env: Env): Promise<Settings> {
  const row = await env.DB.prepare('SELECT value FROM settings WHERE name = ?').bind(DEFAULT_BACKEND).first<{ value: string }>();
  const stored = row ? BackendConfig.safeParse(JSON.parse(row.value)) : null;
  if (stored?.success) return { defaultBackend: stored.data, source: { defaultBackend: 'admin' } };
  return { defaultBackend: wranglerDefault(env), source: { defaultBackend: 'wrangler' } };
}

/** PUT /admin/v1/settings: validated like a bucket's backend (probe unless ?validate=false), audited. */
export async function putSettings(env: Env, input: unknown, actor: string, options: SaveOptions): Promise<Settings> {
  return audited(env, { actor, action: 'settings.update', target: DEFAULT_BACKEND, detail: { validate: options.validate } }, async () => {
    const { defaultBackend } = parseInput(SettingsInput, input);
    await checkBackend(env, defaultBackend, 'defaultBackend', options);
    await env.DB.prepare('INSERT INTO settings (name, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at')
      .bind(DEFAULT_BACKEND, JSON.stringify(defaultBackend), new Date().toISOString())
      .run();
    return { defaultBackend, source: { defaultBackend: 'admin' } };
  });
}

/** Where a bucket created without an explicit backend lives: its own prefix under the default's base. */
export async function defaultBackendFor(env: Env, name: string): Promise<BackendConfig> {
  const { defaultBackend } = await getSettings(env);
  return { ...defaultBackend, prefix: `${defaultBackend.prefix}buckets/${name}/` };
}

function wranglerDefault(env: Env): BackendConfig {
  if (env.DEFAULT_BACKEND) {
    const parsed = safeJson(env.DEFAULT_BACKEND);
    const config = BackendConfig.safeParse(parsed);
    if (config.success) return config.data;
    log.error('DEFAULT_BACKEND is not a backend config; using DEFAULT_R2_BINDING');
  }
  return { type: 'r2', binding: env.DEFAULT_R2_BINDING || 'STORAGE', prefix: '' };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
