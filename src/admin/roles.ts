import { Hono } from 'hono';
import type { Env } from '../env';
import { createRole, deleteRole, getRole, listRoles, updateRole } from '../registry/roles';
import { AdminError, adminErrorResponse } from './errors';
import { ADMIN_ACTOR, readJsonBody } from './json';

/** /admin/v1/roles: roles that web identities assume through /.sts (mounted behind the admin token). */
export function roleRoutes() {
  const app = new Hono<{ Bindings: Env }>();

  app.get('/', async (c) => c.json({ roles: await listRoles(c.env) }));

  app.post('/', async (c) => {
    const input = await readJsonBody(c, { action: 'role.create', target: null });
    return c.json(await createRole(c.env, input, ADMIN_ACTOR), 201);
  });

  app.get('/:name', async (c) => {
    const role = await getRole(c.env, c.req.param('name'));
    if (!role) throw new AdminError(404, 'NoSuchRole', `role "${c.req.param('name')}" does not exist`);
    return c.json(role);
  });

  app.patch('/:name', async (c) => {
    const name = c.req.param('name');
    const patch = await readJsonBody(c, { action: 'role.update', target: name });
    return c.json(await updateRole(c.env, name, patch, ADMIN_ACTOR));
  });

  app.delete('/:name', async (c) => {
    await deleteRole(c.env, c.req.param('name'), ADMIN_ACTOR);
    return c.body(null, 204);
  });

  app.onError(adminErrorResponse);
  return app;
}
