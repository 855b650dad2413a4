import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { boto3Current, boto3Legacy, type Client } from './support/clients';
import { removeDir, tempDir } from './support/files';
import { admin, gateway, uniqueBucket } from './support/gateway';
import { awsClientEnv, succeed } from './support/process';

const SCRIPT = fileURLToPath(new URL('python/boto3_addressing.py', import.meta.url));

const interpreters: Client[] = await Promise.all([boto3Current(), boto3Legacy()]);

/**
 * The e2e gateway runs with BASE_DOMAIN=localhost (global-setup.ts): boto3 pointed at
 * `http://localhost:<port>` sends `<bucket>.localhost:<port>` with addressing_style=virtual and
 * `localhost:<port>/<bucket>` with path. Both runs must answer identically.
 */
describe.each(interpreters)('$label: addressing_style virtual vs path', (python) => {
  it('gives identical results for the same operations', async () => {
    const work = await tempDir('addressing');
    try {
      const bucket = uniqueBucket('addressing');
      expect((await admin('POST', '/buckets', { name: bucket })).status).toBe(201);
      const { endpoint, accessKeyId, secretAccessKey } = gateway();
      const port = new URL(endpoint).port;
      const env = awsClientEnv(work, { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey });
      const { stdout } = await succeed(python.path, [SCRIPT, `http://localhost:${port}`, bucket], { env });
      const result = JSON.parse(stdout);

      expect(result.virtual).toEqual(result.path);
      expect(result.path).toMatchObject({
        range: ['bytes', 'bytes 5-9/10'],
        listed: [['/admin/v1/report 1.txt', 10, result.path.putEtag]],
        missing: { code: 'NoSuchKey', status: 404 },
        deleted: ['/admin/v1/report 1.txt', '/multi'],
        gone: { status: 404 },
      });
      // Each style really was used: botocore sends GetBucketLocation path-style whatever the setting.
      for (const [operation, hosts] of Object.entries(result.virtualHosts)) {
        expect(hosts, operation).toEqual([operation === 'GetBucketLocation' ? `localhost:${port}` : `${bucket}.localhost:${port}`]);
      }
      expect(Object.keys(result.virtualHosts)).toContain('PutObject');
      expect(new Set(Object.values(result.pathHosts).flat())).toEqual(new Set([`localhost:${port}`]));
    } finally {
      await removeDir(work);
    }
  });
});
