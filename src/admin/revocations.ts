import { createRoute, z } from '@hono/zod-openapi';
import { recordAudit } from '../registry/audit';
import { createRevocation, listRevocations, Revocation, RevocationInput, unrevoke } from '../registry/revocations';
import { AdminError, adminErrorResponse } from './errors';
import { ADMIN_ACTOR, readJsonBody } from './json';
import { adminApp, errorAnswers, jsonAnswer, jsonBody, NO_CONTENT } from './openapi-kit';

/** /admin/v1/revocations: the session deny-list (adrs/0009), mounted behind the admin token. */
export function revocationRoutes() {
  const app = adminApp();
  const tags = ['revocations'];

  const list = createRoute({ method: 'get', path: '/', tags, summary: 'List revocations in force', responses: { 200: jsonAnswer(z.object({ revocations: z.array(Revocation) }), 'Every revocation still in force.'), ...errorAnswers() } });
  app.openapi(list, async (c) => c.json({ revocations: await listRevocations(c.env) }, 200));

  const create = createRoute({
    method: 'post',
    path: '/',
    tags,
    summary: 'Revoke a session, every session of a role, or every session of a subject',
    request: { body: jsonBody(app, 'RevocationInput', RevocationInput) },
    responses: { 201: jsonAnswer(Revocation, 'In force.'), ...errorAnswers(400, 404, 413) },
  });
  app.openapi(create, async (c) => {
    const input = await readJsonBody(c, { action: 'revocation.create', target: null });
    return c.json(await createRevocation(c.env, input, ADMIN_ACTOR), 201);
  });

  const remove = createRoute({
    method: 'delete',
    path: '/{kind}/{id}',
    tags,
    summary: 'Lift a revocation',
    request: { params: z.object({ kind: Revocation.shape.kind, id: z.string() }) },
    responses: { 204: NO_CONTENT, ...errorAnswers(404) },
  });
  app.openapi(
    remove,
    async (c) => {
      const { kind, id } = c.req.valid('param');
      const removed = await unrevoke(c.env, kind, id);
      await recordAudit(c.env, { actor: ADMIN_ACTOR, action: 'revocation.delete', target: `${kind}/${id}`, outcome: removed ? 'success' : 'NoSuchRevocation' });
      if (!removed) throw new AdminError(404, 'NoSuchRevocation', `no ${kind} revocation "${id}"`);
      return c.body(null, 204);
    },
    // Another kind names no collection of revocations: the path does not exist.
    (result) => {
      if (!result.success) throw new AdminError(404, 'NotFound', 'no such admin route');
      return undefined;
    },
  );

  app.onError(adminErrorResponse);
  return app;
}
