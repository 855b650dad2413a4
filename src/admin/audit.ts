import { Hono } from 'hono';
import type { Env } from '../env';
import { readAudit } from '../registry/audit-query';
import { parseInput } from '../registry/errors';
import { AuditQuery } from './audit-schemas';

/** GET /admin/v1/audit: admin writes and STS exchanges, newest first, filtered, cursor-paged (adrs/0024). */
export function auditRoutes() {
  const app = new Hono<{ Bindings: Env }>();
  app.get('/', async (c) => c.json(await readAudit(c.env, parseInput(AuditQuery, c.req.query()))));
  return app;
}
