import { Hono } from 'hono';
import type { Env } from '../env';
import { auditRoutes } from './audit';
import { requireAdminToken } from './auth';
import { bucketRoutes } from './buckets';
import { connectionRoutes } from './connections';
import { AdminError, adminErrorResponse } from './errors';
import { idpRoutes } from './idps';
import { keyRoutes } from './keys';
import { revocationRoutes } from './revocations';
import { roleRoutes } from './roles';
import { settingsRoutes } from './settings';
import { usageRoutes } from './usage';

/** /admin/v1: bearer-authenticated JSON API over the registry (contract in README, "Admin API"). */
export function adminRoutes() {
  const app = new Hono<{ Bindings: Env }>();
  app.use('*', async (c, next) => {
    await next();
    // Answers may carry a secret (create, rotate) and always describe live configuration.
    c.header('cache-control', 'no-store');
  });
  app.use('*', requireAdminToken);
  app.route('/buckets', bucketRoutes());
  app.route('/keys', keyRoutes());
  app.route('/idps', idpRoutes());
  app.route('/roles', roleRoutes());
  app.route('/revocations', revocationRoutes());
  app.route('/connections', connectionRoutes());
  app.route('/settings', settingsRoutes());
  app.route('/usage', usageRoutes());
  app.route('/audit', auditRoutes());
  app.all('*', () => {
    throw new AdminError(404, 'NotFound', 'no such admin route');
  });
  app.onError(adminErrorResponse);
  return app;
}
