import { Hono } from 'hono';
import type { Env } from '../env';
import { getSettings, putSettings } from '../registry/settings';
import { adminErrorResponse } from './errors';
import { ADMIN_ACTOR, readJsonBody } from './json';
import { saveOptions } from './validate-flag';

/** /admin/v1/settings: deployment settings (the default backend for S3 CreateBucket; adrs/0019). */
export function settingsRoutes() {
  const app = new Hono<{ Bindings: Env }>();
  app.get('/', async (c) => c.json(await getSettings(c.env)));
  app.put('/', async (c) => {
    const options = saveOptions(c);
    const input = await readJsonBody(c, { action: 'settings.update', target: 'default_backend' });
    return c.json(await putSettings(c.env, input, ADMIN_ACTOR, options));
  });
  app.onError(adminErrorResponse);
  return app;
}
