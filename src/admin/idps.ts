import { createRoute, z } from '@hono/zod-openapi';
import { createIdp, deleteIdp, getIdp, listIdps, updateIdp } from '../registry/idps';
import { IdentityProvider, IdpCreateInput, IdpPatchInput } from '../registry/sts-schemas';
import { AdminError, adminErrorResponse } from './errors';
import { ADMIN_ACTOR, readJsonBody } from './json';
import { adminApp, errorAnswers, jsonAnswer, jsonBody, NO_CONTENT } from './openapi-kit';

/** /admin/v1/idps: OIDC identity providers whose tokens /.sts accepts (mounted behind the admin token). */
export function idpRoutes() {
  const app = adminApp();
  const tags = ['idps'];
  const params = z.object({ id: z.string() });
  const idp = jsonAnswer(IdentityProvider, 'The identity provider.');

  const list = createRoute({ method: 'get', path: '/', tags, summary: 'List identity providers', responses: { 200: jsonAnswer(z.object({ idps: z.array(IdentityProvider) }), 'Every identity provider.'), ...errorAnswers() } });
  app.openapi(list, async (c) => c.json({ idps: await listIdps(c.env) }, 200));

  const create = createRoute({
    method: 'post',
    path: '/',
    tags,
    summary: 'Trust an OIDC issuer',
    request: { body: jsonBody(app, 'IdpCreateInput', IdpCreateInput) },
    responses: { 201: jsonAnswer(IdentityProvider, 'Created.'), ...errorAnswers(400, 409, 413) },
  });
  app.openapi(create, async (c) => {
    const input = await readJsonBody(c, { action: 'idp.create', target: null });
    return c.json(await createIdp(c.env, input, ADMIN_ACTOR), 201);
  });

  const get = createRoute({ method: 'get', path: '/{id}', tags, summary: 'Read an identity provider', request: { params }, responses: { 200: idp, ...errorAnswers(404) } });
  app.openapi(get, async (c) => {
    const found = await getIdp(c.env, c.req.param('id'));
    if (!found) throw new AdminError(404, 'NoSuchIdentityProvider', `identity provider "${c.req.param('id')}" does not exist`);
    return c.json(found, 200);
  });

  const update = createRoute({
    method: 'patch',
    path: '/{id}',
    tags,
    summary: "Change an identity provider's audiences, JWKS URI, name or enabled flag",
    request: { params, body: jsonBody(app, 'IdpPatchInput', IdpPatchInput) },
    responses: { 200: idp, ...errorAnswers(400, 404, 413) },
  });
  app.openapi(update, async (c) => {
    const id = c.req.param('id');
    const patch = await readJsonBody(c, { action: 'idp.update', target: id });
    return c.json(await updateIdp(c.env, id, patch, ADMIN_ACTOR), 200);
  });

  const remove = createRoute({ method: 'delete', path: '/{id}', tags, summary: 'Delete an identity provider', request: { params }, responses: { 204: NO_CONTENT, ...errorAnswers(404) } });
  app.openapi(remove, async (c) => {
    await deleteIdp(c.env, c.req.param('id'), ADMIN_ACTOR);
    return c.body(null, 204);
  });

  app.onError(adminErrorResponse);
  return app;
}
