import { z } from 'zod';
import { errorText, log } from '../core/log';
import type { Env } from '../env';
import { checkEndpoint, parseAllowList } from '../storage/endpoint-guard';
import { MAX_USAGE_ROWS, type UsageFilter, type UsageTotals } from './query';

/**
 * GET /admin/v1/usage's answer from Workers Analytics Engine (adrs/0024), through its SQL API:
 * `POST <base>/accounts/<account>/analytics_engine/sql` with the query as the body and
 * `Authorization: Bearer <token>`; 200 answers `FORMAT JSON` (`{meta, data, rows}`), anything
 * else is a failure whose body is text (Cloudflare's docs: "the API will return a 200 status code
 * if the query succeeded").
 *
 * The same sums and filters as the D1 path (query.ts), over the data points the usage hook writes
 * (hook.ts): blob1 bucket, blob2 principal, blob3 operation; double1 = 1 request, double2 bytes
 * in, double3 bytes out, double4 = 1 when the answer was an error. Every sum is weighted by
 * `_sample_interval`, as Cloudflare's sampling docs prescribe, so sampled data gives estimates
 * (rounded to whole numbers) rather than undercounts.
 *
 * Injection: the SQL API takes no bound parameters, so nothing from the request is copied into
 * the query unless it matched a closed pattern first — group-by names map to fixed expressions,
 * days are `YYYY-MM-DD`, and bucket/principal values (zod-checked in admin/usage-schemas.ts) are
 * checked again here against a character set that cannot end a string literal (no quote, no
 * backslash). The dataset name comes from configuration and is checked as an identifier.
 */

export const DEFAULT_SQL_API_BASE = 'https://api.cloudflare.com/client/v4';
export const DEFAULT_USAGE_DATASET = 'bucketgate_usage';
const QUERY_TIMEOUT_MS = 10_000;
/** What of a failed answer's text reaches the log and the admin's error message. */
const ERROR_SNIPPET_CHARS = 300;

/** Filter values that may be written into a string literal: no quote, no backslash, nothing that ends one. */
export const SQL_SAFE_VALUE = /^[A-Za-z0-9_+=,.@/:-]*$/;
const ACCOUNT_ID = /^[0-9a-f]{32}$/;
const DATASET = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

const DIMENSION_EXPRESSIONS = {
  bucket: 'blob1',
  principal: 'blob2',
  operation: 'blob3',
  day: "formatDateTime(timestamp, '%Y-%m-%d')",
} as const;

export interface AnalyticsEngineSql {
  /** `<base>/accounts/<account>/analytics_engine/sql`, already through the SSRF guard. */
  url: URL;
  dataset: string;
  token: string;
}

/** The deployment's SQL API settings; null when USAGE_SQL_ACCOUNT_ID or the token is unset (then usage reads D1). */
export function analyticsEngineSql(env: Env): AnalyticsEngineSql | null {
  const accountId = env.USAGE_SQL_ACCOUNT_ID?.trim();
  const token = env.USAGE_SQL_API_TOKEN;
  if (!accountId || !token) return null;
  if (!ACCOUNT_ID.test(accountId)) throw new UsageQueryError('misconfigured', 'USAGE_SQL_ACCOUNT_ID must be the 32-character hex account id');
  const dataset = env.USAGE_DATASET?.trim() || DEFAULT_USAGE_DATASET;
  if (!DATASET.test(dataset)) throw new UsageQueryError('misconfigured', 'USAGE_DATASET must be a plain identifier (letters, digits, _)');
  // Only tests point this elsewhere; whatever it names passes the same guard as every upstream.
  const base = (env.USAGE_SQL_API_BASE?.trim() || DEFAULT_SQL_API_BASE).replace(/\/+$/, '');
  const checked = checkEndpoint(base, parseAllowList(env.ALLOWED_UPSTREAM_HOSTS));
  if (!checked.ok) throw new UsageQueryError('misconfigured', `USAGE_SQL_API_BASE is refused: ${checked.detail}`);
  return { url: new URL(`${checked.url.href.replace(/\/+$/, '')}/accounts/${accountId}/analytics_engine/sql`), dataset, token };
}

/** Why the SQL API gave no usable answer. The message never holds the token. */
export class UsageQueryError extends Error {
  override readonly name = 'UsageQueryError';
  constructor(
    readonly kind: 'misconfigured' | 'refused' | 'unreachable' | 'unreadable',
    message: string,
  ) {
    super(message);
  }
}

