import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { KiB, MiB } from './support/files';
import { admin, objectPath, signedFetch, uniqueBucket } from './support/gateway';
import { rawRequest, s3ErrorCode, signedHeaders } from './support/raw-http';

/**
 * Issue 10: an upload over the bucket's maxObjectSize is refused EntityTooLarge from its declared
 * length, over a real socket, the way clients frame it: with `Expect: 100-continue` the answer
 * comes at once (the client need not send the body), and without it the answer comes while the
 * body is still arriving (the gateway never reads it); nothing is stored and the server stays up.
 */
const CONTINUE_MS = 500;
const LIMIT = 256 * KiB;

let bucket: string;

beforeAll(async () => {
  bucket = uniqueBucket('limits');
  expect((await admin('POST', '/buckets', { name: bucket, limits: { maxObjectSize: LIMIT } })).status).toBe(201);
});

async function oversizedPut(key: string, size: number, expectContinue: boolean) {
  const target = objectPath(bucket, key);
  const headers = { ...(await signedHeaders('PUT', target, { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' })), 'content-length': String(size) };
  return rawRequest({ method: 'PUT', target, headers, body: randomBytes(size), expectContinue, timeoutMs: 15_000 });
}

describe('maximum upload size over a real socket', () => {
  it('Expect: 100-continue → 400 EntityTooLarge promptly, nothing stored', async () => {
    const answer = await oversizedPut('expect.bin', LIMIT + 1, true);
    expect(answer.status, answer.body).toBe(400);
    expect(s3ErrorCode(answer.body)).toBe('EntityTooLarge');
    expect(answer.body).toContain(`<MaxSizeAllowed>${LIMIT}</MaxSizeAllowed>`);
    expect(answer.firstLineMs).toBeLessThan(CONTINUE_MS);
    expect((await signedFetch(objectPath(bucket, 'expect.bin'), { method: 'HEAD' })).status).toBe(404);
  });

  it('no Expect, a 64 MiB body → 400 EntityTooLarge (not a proxy error), nothing stored, the server still answers', async () => {
    const answer = await oversizedPut('large.bin', 64 * MiB, false);
    expect(answer.status, answer.body).toBe(400);
    expect(s3ErrorCode(answer.body)).toBe('EntityTooLarge');
    expect((await signedFetch(objectPath(bucket, 'large.bin'), { method: 'HEAD' })).status).toBe(404);
    const next = await signedFetch(`/${bucket}?list-type=2`);
    expect(next.status).toBe(200);
  });

  it('an upload within the limit is stored', async () => {
    const body = randomBytes(LIMIT);
    const target = objectPath(bucket, 'fits.bin');
    const answer = await rawRequest({ method: 'PUT', target, headers: { ...(await signedHeaders('PUT', target)), 'content-length': String(LIMIT) }, body, expectContinue: true, timeoutMs: 15_000 });
    expect(answer.status, answer.body).toBe(200);
    expect(Buffer.from(await (await signedFetch(target)).arrayBuffer()).equals(body)).toBe(true);
  });
});
