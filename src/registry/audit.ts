import { errorText, log } from '../core/log';
import type { Env } from '../env';
import { MasterKeyError } from '../secrets/envelope';
import { RegistryError } from './errors';

export interface AuditEntry {
  /** Who: 'admin', an access key id, or a role session. */
  actor: string;
  /** What, as `<noun>.<verb>`: `bucket.create`, `key.rotate`, ... */
  action: string;
  /** The bucket name or access key id acted on. */
  target: string | null;
  /** 'success' or the error code the write ended with. */
  outcome: string;
  /** Non-secret particulars (changed fields, counts). */
  detail?: Record<string, unknown>;
}

export const DEFAULT_AUDIT_RETENTION_DAYS = 90;

/** How long audit_log rows and STS failure counts are kept: AUDIT_RETENTION_DAYS (1..3650), default 90. */
export function auditRetentionDays(env: Pick<Env, 'AUDIT_RETENTION_DAYS'>): number {
  const days = Number(env.AUDIT_RETENTION_DAYS);
  return Number.isInteger(days) && days >= 1 && days <= 3650 ? days : DEFAULT_AUDIT_RETENTION_DAYS;
}

// Defence in depth: a field that looks like a credential is dropped even if a caller passes one.
const SECRET_LIKE = /secret|token|password|credential|ciphertext/i;

/**
 * Appends one row to audit_log. An audit failure is logged rather than thrown: the write it
 * describes has already happened (or failed) and the caller's answer must say so.
 */
export async function recordAudit(env: Env, entry: AuditEntry): Promise<void> {
  const detail = entry.detail ? JSON.stringify(withoutSecrets(entry.detail)) : null;
  try {
    await env.DB.prepare('INSERT INTO audit_log (at, actor, action, target, outcome, detail) VALUES (?, ?, ?, ?, ?, ?)')
      .bind(new Date().toISOString(), entry.actor, entry.action, entry.target?.slice(0, 256) ?? null, entry.outcome, detail)
      .run();
  } catch (error) {
    log.error('audit write failed', { action: entry.action, target: entry.target, error: errorText(error) });
  }
}

/** Runs a registry write and records its outcome: success, or the error code it failed with. */
export async function audited<T>(env: Env, entry: Omit<AuditEntry, 'outcome'>, work: () => Promise<T>): Promise<T> {
  try {
    const result = await work();
    await recordAudit(env, { ...entry, outcome: 'success' });
    return result;
  } catch (error) {
    await recordAudit(env, { ...entry, outcome: auditOutcome(error) });
    throw error;
  }
}

export function auditOutcome(error: unknown): string {
  if (error instanceof RegistryError) return error.code;
  if (error instanceof MasterKeyError) return 'MasterKeyMisconfigured';
  return 'InternalError';
}

function withoutSecrets(detail: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(detail)
      .filter(([name]) => !SECRET_LIKE.test(name))
      .map(([name, value]) => [name, value !== null && typeof value === 'object' && !Array.isArray(value) ? withoutSecrets(value as Record<string, unknown>) : value]),
  );
}
