import { createRoute } from '@hono/zod-openapi';
import { getSettings, putSettings, SettingsInput } from '../registry/settings';
import { SettingsAnswer } from './answer-schemas';
import { adminErrorResponse } from './errors';
import { ADMIN_ACTOR, readJsonBody } from './json';
import { adminApp, errorAnswers, jsonAnswer, jsonBody } from './openapi-kit';
import { saveOptions, ValidateQuery } from './validate-flag';

/** /admin/v1/settings: deployment settings (the default backend for S3 CreateBucket; adrs/0019). */
export function settingsRoutes() {
  const app = adminApp();
  const tags = ['settings'];
  const settings = jsonAnswer(SettingsAnswer, 'The deployment settings and where each comes from.');

  const get = createRoute({ method: 'get', path: '/', tags, summary: 'Read the deployment settings', responses: { 200: settings, ...errorAnswers() } });
  app.openapi(get, async (c) => c.json(await getSettings(c.env), 200));

  const put = createRoute({
    method: 'put',
    path: '/',
    tags,
    summary: 'Set the default backend (probed unless ?validate=false)',
    request: { query: ValidateQuery, body: jsonBody(app, 'SettingsInput', SettingsInput) },
    responses: { 200: settings, ...errorAnswers(400, 413, 422) },
  });
  app.openapi(put, async (c) => {
    const options = saveOptions(c.req.valid('query'));
    const input = await readJsonBody(c, { action: 'settings.update', target: 'default_backend' });
    return c.json(await putSettings(c.env, input, ADMIN_ACTOR, options), 200);
  });

  app.onError(adminErrorResponse);
  return app;
}
