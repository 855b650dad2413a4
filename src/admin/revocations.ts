import { Hono } from 'hono';
import type { Env } from '../env';
import { recordAudit } from '../registry/audit';
import { createRevocation, listRevocations, unrevoke } from '../registry/revocations';
import { AdminError, adminErrorResponse } from './errors';
import { ADMIN_ACTOR, readJsonBody } from './json';

/** /admin/v1/revocations: the session deny-list (adrs/0009), mounted behind the admin token. */
export function revocationRoutes() {
  const app = new Hono<{ Bindings: Env }>();

  app.get('/', async (c) => c.json({ revocations: await listRevocations(c.env) }));

  app.post('/', async (c) => {
    const input = await readJsonBody(c, { action: 'revocation.create', target: null });
    return c.json(await createRevocation(c.env, input, ADMIN_ACTOR), 201);
  });

  app.delete('/:kind/:id', async (c) => {
    const kind = c.req.param('kind');
    const id = c.req.param('id');
    if (kind !== 'session' && kind !== 'role' && kind !== 'subject' && kind !== 'idp') throw new AdminError(404, 'NotFound', 'no such admin route');
    const removed = await unrevoke(c.env, kind, id);
    await recordAudit(c.env, { actor: ADMIN_ACTOR, action: 'revocation.delete', target: `${kind}/${id}`, outcome: removed ? 'success' : 'NoSuchRevocation' });
    if (!removed) throw new AdminError(404, 'NoSuchRevocation', `no ${kind} revocation "${id}"`);
    return c.body(null, 204);
  });

  app.onError(adminErrorResponse);
  return app;
}
