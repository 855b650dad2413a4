import { Hono } from 'hono';
import { adminRoutes } from './admin/routes';
import type { Env } from './env';
import { handleS3Request } from './s3/lifecycle';
import { bucketFromHost } from './s3/operation';
import { handleStsRequest, isStsRootCall } from './sts/handler';
import { sessionTokenJwks } from './sts/jwks-route';
import { openidConfiguration } from './sts/openid-configuration';

/**
 * The Worker's route groups. Everything that is not STS or admin is S3, so S3 keys such as
 * `admin/v1/x` inside a bucket stay reachable: only the exact prefixes are claimed.
 */
export function createApp() {
  const app = new Hono<{ Bindings: Env }>();
  // A virtual-hosted request (`<bucket>.<BASE_DOMAIN>`) is S3 whatever its path: in a bucket,
  // `admin/v1/x` and `.sts` are object keys.
  app.use('*', (c, next) =>
    bucketFromHost(c.req.header('host') ?? new URL(c.req.url).host, c.env.BASE_DOMAIN ?? '') !== undefined
      ? handleS3Request(c.req.raw, c.env, c.executionCtx as ExecutionContext)
      : next(),
  );
  app.route('/admin/v1', adminRoutes());
  // STS: bucket names cannot start with a dot, so these paths never shadow an S3 bucket.
  app.all('/.sts', (c) => handleStsRequest(c.req.raw, c.env, c.executionCtx as ExecutionContext));
  app.all('/.sts/', (c) => handleStsRequest(c.req.raw, c.env, c.executionCtx as ExecutionContext));
  app.post('/', (c, next) => (isStsRootCall(c.req.raw) ? handleStsRequest(c.req.raw, c.env, c.executionCtx as ExecutionContext) : next()));
  app.get('/.well-known/jwks.json', (c) => sessionTokenJwks(c.env));
  app.get('/.well-known/openid-configuration', (c) => openidConfiguration(c.env, c.req.raw));
  app.all('*', (c) => handleS3Request(c.req.raw, c.env, c.executionCtx as ExecutionContext));
  return app;
}
