import { Hono } from 'hono';
import type { Env } from '../env';
import { createConnection, deleteConnection, listConnections, readConnection, rotateConnection, updateConnection, validateConnection } from '../registry/connections';
import { AdminError, adminErrorResponse } from './errors';
import { ADMIN_ACTOR, readJsonBody } from './json';
import { saveOptions } from './validate-flag';

/** /admin/v1/connections: upstream storage accounts (adrs/0019). Answers show the auth mode and a fingerprint, never a secret. */
export function connectionRoutes() {
  const app = new Hono<{ Bindings: Env }>();

  app.get('/', async (c) => c.json({ connections: await listConnections(c.env) }));

  app.post('/', async (c) => {
    const options = saveOptions(c);
    const input = await readJsonBody(c, { action: 'connection.create', target: null });
    return c.json(await createConnection(c.env, input, ADMIN_ACTOR, options), 201);
  });

  app.get('/:id', async (c) => {
    const id = c.req.param('id');
    const connection = await readConnection(c.env, id);
    if (!connection) throw new AdminError(404, 'NoSuchConnection', `connection "${id}" does not exist`);
    return c.json(connection);
  });

  app.patch('/:id', async (c) => {
    const id = c.req.param('id');
    const options = saveOptions(c);
    const patch = await readJsonBody(c, { action: 'connection.update', target: id });
    return c.json(await updateConnection(c.env, id, patch, ADMIN_ACTOR, options));
  });

  app.delete('/:id', async (c) => {
    await deleteConnection(c.env, c.req.param('id'), ADMIN_ACTOR);
    return c.body(null, 204);
  });

  app.post('/:id/validate', async (c) => c.json(await validateConnection(c.env, c.req.param('id'), ADMIN_ACTOR)));

  app.post('/:id/rotate', async (c) => {
    const id = c.req.param('id');
    const options = saveOptions(c);
    const input = await readJsonBody(c, { action: 'connection.rotate', target: id });
    return c.json(await rotateConnection(c.env, id, input, ADMIN_ACTOR, options));
  });

  app.onError(adminErrorResponse);
  return app;
}