/** The query for `filter`: the D1 path's sums and filters in the Analytics Engine dialect. */
export function usageSql(dataset: string, filter: UsageFilter): string {
  if (!DATASET.test(dataset)) throw new UsageQueryError('misconfigured', 'invalid dataset name');
  const groups = [...new Set(filter.groupBy)];
  const select = groups.map((g) => `${DIMENSION_EXPRESSIONS[g]} AS ${g}`);
  const where = [`timestamp >= toDateTime(${dayStart(filter.from)})`, `timestamp < toDateTime(${dayStart(nextDay(filter.to))})`];
  if (filter.bucket !== undefined) where.push(`blob1 = ${stringLiteral(filter.bucket)}`);
  if (filter.principal !== undefined) where.push(`blob2 = ${stringLiteral(filter.principal)}`);
  return [
    `SELECT ${select.join(', ')},`,
    '  SUM(_sample_interval) AS requests, SUM(_sample_interval * double2) AS bytesIn,',
    '  SUM(_sample_interval * double3) AS bytesOut, SUM(_sample_interval * double4) AS errors',
    `FROM ${dataset}`,
    `WHERE ${where.join(' AND ')}`,
    `GROUP BY ${groups.join(', ')}`,
    `ORDER BY ${groups.join(', ')}`,
    `LIMIT ${MAX_USAGE_ROWS}`,
    'FORMAT JSON',
  ].join('\n');
}

/** FORMAT JSON's answer. Numbers may come quoted (64-bit integers are, in ClickHouse's JSON). */
const SqlAnswer = z.object({
  meta: z.array(z.object({ name: z.string(), type: z.string() })),
  data: z.array(z.record(z.string(), z.unknown())),
  rows: z.number(),
});

/** Sums from Analytics Engine, grouped and filtered as `usageTotals` does from D1. */
export async function analyticsEngineUsageTotals(sql: AnalyticsEngineSql, filter: UsageFilter): Promise<UsageTotals[]> {
  const groups = [...new Set(filter.groupBy)];
  let response: Response;
  try {
    response = await fetch(sql.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${sql.token}`, 'content-type': 'text/plain; charset=utf-8', accept: 'application/json' },
      body: usageSql(sql.dataset, filter),
      redirect: 'manual',
      signal: AbortSignal.timeout(QUERY_TIMEOUT_MS),
    });
  } catch (error) {
    log.warn('usage query failed', { source: 'analytics-engine', error: redacted(errorText(error), sql.token) });
    throw new UsageQueryError('unreachable', 'the Analytics Engine SQL API could not be reached');
  }
  const text = await response.text();
  if (response.status !== 200) {
    const snippet = redacted(text.slice(0, ERROR_SNIPPET_CHARS), sql.token);
    log.warn('usage query failed', { source: 'analytics-engine', status: response.status, error: snippet });
    throw new UsageQueryError('refused', `the Analytics Engine SQL API answered ${response.status}: ${snippet}`);
  }
  let parsed: z.infer<typeof SqlAnswer>;
  try {
    parsed = SqlAnswer.parse(JSON.parse(text));
  } catch (error) {
    log.warn('usage query failed', { source: 'analytics-engine', error: 'unreadable answer', detail: redacted(errorText(error), sql.token).slice(0, ERROR_SNIPPET_CHARS) });
    throw new UsageQueryError('unreadable', 'the Analytics Engine SQL API answered something other than FORMAT JSON');
  }
  return parsed.data.map((row) => toTotals(row, groups));
}

function toTotals(row: Record<string, unknown>, groups: readonly string[]): UsageTotals {
  const totals: UsageTotals = { requests: count(row.requests), bytesIn: count(row.bytesIn), bytesOut: count(row.bytesOut), errors: count(row.errors) };
  for (const g of groups) (totals as unknown as Record<string, string>)[g] = String(row[g] ?? '');
  return totals;
}

/** A sum as a whole number: weighted sums of sampled rows are estimates, and may come as strings. */
function count(value: unknown): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(n)) throw new UsageQueryError('unreadable', 'the Analytics Engine SQL API answered a sum that is not a number');
  return Math.round(n);
}

function stringLiteral(value: string): string {
  // Validated before it got here (admin/usage-schemas.ts); checked again where it becomes SQL.
  if (!SQL_SAFE_VALUE.test(value)) throw new UsageQueryError('misconfigured', 'a filter value outside the safe character set reached the query');
  return `'${value}'`;
}

function dayStart(day: string): string {
  if (!DAY.test(day)) throw new UsageQueryError('misconfigured', 'a day that is not YYYY-MM-DD reached the query');
  return `'${day} 00:00:00'`;
}

function nextDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

function redacted(text: string, token: string): string {
  return token ? text.split(token).join('[redacted]') : text;
}
