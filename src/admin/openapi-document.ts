import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AdminEnv } from './openapi-kit';
import { errorAnswers } from './openapi-kit';

type OpenApiDocument = ReturnType<OpenAPIHono<AdminEnv>['getOpenAPI31Document']>;

const DOCUMENT_CONFIG = {
  openapi: '3.1.0',
  info: {
    title: 'bucketgate admin API',
    version: 'v1',
    description: 'The registry of a bucketgate deployment: buckets, access keys, identity providers, roles, revocations, storage connections, settings. Every call needs `Authorization: Bearer <ADMIN_TOKEN>`.',
  },
  // Relative: resolved against the origin the document was fetched from (the gateway itself).
  servers: [{ url: '/admin/v1' }],
  security: [{ adminToken: [] }],
};

/**
 * GET /openapi.json on the admin app: the OpenAPI 3.1 document generated from every route the
 * admin app declares (openapi-kit.ts). It sits behind the admin token like the rest of /admin/v1
 * (adrs/0025): it holds no secret, but nobody without the token can call what it describes.
 */
export function serveOpenApiDocument(app: OpenAPIHono<AdminEnv>): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'adminToken', { type: 'http', scheme: 'bearer', description: 'The deployment\'s ADMIN_TOKEN.' });
  const route = createRoute({
    method: 'get',
    path: '/openapi.json',
    tags: ['meta'],
    summary: 'This document',
    responses: { 200: { description: 'The OpenAPI 3.1 document of the admin API.', content: { 'application/json': { schema: z.looseObject({ openapi: z.string() }) } } }, ...errorAnswers() },
  });
  // Generated once per isolate, on first request: every route is registered by then.
  let document: OpenApiDocument | undefined;
  app.openapi(route, (c) => c.json((document ??= app.getOpenAPI31Document(DOCUMENT_CONFIG)), 200));
}
