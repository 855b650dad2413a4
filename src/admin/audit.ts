import { createRoute } from '@hono/zod-openapi';
import { readAudit } from '../registry/audit-query';
import { AuditPage, AuditQuery } from './audit-schemas';
import { adminErrorResponse } from './errors';
import { adminApp, errorAnswers, jsonAnswer } from './openapi-kit';

/** GET /admin/v1/audit: admin writes and STS exchanges, newest first, filtered, cursor-paged (adrs/0024). */
export function auditRoutes() {
  const app = adminApp();
  const route = createRoute({
    method: 'get',
    path: '/',
    tags: ['audit'],
    summary: 'List admin writes and STS exchanges, newest first (filters, cursor paging)',
    request: { query: AuditQuery },
    responses: { 200: jsonAnswer(AuditPage, 'One page of entries; `nextCursor` when there are more.'), ...errorAnswers(400) },
  });
  app.openapi(route, async (c) => c.json(await readAudit(c.env, c.req.valid('query')), 200));
  app.onError(adminErrorResponse);
  return app;
}
