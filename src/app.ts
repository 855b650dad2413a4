import { Hono } from 'hono';
import { adminRoutes } from './admin/routes';
import type { Env } from './env';
import { handleS3Request } from './s3/lifecycle';

/**
 * The Worker's route groups. Everything that is not STS or admin is S3, so S3 keys such as
 * `admin/v1/x` inside a bucket stay reachable: only the exact prefixes are claimed.
 */
export function createApp() {
  const app = new Hono<{ Bindings: Env }>();
  app.route('/admin/v1', adminRoutes());
  app.all('*', (c) => handleS3Request(c.req.raw, c.env, c.executionCtx as ExecutionContext));
  return app;
}
