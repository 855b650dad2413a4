import type { Env } from '../env';

export type UsageDimension = 'bucket' | 'principal' | 'operation' | 'day';

export interface UsageFilter {
  from: string;
  to: string;
  groupBy: readonly UsageDimension[];
  bucket?: string;
  principal?: string;
}

export interface UsageTotals {
  bucket?: string;
  principal?: string;
  operation?: string;
  day?: string;
  requests: number;
  bytesIn: number;
  bytesOut: number;
  errors: number;
}

/** Every answer is bounded: a year of days × the busiest groups. */
export const MAX_USAGE_ROWS = 10_000;

/** Sums of `usage_daily` over an inclusive day range, grouped by the given dimensions (column names are from a fixed list). */
export async function usageTotals(env: Pick<Env, 'DB'>, filter: UsageFilter): Promise<UsageTotals[]> {
  const groups = [...new Set(filter.groupBy)];
  const where = ['day >= ?', 'day <= ?'];
  const binds: unknown[] = [filter.from, filter.to];
  if (filter.bucket !== undefined) (where.push('bucket = ?'), binds.push(filter.bucket));
  if (filter.principal !== undefined) (where.push('principal = ?'), binds.push(filter.principal));
  const columns = groups.join(', ');
  const { results } = await env.DB.prepare(
    `SELECT ${columns}, SUM(requests) AS requests, SUM(bytes_in) AS bytesIn, SUM(bytes_out) AS bytesOut, SUM(errors) AS errors
     FROM usage_daily WHERE ${where.join(' AND ')} GROUP BY ${columns} ORDER BY ${columns} LIMIT ${MAX_USAGE_ROWS}`,
  )
    .bind(...binds)
    .all<UsageTotals>();
  return results;
}
