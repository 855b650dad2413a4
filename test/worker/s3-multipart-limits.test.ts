import { AwsClient } from 'aws4fetch';
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import type { Env } from '../../src/env';
import { bucketWithClient } from './helpers/fixtures';
import { completeXml, MiB, patternBytes, type SentPart } from './helpers/multipart';
import type { Credentials } from './helpers/s3-client';

/**
 * A bucket's (or the deployment's) maximum object size bounds a multipart object, not only each
 * part (issue 10, adrs/0024): an UploadPart larger than the limit is refused before its body is
 * read; a Complete whose parts add up to more is refused EntityTooLarge with nothing committed and
 * the upload still in progress, so the client can abort it.
 */

const LIMIT = 6 * MiB;
const app = createApp({ hooks: [] });

describe('multipart uploads against the maximum object size', () => {
  let bucket: string;
  let credentials: Credentials;
  let signer: AwsClient;

  async function call(method: string, path: string, body?: Uint8Array | string, e: Env = env): Promise<{ status: number; text: string; etag: string | null }> {
    const headers: Record<string, string> = { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' };
    if (body !== undefined) headers['content-length'] = String(typeof body === 'string' ? new TextEncoder().encode(body).byteLength : body.byteLength);
    const ctx = createExecutionContext();
    const response = await app.fetch(await signer.sign(`https://gateway.test${path}`, { method, headers, ...(body !== undefined ? { body } : {}) }), e, ctx);
    const text = await response.text();
    await waitOnExecutionContext(ctx);
    return { status: response.status, text, etag: response.headers.get('etag') };
  }
  const code = (text: string) => /<Code>([^<]+)</.exec(text)?.[1];

  async function upload(on: string, key: string, sizes: number[], e: Env = env): Promise<{ uploadId: string; parts: SentPart[] }> {
    const created = await call('POST', `/${on}/${key}?uploads`, undefined, e);
    const uploadId = /<UploadId>([^<]+)</.exec(created.text)![1]!;
    const parts: SentPart[] = [];
    for (const [i, size] of sizes.entries()) {
      const r = await call('PUT', `/${on}/${key}?partNumber=${i + 1}&uploadId=${encodeURIComponent(uploadId)}`, patternBytes(size, i), e);
      expect(r.status, r.text).toBe(200);
      parts.push({ PartNumber: i + 1, ETag: r.etag! });
    }
    return { uploadId, parts };
  }

  beforeAll(async () => {
    ({ bucket, credentials } = await bucketWithClient('mpu-limit', { limits: { maxObjectSize: LIMIT } }));
    signer = new AwsClient({ ...credentials, service: 's3', region: 'us-east-1' });
  });

  it('Complete whose parts add up to more than the limit: EntityTooLarge, nothing committed, the upload still in progress and abortable', async () => {
    const { uploadId, parts } = await upload(bucket, 'too-big', [5 * MiB, 2 * MiB]);
    const query = `uploadId=${encodeURIComponent(uploadId)}`;
    const refused = await call('POST', `/${bucket}/too-big?${query}`, completeXml(parts));
    expect([refused.status, code(refused.text)]).toEqual([400, 'EntityTooLarge']);
    expect(refused.text).toContain(`<ProposedSize>${7 * MiB}</ProposedSize>`);
    expect(refused.text).toContain(`<MaxSizeAllowed>${LIMIT}</MaxSizeAllowed>`);
    expect((await call('HEAD', `/${bucket}/too-big`)).status).toBe(404);
    expect(await env.STORAGE.head(`buckets/${bucket}/too-big`)).toBeNull();

    const listed = await call('GET', `/${bucket}/too-big?${query}`);
    expect(listed.status).toBe(200);
    expect(listed.text.match(/<Part>/g)).toHaveLength(2);
    expect((await call('DELETE', `/${bucket}/too-big?${query}`)).status).toBe(204);
    expect((await call('GET', `/${bucket}/too-big?${query}`)).status).toBe(404);
  });

  it('Complete of exactly the limit succeeds', async () => {
    const { uploadId, parts } = await upload(bucket, 'fits', [5 * MiB, 1 * MiB]);
    const done = await call('POST', `/${bucket}/fits?uploadId=${encodeURIComponent(uploadId)}`, completeXml(parts));
    expect(done.status, done.text).toBe(200);
    expect((await env.STORAGE.head(`buckets/${bucket}/fits`))?.size).toBe(LIMIT);
  });

  it('an UploadPart larger than the limit by itself is refused before its body is read', async () => {
    const created = await call('POST', `/${bucket}/one-part?uploads`);
    const uploadId = /<UploadId>([^<]+)</.exec(created.text)![1]!;
    let pulled = false;
    const body = new ReadableStream<Uint8Array>({ pull(controller) { pulled = true; controller.enqueue(new Uint8Array(16)); controller.close(); } }, { highWaterMark: 0 });
    const request = await signer.sign(`https://gateway.test/${bucket}/one-part?partNumber=1&uploadId=${encodeURIComponent(uploadId)}`, {
      method: 'PUT',
      headers: { 'content-length': String(LIMIT + 1), 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
      body,
      // @ts-expect-error workerd needs duplex for a streamed request body
      duplex: 'half',
    });
    const ctx = createExecutionContext();
    const response = await app.fetch(request, env, ctx);
    const text = await response.text();
    await waitOnExecutionContext(ctx);
    expect([response.status, code(text)]).toEqual([400, 'EntityTooLarge']);
    expect(pulled).toBe(false);
  });

  it("the deployment's MAX_OBJECT_SIZE bounds a multipart object on a bucket without its own limit", async () => {
    const open = await bucketWithClient('mpu-deploy-limit');
    signer = new AwsClient({ ...open.credentials, service: 's3', region: 'us-east-1' });
    try {
      const small: Env = { ...env, MAX_OBJECT_SIZE: String(LIMIT) };
      const { uploadId, parts } = await upload(open.bucket, 'k', [5 * MiB, 2 * MiB], small);
      const refused = await call('POST', `/${open.bucket}/k?uploadId=${encodeURIComponent(uploadId)}`, completeXml(parts), small);
      expect([refused.status, code(refused.text)]).toEqual([400, 'EntityTooLarge']);
      // Without the deployment limit the same upload completes: 7 MiB is far below the store's own maximum.
      const done = await call('POST', `/${open.bucket}/k?uploadId=${encodeURIComponent(uploadId)}`, completeXml(parts));
      expect(done.status, done.text).toBe(200);
    } finally {
      signer = new AwsClient({ ...credentials, service: 's3', region: 'us-east-1' });
    }
  });
});
