import { createRoute, z } from '@hono/zod-openapi';
import { AccessKeyCreateInput, AccessKeyPatchInput, createAccessKey, deleteAccessKey, getAccessKey, listAccessKeys, rotateAccessKey, updateAccessKey } from '../registry/access-keys';
import { AccessKey, IssuedAccessKey, RotatedAccessKey } from './answer-schemas';
import { AdminError } from './errors';
import { ADMIN_ACTOR, readJsonBody } from './json';
import { adminApp, errorAnswers, jsonAnswer, jsonBody, NO_CONTENT } from './openapi-kit';

/** /admin/v1/keys: static access keys. A secret appears only in the create and rotate answers. */
export function keyRoutes() {
  const app = adminApp();
  const tags = ['keys'];
  const params = z.object({ id: z.string() });

  const list = createRoute({ method: 'get', path: '/', tags, summary: 'List access keys (never their secrets)', responses: { 200: jsonAnswer(z.object({ keys: z.array(AccessKey) }), 'Every access key.'), ...errorAnswers() } });
  app.openapi(list, async (c) => c.json({ keys: await listAccessKeys(c.env) }, 200));

  const create = createRoute({
    method: 'post',
    path: '/',
    tags,
    summary: 'Create an access key, or import one (give accessKeyId and secretAccessKey)',
    request: { body: jsonBody(app, 'AccessKeyCreateInput', AccessKeyCreateInput) },
    responses: { 201: jsonAnswer(IssuedAccessKey, 'Created; the only answer that shows the secret.'), ...errorAnswers(400, 409, 413) },
  });
  app.openapi(create, async (c) => {
    const input = await readJsonBody(c, { action: 'key.create', target: null });
    const { record, secretAccessKey } = await createAccessKey(c.env, input, ADMIN_ACTOR);
    const { accessKeyId, ...settings } = record;
    return c.json({ accessKeyId, secretAccessKey, ...settings }, 201);
  });

  const get = createRoute({ method: 'get', path: '/{id}', tags, summary: 'Read an access key', request: { params }, responses: { 200: jsonAnswer(AccessKey, 'The key, without its secret.'), ...errorAnswers(404) } });
  app.openapi(get, async (c) => {
    const id = c.req.param('id');
    const key = await getAccessKey(c.env, id);
    if (!key) throw new AdminError(404, 'NoSuchAccessKey', `access key "${id}" does not exist`);
    return c.json(key, 200);
  });

  const update = createRoute({
    method: 'patch',
    path: '/{id}',
    tags,
    summary: "Change a key's name, statements, expiry or enabled flag",
    request: { params, body: jsonBody(app, 'AccessKeyPatchInput', AccessKeyPatchInput) },
    responses: { 200: jsonAnswer(AccessKey, 'The key as changed.'), ...errorAnswers(400, 404, 413) },
  });
  app.openapi(update, async (c) => {
    const id = c.req.param('id');
    const patch = await readJsonBody(c, { action: 'key.update', target: id });
    return c.json(await updateAccessKey(c.env, id, patch, ADMIN_ACTOR), 200);
  });

  const remove = createRoute({ method: 'delete', path: '/{id}', tags, summary: 'Delete an access key', request: { params }, responses: { 204: NO_CONTENT, ...errorAnswers(404) } });
  app.openapi(remove, async (c) => {
    await deleteAccessKey(c.env, c.req.param('id'), ADMIN_ACTOR);
    return c.body(null, 204);
  });

  const rotate = createRoute({
    method: 'post',
    path: '/{id}/rotate',
    tags,
    summary: 'Replace the secret (the old one stops working)',
    request: { params },
    responses: { 200: jsonAnswer(RotatedAccessKey, 'The new secret, shown once.'), ...errorAnswers(404) },
  });
  app.openapi(rotate, async (c) => c.json(await rotateAccessKey(c.env, c.req.param('id'), ADMIN_ACTOR), 200));

  return app;
}
