import { Hono } from 'hono';
import type { Env } from '../env';
import { createIdp, deleteIdp, getIdp, listIdps, updateIdp } from '../registry/idps';
import { AdminError, adminErrorResponse } from './errors';
import { ADMIN_ACTOR, readJsonBody } from './json';

/** /admin/v1/idps: OIDC identity providers whose tokens /.sts accepts (mounted behind the admin token). */
export function idpRoutes() {
  const app = new Hono<{ Bindings: Env }>();

  app.get('/', async (c) => c.json({ idps: await listIdps(c.env) }));

  app.post('/', async (c) => {
    const input = await readJsonBody(c, { action: 'idp.create', target: null });
    return c.json(await createIdp(c.env, input, ADMIN_ACTOR), 201);
  });

  app.get('/:id', async (c) => {
    const idp = await getIdp(c.env, c.req.param('id'));
    if (!idp) throw new AdminError(404, 'NoSuchIdentityProvider', `identity provider "${c.req.param('id')}" does not exist`);
    return c.json(idp);
  });

  app.patch('/:id', async (c) => {
    const id = c.req.param('id');
    const patch = await readJsonBody(c, { action: 'idp.update', target: id });
    return c.json(await updateIdp(c.env, id, patch, ADMIN_ACTOR));
  });

  app.delete('/:id', async (c) => {
    await deleteIdp(c.env, c.req.param('id'), ADMIN_ACTOR);
    return c.body(null, 204);
  });

  app.onError(adminErrorResponse);
  return app;
}
