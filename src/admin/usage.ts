import { createRoute } from '@hono/zod-openapi';
import { usageTotals } from '../usage/query';
import { AdminError, adminErrorResponse } from './errors';
import { adminApp, errorAnswers, jsonAnswer } from './openapi-kit';
import { UsageAnswer, UsageDimension, UsageQuery } from './usage-schemas';

const DEFAULT_DAYS = 30;

/** GET /admin/v1/usage: requests, bytes in/out and errors from `usage_daily`, grouped (adrs/0024). */
export function usageRoutes() {
  const app = adminApp();
  const route = createRoute({
    method: 'get',
    path: '/',
    tags: ['usage'],
    summary: 'Sum usage (requests, bytes in/out, errors) by bucket, principal, operation and/or day',
    request: { query: UsageQuery },
    responses: { 200: jsonAnswer(UsageAnswer, 'The sums, one row per group, and where they come from.'), ...errorAnswers(400) },
  });
  app.openapi(route, async (c) => {
    const query = c.req.valid('query');
    const to = query.to ?? new Date().toISOString().slice(0, 10);
    const from = query.from ?? new Date(Date.parse(`${to}T00:00:00Z`) - (DEFAULT_DAYS - 1) * 86_400_000).toISOString().slice(0, 10);
    if (from > to) throw new AdminError(400, 'InvalidRequest', 'request failed validation', { from: ['must not be after to'] });
    const groupBy = (query.groupBy ?? 'day').split(',') as UsageDimension[];
    const rows = await usageTotals(c.env, { from, to, groupBy, bucket: query.bucket, principal: query.principal });
    return c.json(
      {
        source: 'd1' as const,
        from,
        to,
        groupBy,
        rows,
        ...(c.env.USAGE
          ? { note: 'USAGE (Analytics Engine) is bound, so requests are recorded there and not in D1: this answer holds only what D1 recorded before. Query the dataset with the Analytics Engine SQL API.' }
          : {}),
      },
      200,
    );
  });
  app.onError(adminErrorResponse);
  return app;
}
