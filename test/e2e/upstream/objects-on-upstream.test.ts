import { AwsClient } from 'aws4fetch';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, inject, it } from 'vitest';
import { admin, gateway, type GatewayInfo } from '../support/gateway';
import { UPSTREAM_BUCKET, UPSTREAM_PREFIX } from '../support/upstream-default';

/**
 * Runs last in the s3-upstream project (vitest.e2e.config.ts): the client suites have created their
 * buckets on A, whose default backend is instance B. Every object a client can list through A must
 * be in B — read with B's own key, not through A — at `<UPSTREAM_PREFIX>buckets/<bucket>/<key>`,
 * with the same size and ETag; and B holds nothing under a bucket's prefix that A does not show.
 */

interface Listed {
  size: number;
  etag: string;
}

const xml = new XMLParser({ isArray: (name) => name === 'Contents' });

/** Every object under `prefix` in `bucket`, by ListObjectsV2 pages, keyed with `prefix` removed. */
async function listAll(at: GatewayInfo, bucket: string, prefix = ''): Promise<Map<string, Listed>> {
  const client = new AwsClient({ accessKeyId: at.accessKeyId, secretAccessKey: at.secretAccessKey, region: at.region, service: 's3' });
  const found = new Map<string, Listed>();
  let token: string | undefined;
  do {
    const query = new URLSearchParams({ 'list-type': '2', prefix, ...(token ? { 'continuation-token': token } : {}) });
    const response = await client.fetch(`${at.endpoint}/${bucket}?${query}`);
    const text = await response.text();
    expect(response.status, text).toBe(200);
    const page = xml.parse(text).ListBucketResult;
    for (const entry of page.Contents ?? []) {
      found.set(String(entry.Key).slice(prefix.length), { size: Number(entry.Size), etag: String(entry.ETag) });
    }
    token = page.IsTruncated === true || page.IsTruncated === 'true' ? String(page.NextContinuationToken) : undefined;
  } while (token);
  return found;
}

describe('the client suites stored their objects upstream (instance B)', () => {
  it('every bucket the clients created is on the federation connection, and B holds exactly its objects', async () => {
    const b = inject('upstream');
    if (!b) throw new Error('instance B is provided only in the s3-upstream project');
    const { json } = await admin('GET', '/buckets');
    const created = (json.buckets as { name: string; backend: { type: string; bucket?: string; prefix: string } }[]).filter((bucket) => bucket.name !== gateway().bucket);
    // One bucket at least per client suite (aws cli v1/v2, boto3 ×2, rclone, s3cmd).
    expect(created.length).toBeGreaterThanOrEqual(6);
    let objects = 0;
    for (const bucket of created) {
      const prefix = `${UPSTREAM_PREFIX}buckets/${bucket.name}/`;
      expect(bucket.backend).toMatchObject({ type: 's3', bucket: UPSTREAM_BUCKET, prefix });
      const viaA = await listAll(gateway(), bucket.name);
      const onB = await listAll(b, UPSTREAM_BUCKET, prefix);
      expect(Object.fromEntries(onB), bucket.name).toEqual(Object.fromEntries(viaA));
      objects += viaA.size;
    }
    // The suites leave their trees behind: a run that stored nothing would prove nothing.
    expect(objects).toBeGreaterThan(20);
  });
});
