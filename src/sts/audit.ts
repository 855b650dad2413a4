import { errorText, log } from '../core/log';
import type { Env } from '../env';
import { auditRetentionDays, recordAudit } from '../registry/audit';
import { pruneStsFailures, recordStsFailure } from './failure-audit';
import { deriveStsKeyBits } from './keys';

/**
 * STS calls in the audit (adrs/0009 lists what is personal data and how long it is kept; adrs/0014
 * why failures are counted): a successful call is one audit_log row — action `sts.<Action>`,
 * target the role or caller, detail with the issuer, subject, session name, credentials' ids and
 * a salted hash of the client IP. A failed call adds to its client's per-minute count in
 * sts_failures (failure-audit.ts). Rows older than AUDIT_RETENTION_DAYS (default 90) are pruned
 * now and then by STS calls themselves, and daily by the scheduled handler (src/ops/retention.ts).
 */
/** One call in this many prunes expired rows: bounded work, no cron needed. */
const PRUNE_ONE_IN = 100;

export interface StsAuditEvent {
  action: 'AssumeRoleWithWebIdentity' | 'GetCallerIdentity';
  actor: string;
  target: string | null;
  outcome: string;
  detail: Record<string, unknown>;
}

export async function recordStsCall(env: Env, clientIpHash: string | null, event: StsAuditEvent, now: Date): Promise<void> {
  if (event.outcome === 'success') {
    await recordAudit(env, {
      actor: event.actor,
      action: `sts.${event.action}`,
      target: event.target,
      outcome: event.outcome,
      detail: { ...event.detail, clientIpHash },
    });
  } else {
    await recordStsFailure(env, { action: `sts.${event.action}`, code: event.outcome, clientIpHash, detail: { actor: event.actor, target: event.target, ...event.detail } }, now);
  }
  if (Math.random() * PRUNE_ONE_IN < 1) await pruneStsAudit(env, now);
}

export async function pruneStsAudit(env: Env, now: Date): Promise<void> {
  const cutoff = new Date(now.getTime() - auditRetentionDays(env) * 86_400_000).toISOString();
  try {
    await env.DB.prepare("DELETE FROM audit_log WHERE action LIKE 'sts.%' AND at < ?").bind(cutoff).run();
    await pruneStsFailures(env, cutoff);
  } catch (error) {
    log.warn('sts audit prune failed', { error: errorText(error) });
  }
}

/**
 * HMAC-SHA256 of the IP under a key derived from MASTER_KEY and the current month: calls from
 * one address can be correlated within a month, not across months, and the address itself is
 * never stored. Null when the runtime does not report one (local development).
 */
export async function hashClientIp(env: Pick<Env, 'MASTER_KEY'>, ip: string | null, now: Date): Promise<string | null> {
  if (!ip) return null;
  const month = await clientIpKey(env.MASTER_KEY, now.toISOString().slice(0, 7));
  // A pure function of (month's key, address): a client's next calls (STS, its requests' log lines)
  // reuse it. Kept with the key it was made under, so a new month or MASTER_KEY starts afresh.
  const kept = month.hashes.get(ip);
  if (kept !== undefined) return kept;
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', month.key, new TextEncoder().encode(ip)));
  const hash = [...mac.slice(0, 16)].map((b) => b.toString(16).padStart(2, '0')).join('');
  if (month.hashes.size >= MAX_IP_HASHES) month.hashes.delete(month.hashes.keys().next().value!);
  month.hashes.set(ip, hash);
  return hash;
}

// Every STS call hashes its client IP (the rate limit keys on it): the month's key is derived once
// per isolate, and the hashes it made are kept with it (bounded, oldest forgotten first). Plain
// values, never promises (workerd cancels requests awaiting another's I/O).
interface MonthKey {
  masterKey: string;
  month: string;
  key: CryptoKey;
  hashes: Map<string, string>;
}
let ipKey: MonthKey | undefined;
const MAX_IP_HASHES = 1000;

async function clientIpKey(masterKey: string, month: string): Promise<MonthKey> {
  if (ipKey?.masterKey === masterKey && ipKey.month === month) return ipKey;
  const bits = await deriveStsKeyBits(masterKey, `audit-client-ip/${month}`, 32);
  const key = await crypto.subtle.importKey('raw', bits, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  ipKey = { masterKey, month, key, hashes: new Map() };
  return ipKey;
}
