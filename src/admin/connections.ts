import { createRoute, z } from '@hono/zod-openapi';
import { Connection, ConnectionCreateInput, ConnectionPatchInput, ConnectionRotateInput } from '../registry/connection-schemas';
import { createConnection, deleteConnection, listConnections, readConnection, rotateConnection, updateConnection, validateConnection } from '../registry/connections';
import { AdminError, adminErrorResponse } from './errors';
import { ADMIN_ACTOR, readJsonBody } from './json';
import { adminApp, errorAnswers, jsonAnswer, jsonBody, NO_CONTENT } from './openapi-kit';
import { saveOptions, ValidateQuery } from './validate-flag';

/** /admin/v1/connections: upstream storage accounts (adrs/0019). Answers show the auth mode and a fingerprint, never a secret. */
export function connectionRoutes() {
  const app = adminApp();
  const tags = ['connections'];
  const params = z.object({ id: z.string() });
  const connection = jsonAnswer(Connection, 'The connection (auth mode and fingerprint, never a secret).');

  const list = createRoute({ method: 'get', path: '/', tags, summary: 'List storage connections', responses: { 200: jsonAnswer(z.object({ connections: z.array(Connection) }), 'Every connection.'), ...errorAnswers() } });
  app.openapi(list, async (c) => c.json({ connections: await listConnections(c.env) }, 200));

  const create = createRoute({
    method: 'post',
    path: '/',
    tags,
    summary: 'Create a connection (probed unless ?validate=false)',
    request: { query: ValidateQuery, body: jsonBody(app, 'ConnectionCreateInput', ConnectionCreateInput) },
    responses: { 201: jsonAnswer(Connection, 'Created.'), ...errorAnswers(400, 409, 413, 422) },
  });
  app.openapi(create, async (c) => {
    const options = saveOptions(c.req.valid('query'));
    const input = await readJsonBody(c, { action: 'connection.create', target: null });
    return c.json(await createConnection(c.env, input, ADMIN_ACTOR, options), 201);
  });

  const get = createRoute({ method: 'get', path: '/{id}', tags, summary: 'Read a connection', request: { params }, responses: { 200: connection, ...errorAnswers(404) } });
  app.openapi(get, async (c) => {
    const id = c.req.param('id');
    const found = await readConnection(c.env, id);
    if (!found) throw new AdminError(404, 'NoSuchConnection', `connection "${id}" does not exist`);
    return c.json(found, 200);
  });

  const update = createRoute({
    method: 'patch',
    path: '/{id}',
    tags,
    summary: 'Change settings (credentials change only through /rotate)',
    request: { params, query: ValidateQuery, body: jsonBody(app, 'ConnectionPatchInput', ConnectionPatchInput) },
    responses: { 200: connection, ...errorAnswers(400, 404, 409, 413, 422) },
  });
  app.openapi(update, async (c) => {
    const id = c.req.param('id');
    const options = saveOptions(c.req.valid('query'));
    const patch = await readJsonBody(c, { action: 'connection.update', target: id });
    return c.json(await updateConnection(c.env, id, patch, ADMIN_ACTOR, options), 200);
  });

  const remove = createRoute({ method: 'delete', path: '/{id}', tags, summary: 'Delete a connection no bucket uses', request: { params }, responses: { 204: NO_CONTENT, ...errorAnswers(404, 409) } });
  app.openapi(remove, async (c) => {
    await deleteConnection(c.env, c.req.param('id'), ADMIN_ACTOR);
    return c.body(null, 204);
  });

  const validate = createRoute({ method: 'post', path: '/{id}/validate', tags, summary: 'Probe the upstream and record the outcome', request: { params }, responses: { 200: connection, ...errorAnswers(404) } });
  app.openapi(validate, async (c) => c.json(await validateConnection(c.env, c.req.param('id'), ADMIN_ACTOR), 200));

  const rotate = createRoute({
    method: 'post',
    path: '/{id}/rotate',
    tags,
    summary: 'Replace the credentials (probed unless ?validate=false)',
    request: { params, query: ValidateQuery, body: jsonBody(app, 'ConnectionRotateInput', ConnectionRotateInput) },
    responses: { 200: connection, ...errorAnswers(400, 404, 413, 422) },
  });
  app.openapi(rotate, async (c) => {
    const id = c.req.param('id');
    const options = saveOptions(c.req.valid('query'));
    const input = await readJsonBody(c, { action: 'connection.rotate', target: id });
    return c.json(await rotateConnection(c.env, id, input, ADMIN_ACTOR, options), 200);
  });

  app.onError(adminErrorResponse);
  return app;
}
