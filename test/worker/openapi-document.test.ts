import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { adminRoutes } from '../../src/admin/routes';
import { admin } from './admin-client';

/** The OpenAPI document at /admin/v1/openapi.json (adrs/0025). */

type Doc = { openapi: string; info: { title: string; version: string }; servers: { url: string }[]; paths: Record<string, Record<string, Operation>>; components: Record<string, Record<string, unknown>>; security: unknown[] };
type Operation = { parameters?: { name: string; in: string; required?: boolean }[]; requestBody?: unknown; responses: Record<string, { description: string; content?: Record<string, { schema: unknown }> }> };

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

async function servedDocument(): Promise<Doc> {
  const response = await admin('GET', '/openapi.json');
  expect(response.status).toBe(200);
  return response.json as Doc;
}

/** Every (method, path) hono routes on `app` that the document has no operation for; middleware and the 404 fallback (`ALL /*`) are not routes. */
function undocumented(app: Hono<any>, doc: Doc): string[] {
  return app.routes
    .filter((r) => r.method !== 'ALL')
    .map((r) => `${r.method} ${r.path.replace(/:([^/]+)/g, '{$1}')}`)
    .filter((route) => {
      const [method, path] = route.split(' ') as [string, string];
      return doc.paths[path]?.[method.toLowerCase()] === undefined;
    });
}

describe('GET /admin/v1/openapi.json', () => {
  it('answers the OpenAPI 3.1 document to the admin token, and 401 without it', async () => {
    const response = await admin('GET', '/openapi.json');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.json.openapi).toBe('3.1.0');

    const anonymous = await admin('GET', '/openapi.json', undefined, null);
    expect(anonymous.status).toBe(401);
    expect(anonymous.json).toEqual({ error: { code: 'Unauthorized', message: 'missing bearer token' } });
  });

  it('describes every route the admin app registers, with its method, and nothing else', async () => {
    const doc = await servedDocument();
    const app = adminRoutes();
    expect(undocumented(app, doc)).toEqual([]);
    // The other way round: no operation in the document without a route behind it.
    const routed = new Set(app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:([^/]+)/g, '{$1}')}`));
    const operations = Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).filter((k) => METHODS.includes(k)).map((method) => `${method} ${path}`));
    expect(operations.filter((op) => !routed.has(op))).toEqual([]);
    expect(operations.length).toBeGreaterThanOrEqual(30);
    // The only routes hono has for ALL methods are the middleware and the 404 fallback.
    expect(new Set(app.routes.filter((r) => r.method === 'ALL').map((r) => r.path))).toEqual(new Set(['/*']));
  });

  it('notices a route mounted without a definition (a plain Hono sub-app)', async () => {
    const doc = await servedDocument();
    const app = adminRoutes();
    app.route('/usage', new Hono().get('/', (c) => c.json({})));
    expect(undocumented(app, doc)).toEqual(['GET /usage']);
  });

  it('is a structurally valid OpenAPI 3.1 document', async () => {
    const doc = await servedDocument();
    expect(doc.info.title).toBeTruthy();
    expect(doc.info.version).toBeTruthy();
    expect(doc.servers).toEqual([{ url: '/admin/v1' }]);
    expect(doc.security).toEqual([{ adminToken: [] }]);
    expect(doc.components.securitySchemes).toEqual({ adminToken: expect.objectContaining({ type: 'http', scheme: 'bearer' }) });

    for (const [path, item] of Object.entries(doc.paths)) {
      expect(path).toMatch(/^\/[\w./{}-]*$/);
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      for (const [method, op] of Object.entries(item)) {
        const where = `${method} ${path}`;
        expect(METHODS, where).toContain(method);
        // Each path template variable is declared, required, exactly once.
        const pathParams = (op.parameters ?? []).filter((p) => p.in === 'path');
        expect(pathParams.map((p) => p.name).sort(), where).toEqual([...templated].sort());
        expect(pathParams.every((p) => p.required === true), where).toBe(true);
        for (const p of op.parameters ?? []) expect(['path', 'query', 'header', 'cookie'], where).toContain(p.in);
        // Answers: a success, the token check's 401, and every error answer in the admin error shape.
        const statuses = Object.keys(op.responses);
        expect(statuses.some((s) => /^2\d\d$/.test(s)), where).toBe(true);
        expect(statuses, where).toContain('401');
        for (const [status, answer] of Object.entries(op.responses)) {
          expect(status, where).toMatch(/^[1-5]\d\d$/);
          expect(answer.description, `${where} ${status}`).toBeTruthy();
          if (Number(status) >= 400) expect(answer.content?.['application/json']?.schema, `${where} ${status}`).toMatchObject({ properties: { error: { required: ['code', 'message'] } } });
        }
        if (op.requestBody) expect(op.requestBody, where).toMatchObject({ required: true, content: { 'application/json': { schema: { $ref: expect.stringMatching(/^#\/components\/schemas\//) } } } });
      }
    }
    // Every reference resolves inside the document.
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      const [, kind, name] = /^#\/components\/(\w+)\/(.+)$/.exec(ref) ?? [];
      expect(doc.components[kind!]?.[name!], ref).toBeDefined();
    }
  });

  it('documents request bodies with the schemas the registry validates them with', async () => {
    const doc = await servedDocument();
    const create = doc.components.schemas!.BucketCreateInput as { required: string[]; additionalProperties: boolean; properties: Record<string, unknown> };
    // BucketCreateInput: name required, the rest optional, unknown fields refused (strict).
    expect(create.required).toEqual(['name']);
    expect(create.additionalProperties).toBe(false);
    expect(Object.keys(create.properties).sort()).toEqual(['backend', 'cacheTtl', 'cors', 'labels', 'name', 'publicList', 'publicRead']);
    // And the document's claim matches the API's behaviour: an unknown field is refused.
    const refused = await admin('POST', '/buckets', { name: 'openapi-doc-unknown', colour: 'red' });
    expect(refused.status).toBe(400);
    expect(refused.json.error.fields).toEqual({ colour: ['unknown field'] });
    expect((await admin('GET', '/buckets/openapi-doc-unknown')).status).toBe(404);
  });

  it('answers a bad ?validate= as before: 400 InvalidRequest naming the field, nothing written', async () => {
    const response = await admin('POST', '/buckets?validate=maybe', { name: 'openapi-doc-validate' });
    expect(response.status).toBe(400);
    expect(response.json).toEqual({ error: { code: 'InvalidRequest', message: 'request failed validation', fields: { validate: ['must be "true" or "false"'] } } });
    expect((await admin('GET', '/buckets/openapi-doc-validate')).status).toBe(404);
  });

  it('answers an unknown revocation kind as an unknown route, as before', async () => {
    const response = await admin('DELETE', '/revocations/bogus/x');
    expect(response.status).toBe(404);
    expect(response.json).toEqual({ error: { code: 'NotFound', message: 'no such admin route' } });
  });
});
