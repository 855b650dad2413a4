import { Hono } from 'hono';
import { openBackend } from '../connections/open-backend';
import type { Env } from '../env';
import { probeBackend } from '../registry/backend-check';
import { createBucket, deleteBucket, listBuckets, readBucket, setBucketStatus, updateBucket } from '../registry/buckets';
import { AdminError } from './errors';
import { ADMIN_ACTOR, readJsonBody } from './json';
import { saveOptions } from './validate-flag';

/** /admin/v1/buckets: virtual buckets and their settings. */
export function bucketRoutes() {
  const app = new Hono<{ Bindings: Env }>();

  app.get('/', async (c) => c.json({ buckets: await listBuckets(c.env) }));

  app.post('/', async (c) => {
    const options = saveOptions(c);
    const input = await readJsonBody(c, { action: 'bucket.create', target: null });
    return c.json(await createBucket(c.env, input, ADMIN_ACTOR, options), 201);
  });

  app.get('/:name', async (c) => {
    const name = c.req.param('name');
    const bucket = await readBucket(c.env, name);
    if (!bucket) throw new AdminError(404, 'NoSuchBucket', `bucket "${name}" does not exist`);
    return c.json(bucket);
  });

  app.patch('/:name', async (c) => {
    const name = c.req.param('name');
    const options = saveOptions(c);
    const patch = await readJsonBody(c, { action: 'bucket.update', target: name });
    return c.json(await updateBucket(c.env, name, patch, ADMIN_ACTOR, options));
  });

  app.delete('/:name', async (c) => {
    await deleteBucket(c.env, c.req.param('name'), ADMIN_ACTOR, (bucket) => openBackend(c.env, bucket.backend, bucket.name));
    return c.body(null, 204);
  });

  /** Probes where the bucket's objects live (ListObjectsV2 + HEAD upstream); changes nothing. */
  app.post('/:name/validate', async (c) => {
    const name = c.req.param('name');
    const bucket = await readBucket(c.env, name);
    if (!bucket) throw new AdminError(404, 'NoSuchBucket', `bucket "${name}" does not exist`);
    return c.json({ bucket: name, ...(await probeBackend(c.env, bucket.backend)) });
  });

  app.post('/:name/suspend', async (c) => c.json(await setBucketStatus(c.env, c.req.param('name'), 'suspended', ADMIN_ACTOR)));
  app.post('/:name/resume', async (c) => c.json(await setBucketStatus(c.env, c.req.param('name'), 'active', ADMIN_ACTOR)));

  return app;
}
