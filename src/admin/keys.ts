import { Hono } from 'hono';
import type { Env } from '../env';
import { createAccessKey, deleteAccessKey, getAccessKey, listAccessKeys, rotateAccessKey, updateAccessKey } from '../registry/access-keys';
import { AdminError } from './errors';
import { ADMIN_ACTOR, readJsonBody } from './json';

/** /admin/v1/keys: static access keys. A secret appears only in the create and rotate answers. */
export function keyRoutes() {
  const app = new Hono<{ Bindings: Env }>();

  app.get('/', async (c) => c.json({ keys: await listAccessKeys(c.env) }));

  app.post('/', async (c) => {
    const input = await readJsonBody(c, { action: 'key.create', target: null });
    const { record, secretAccessKey } = await createAccessKey(c.env, input, ADMIN_ACTOR);
    const { accessKeyId, ...settings } = record;
    return c.json({ accessKeyId, secretAccessKey, ...settings }, 201);
  });

  app.get('/:id', async (c) => {
    const id = c.req.param('id');
    const key = await getAccessKey(c.env, id);
    if (!key) throw new AdminError(404, 'NoSuchAccessKey', `access key "${id}" does not exist`);
    return c.json(key);
  });

  app.patch('/:id', async (c) => {
    const id = c.req.param('id');
    const patch = await readJsonBody(c, { action: 'key.update', target: id });
    return c.json(await updateAccessKey(c.env, id, patch, ADMIN_ACTOR));
  });

  app.delete('/:id', async (c) => {
    await deleteAccessKey(c.env, c.req.param('id'), ADMIN_ACTOR);
    return c.body(null, 204);
  });

  app.post('/:id/rotate', async (c) => c.json(await rotateAccessKey(c.env, c.req.param('id'), ADMIN_ACTOR)));

  return app;
}
