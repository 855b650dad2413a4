import type { Env } from '../env';
import { recordAudit } from '../registry/audit';
import { deriveStsKeyBits } from './keys';

/**
 * STS calls in audit_log (adrs/0009 lists what is personal data and how long it is kept):
 * action `sts.<Action>`, target the role or caller, outcome `success` or the STS error code, and
 * detail with the issuer, subject, session name, reason and a salted hash of the client IP.
 * Rows older than STS_AUDIT_RETENTION_DAYS are pruned now and then by STS calls themselves.
 */

export const STS_AUDIT_RETENTION_DAYS = 90;
/** One call in this many prunes expired rows: bounded work, no cron needed. */
const PRUNE_ONE_IN = 100;

export interface StsAuditEvent {
  action: 'AssumeRoleWithWebIdentity' | 'GetCallerIdentity';
  actor: string;
  target: string | null;
  outcome: string;
  detail: Record<string, unknown>;
}

export async function recordStsCall(env: Env, request: Request, event: StsAuditEvent, now: Date): Promise<void> {
  const clientIpHash = await hashClientIp(env, request.headers.get('cf-connecting-ip'), now);
  await recordAudit(env, {
    actor: event.actor,
    action: `sts.${event.action}`,
    target: event.target,
    outcome: event.outcome,
    detail: { ...event.detail, clientIpHash },
  });
  if (Math.random() * PRUNE_ONE_IN < 1) await pruneStsAudit(env, now);
}

export async function pruneStsAudit(env: Env, now: Date): Promise<void> {
  const cutoff = new Date(now.getTime() - STS_AUDIT_RETENTION_DAYS * 86_400_000).toISOString();
  try {
    await env.DB.prepare("DELETE FROM audit_log WHERE action LIKE 'sts.%' AND at < ?").bind(cutoff).run();
  } catch (error) {
    console.warn(JSON.stringify({ level: 'warn', msg: 'sts audit prune failed', error: String(error) }));
  }
}

/**
 * HMAC-SHA256 of the IP under a key derived from MASTER_KEY and the current month: calls from
 * one address can be correlated within a month, not across months, and the address itself is
 * never stored. Null when the runtime does not report one (local development).
 */
export async function hashClientIp(env: Pick<Env, 'MASTER_KEY'>, ip: string | null, now: Date): Promise<string | null> {
  if (!ip) return null;
  const month = now.toISOString().slice(0, 7);
  const bits = await deriveStsKeyBits(env.MASTER_KEY, `audit-client-ip/${month}`, 32);
  const key = await crypto.subtle.importKey('raw', bits, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(ip)));
  return [...mac.slice(0, 16)].map((b) => b.toString(16).padStart(2, '0')).join('');
}
