import type { Env } from '../env';
import { errorText, log } from '../core/log';
import { auditRetentionDays } from '../registry/audit';

const DEFAULT_USAGE_RETENTION_DAYS = 400;
const DAY_MS = 86_400_000;

/** How long usage_daily rows are kept: USAGE_RETENTION_DAYS (1..3650), default 400 (a year and a month to compare). */
export function usageRetentionDays(env: Pick<Env, 'USAGE_RETENTION_DAYS'>): number {
  const days = Number(env.USAGE_RETENTION_DAYS);
  return Number.isInteger(days) && days >= 1 && days <= 3650 ? days : DEFAULT_USAGE_RETENTION_DAYS;
}

/**
 * The scheduled handler's retention pass (adrs/0024; `[triggers] crons` in wrangler.toml): deletes
 * audit_log rows (admin writes and STS exchanges alike) and STS failure counts older than
 * AUDIT_RETENTION_DAYS, and usage rows older than USAGE_RETENTION_DAYS. Each table is pruned on
 * its own, so one failure does not keep the others from being pruned; failures are logged.
 */
export async function pruneExpired(env: Env, now: Date): Promise<void> {
  const auditCutoff = new Date(now.getTime() - auditRetentionDays(env) * DAY_MS).toISOString();
  const usageCutoff = new Date(now.getTime() - usageRetentionDays(env) * DAY_MS).toISOString().slice(0, 10);
  const deletions: [table: string, statement: D1PreparedStatement][] = [
    ['audit_log', env.DB.prepare('DELETE FROM audit_log WHERE at < ?').bind(auditCutoff)],
    ['sts_failures', env.DB.prepare('DELETE FROM sts_failures WHERE minute < ?').bind(auditCutoff.slice(0, 16))],
    ['usage_daily', env.DB.prepare('DELETE FROM usage_daily WHERE day < ?').bind(usageCutoff)],
  ];
  for (const [table, statement] of deletions) {
    try {
      const { meta } = await statement.run();
      log.info('retention pruned', { table, rows: meta.changes ?? 0 });
    } catch (error) {
      log.error('retention prune failed', { table, error: errorText(error) });
    }
  }
}
