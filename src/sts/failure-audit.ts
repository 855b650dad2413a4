import { errorText, log } from '../core/log';
import type { Env } from '../env';

/**
 * Failed STS calls, counted rather than logged one by one (adrs/0014): one `sts_failures` row per
 * client (salted IP hash) × minute × action × error code, upserted with a count, holding the
 * particulars of the latest such failure. A client failing a thousand times a minute costs one
 * row, not a thousand, and the rate limit bounds the writes. Successful calls keep their full
 * audit_log row (sts/audit.ts).
 */

export interface StsFailure {
  action: string;
  code: string;
  clientIpHash: string | null;
  /** Role, issuer, subject, reason … of this failure: kept for the latest one of its row. */
  detail: Record<string, unknown>;
}

/** Long enough for an issuer URL or a GitHub `sub`; bounds what one row can hold. */
const MAX_DETAIL_STRING = 256;

export async function recordStsFailure(env: Env, failure: StsFailure, now: Date): Promise<void> {
  const at = now.toISOString();
  try {
    await env.DB.prepare(
      `INSERT INTO sts_failures (minute, client_hash, action, code, count, last_at, last_detail) VALUES (?, ?, ?, ?, 1, ?, ?)
       ON CONFLICT (minute, client_hash, action, code) DO UPDATE SET count = count + 1, last_at = excluded.last_at, last_detail = excluded.last_detail`,
    )
      .bind(at.slice(0, 16), failure.clientIpHash ?? '', failure.action, failure.code.slice(0, 64), at, JSON.stringify(bounded(failure.detail)))
      .run();
  } catch (error) {
    log.error('sts failure audit write failed', { action: failure.action, errorCode: failure.code, error: errorText(error) });
  }
}

/** Deletes failure counts of minutes before `cutoff` (an ISO timestamp). */
export async function pruneStsFailures(env: Env, cutoff: string): Promise<void> {
  await env.DB.prepare('DELETE FROM sts_failures WHERE minute < ?').bind(cutoff.slice(0, 16)).run();
}

function bounded(detail: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(detail)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, typeof v === 'string' && v.length > MAX_DETAIL_STRING ? `${v.slice(0, MAX_DETAIL_STRING)}…` : v]),
  );
}
