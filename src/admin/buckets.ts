import { createRoute, z } from '@hono/zod-openapi';
import { probeBackend } from '../registry/backend-check';
import { BucketCreateInput, BucketPatchInput } from '../registry/bucket-input';
import { createBucket, deleteBucket, listBuckets, readBucket, setBucketStatus, updateBucket } from '../registry/buckets';
import { BucketConfig } from '../registry/schemas';
import { BucketProbe } from './answer-schemas';
import { AdminError } from './errors';
import { ADMIN_ACTOR, readJsonBody } from './json';
import { adminApp, errorAnswers, jsonAnswer, jsonBody, NO_CONTENT } from './openapi-kit';
import { saveOptions, ValidateQuery } from './validate-flag';

/** /admin/v1/buckets: virtual buckets and their settings. */
export function bucketRoutes() {
  const app = adminApp();
  const tags = ['buckets'];
  const params = z.object({ name: z.string() });
  const bucket = jsonAnswer(BucketConfig, 'The bucket.');

  const list = createRoute({ method: 'get', path: '/', tags, summary: 'List buckets', responses: { 200: jsonAnswer(z.object({ buckets: z.array(BucketConfig) }), 'Every bucket, by name.'), ...errorAnswers() } });
  app.openapi(list, async (c) => c.json({ buckets: await listBuckets(c.env) }, 200));

  const create = createRoute({
    method: 'post',
    path: '/',
    tags,
    summary: 'Create a bucket (omitted settings take defaults; without a backend, the default backend)',
    request: { query: ValidateQuery, body: jsonBody(app, 'BucketCreateInput', BucketCreateInput) },
    responses: { 201: jsonAnswer(BucketConfig, 'Created.'), ...errorAnswers(400, 409, 413, 422) },
  });
  app.openapi(create, async (c) => {
    const options = saveOptions(c.req.valid('query'));
    const input = await readJsonBody(c, { action: 'bucket.create', target: null });
    return c.json(await createBucket(c.env, input, ADMIN_ACTOR, options), 201);
  });

  const get = createRoute({ method: 'get', path: '/{name}', tags, summary: 'Read a bucket', request: { params }, responses: { 200: bucket, ...errorAnswers(404) } });
  app.openapi(get, async (c) => {
    const name = c.req.param('name');
    const found = await readBucket(c.env, name);
    if (!found) throw new AdminError(404, 'NoSuchBucket', `bucket "${name}" does not exist`);
    return c.json(found, 200);
  });

  const update = createRoute({
    method: 'patch',
    path: '/{name}',
    tags,
    summary: "Change a bucket's settings",
    request: { params, query: ValidateQuery, body: jsonBody(app, 'BucketPatchInput', BucketPatchInput) },
    responses: { 200: bucket, ...errorAnswers(400, 404, 409, 413, 422) },
  });
  app.openapi(update, async (c) => {
    const name = c.req.param('name');
    const options = saveOptions(c.req.valid('query'));
    const patch = await readJsonBody(c, { action: 'bucket.update', target: name });
    return c.json(await updateBucket(c.env, name, patch, ADMIN_ACTOR, options), 200);
  });

  const remove = createRoute({ method: 'delete', path: '/{name}', tags, summary: 'Delete an empty bucket', request: { params }, responses: { 204: NO_CONTENT, ...errorAnswers(404, 409) } });
  app.openapi(remove, async (c) => {
    await deleteBucket(c.env, c.req.param('name'), ADMIN_ACTOR);
    return c.body(null, 204);
  });

  /** Probes where the bucket's objects live (ListObjectsV2 + HEAD upstream); changes nothing. */
  const validate = createRoute({
    method: 'post',
    path: '/{name}/validate',
    tags,
    summary: "Probe the bucket's backend; changes nothing",
    request: { params },
    responses: { 200: jsonAnswer(BucketProbe, 'The probe outcome.'), ...errorAnswers(404) },
  });
  app.openapi(validate, async (c) => {
    const name = c.req.param('name');
    const found = await readBucket(c.env, name);
    if (!found) throw new AdminError(404, 'NoSuchBucket', `bucket "${name}" does not exist`);
    return c.json({ bucket: name, ...(await probeBackend(c.env, found.backend)) }, 200);
  });

  const suspend = createRoute({ method: 'post', path: '/{name}/suspend', tags, summary: 'Suspend a bucket (every S3 request refused)', request: { params }, responses: { 200: bucket, ...errorAnswers(404) } });
  app.openapi(suspend, async (c) => c.json(await setBucketStatus(c.env, c.req.param('name'), 'suspended', ADMIN_ACTOR), 200));
  const resume = createRoute({ method: 'post', path: '/{name}/resume', tags, summary: 'Resume a suspended bucket', request: { params }, responses: { 200: bucket, ...errorAnswers(404) } });
  app.openapi(resume, async (c) => c.json(await setBucketStatus(c.env, c.req.param('name'), 'active', ADMIN_ACTOR), 200));

  return app;
}
