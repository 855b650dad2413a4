import { createRoute, z } from '@hono/zod-openapi';
import { createRole, deleteRole, getRole, listRoles, updateRole } from '../registry/roles';
import { Role, RoleCreateInput, RolePatchInput } from '../registry/sts-schemas';
import { AdminError, adminErrorResponse } from './errors';
import { ADMIN_ACTOR, readJsonBody } from './json';
import { adminApp, errorAnswers, jsonAnswer, jsonBody, NO_CONTENT } from './openapi-kit';

/** /admin/v1/roles: roles that web identities assume through /.sts (mounted behind the admin token). */
export function roleRoutes() {
  const app = adminApp();
  const tags = ['roles'];
  const params = z.object({ name: z.string() });
  const role = jsonAnswer(Role, 'The role.');

  const list = createRoute({ method: 'get', path: '/', tags, summary: 'List roles', responses: { 200: jsonAnswer(z.object({ roles: z.array(Role) }), 'Every role.'), ...errorAnswers() } });
  app.openapi(list, async (c) => c.json({ roles: await listRoles(c.env) }, 200));

  const create = createRoute({
    method: 'post',
    path: '/',
    tags,
    summary: 'Create a role',
    request: { body: jsonBody(app, 'RoleCreateInput', RoleCreateInput) },
    responses: { 201: jsonAnswer(Role, 'Created.'), ...errorAnswers(400, 409, 413) },
  });
  app.openapi(create, async (c) => {
    const input = await readJsonBody(c, { action: 'role.create', target: null });
    return c.json(await createRole(c.env, input, ADMIN_ACTOR), 201);
  });

  const get = createRoute({ method: 'get', path: '/{name}', tags, summary: 'Read a role', request: { params }, responses: { 200: role, ...errorAnswers(404) } });
  app.openapi(get, async (c) => {
    const found = await getRole(c.env, c.req.param('name'));
    if (!found) throw new AdminError(404, 'NoSuchRole', `role "${c.req.param('name')}" does not exist`);
    return c.json(found, 200);
  });

  const update = createRoute({
    method: 'patch',
    path: '/{name}',
    tags,
    summary: "Change a role's description, trust, statements or session duration",
    request: { params, body: jsonBody(app, 'RolePatchInput', RolePatchInput) },
    responses: { 200: role, ...errorAnswers(400, 404, 413) },
  });
  app.openapi(update, async (c) => {
    const name = c.req.param('name');
    const patch = await readJsonBody(c, { action: 'role.update', target: name });
    return c.json(await updateRole(c.env, name, patch, ADMIN_ACTOR), 200);
  });

  const remove = createRoute({ method: 'delete', path: '/{name}', tags, summary: 'Delete a role (its sessions stop working)', request: { params }, responses: { 204: NO_CONTENT, ...errorAnswers(404) } });
  app.openapi(remove, async (c) => {
    await deleteRole(c.env, c.req.param('name'), ADMIN_ACTOR);
    return c.body(null, 204);
  });

  app.onError(adminErrorResponse);
  return app;
}
