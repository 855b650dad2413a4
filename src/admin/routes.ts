import { requireAdminToken } from './auth';
import { bucketRoutes } from './buckets';
import { connectionRoutes } from './connections';
import { AdminError, adminErrorResponse } from './errors';
import { idpRoutes } from './idps';
import { keyRoutes } from './keys';
import { serveOpenApiDocument } from './openapi-document';
import { adminApp } from './openapi-kit';
import { revocationRoutes } from './revocations';
import { roleRoutes } from './roles';
import { settingsRoutes } from './settings';

/**
 * /admin/v1: bearer-authenticated JSON API over the registry (contract in README, "Admin API";
 * machine-readable at /admin/v1/openapi.json). Mount only OpenAPIHono apps made with adminApp():
 * a plain Hono app would serve routes the document does not describe (test/worker/openapi-document.test.ts).
 */
export function adminRoutes() {
  const app = adminApp();
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
  serveOpenApiDocument(app);
  app.all('*', () => {
    throw new AdminError(404, 'NotFound', 'no such admin route');
  });
  app.onError(adminErrorResponse);
  return app;
}
