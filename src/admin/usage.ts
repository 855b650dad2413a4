import { Hono } from 'hono';
import type { Env } from '../env';
import { parseInput } from '../registry/errors';
import { usageTotals } from '../usage/query';
import { UsageQuery } from './usage-schemas';

const DEFAULT_DAYS = 30;

/** GET /admin/v1/usage: requests, bytes in/out and errors from `usage_daily`, grouped (adrs/0024). */
export function usageRoutes() {
  const app = new Hono<{ Bindings: Env }>();
  app.get('/', async (c) => {
    const query = parseInput(UsageQuery, c.req.query());
    const to = query.to ?? new Date().toISOString().slice(0, 10);
    const from = query.from ?? new Date(Date.parse(`${to}T00:00:00Z`) - (DEFAULT_DAYS - 1) * 86_400_000).toISOString().slice(0, 10);
    const rows = await usageTotals(c.env, { from, to, groupBy: query.groupBy, bucket: query.bucket, principal: query.principal });
    return c.json({
      source: 'd1' as const,
      from,
      to,
      groupBy: query.groupBy,
      rows,
      ...(c.env.USAGE
        ? { note: 'USAGE (Analytics Engine) is bound, so requests are recorded there and not in D1: this answer holds only what D1 recorded before. Query the dataset with the Analytics Engine SQL API.' }
        : {}),
    });
  });
  return app;
}
