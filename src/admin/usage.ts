import { createRoute } from '@hono/zod-openapi';
import type { Env } from '../env';
import { analyticsEngineSql, analyticsEngineUsageTotals, type AnalyticsEngineSql, UsageQueryError } from '../usage/analytics-engine-query';
import { usageTotals } from '../usage/query';
import { AdminError, adminErrorResponse } from './errors';
import { adminApp, errorAnswers, jsonAnswer } from './openapi-kit';
import { UsageAnswer, UsageDimension, UsageQuery } from './usage-schemas';

const DEFAULT_DAYS = 30;

/** GET /admin/v1/usage: requests, bytes in/out and errors from Analytics Engine or `usage_daily`, grouped (adrs/0024). */
export function usageRoutes() {
  const app = adminApp();
  const route = createRoute({
    method: 'get',
    path: '/',
    tags: ['usage'],
    summary: 'Sum usage (requests, bytes in/out, errors) by bucket, principal, operation and/or day',
    request: { query: UsageQuery },
    responses: { 200: jsonAnswer(UsageAnswer, 'The sums, one row per group, and where they come from.'), ...errorAnswers(400, 502) },
  });
  app.openapi(route, async (c) => {
    const query = c.req.valid('query');
    const to = query.to ?? new Date().toISOString().slice(0, 10);
    const from = query.from ?? new Date(Date.parse(`${to}T00:00:00Z`) - (DEFAULT_DAYS - 1) * 86_400_000).toISOString().slice(0, 10);
    if (from > to) throw new AdminError(400, 'InvalidRequest', 'request failed validation', { from: ['must not be after to'] });
    const groupBy = (query.groupBy ?? 'day').split(',') as UsageDimension[];
    const filter = { from, to, groupBy, bucket: query.bucket, principal: query.principal };
    const sql = c.env.USAGE ? sqlApiOf(c.env) : null;
    if (sql) {
      const rows = await analyticsEngineUsageTotals(sql, filter).catch((error: unknown) => {
        throw asAdminError(error);
      });
      return c.json({ source: 'analytics-engine' as const, from, to, groupBy, rows }, 200);
    }
    const rows = await usageTotals(c.env, filter);
    return c.json(
      {
        source: 'd1' as const,
        from,
        to,
        groupBy,
        rows,
        ...(c.env.USAGE
          ? {
              note: 'USAGE (Analytics Engine) is bound, so requests are recorded there and not in D1: this answer holds only what D1 recorded before. Set USAGE_SQL_ACCOUNT_ID and the USAGE_SQL_API_TOKEN secret to read the dataset through the Analytics Engine SQL API.',
            }
          : {}),
      },
      200,
    );
  });
  app.onError(adminErrorResponse);
  return app;
}

function sqlApiOf(env: Env): AnalyticsEngineSql | null {
  try {
    return analyticsEngineSql(env);
  } catch (error) {
    throw asAdminError(error);
  }
}

/** A misconfigured deployment is the operator's to fix (503); a failed query is the upstream's (502). */
function asAdminError(error: unknown): unknown {
  if (!(error instanceof UsageQueryError)) return error;
  if (error.kind === 'misconfigured') return new AdminError(503, 'UsageSourceMisconfigured', error.message);
  return new AdminError(502, 'UsageSourceUnavailable', error.message);
}
