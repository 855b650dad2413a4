import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { KiB, MiB } from './support/files';
import { admin, objectPath, signedFetch, uniqueBucket } from './support/gateway';
import { rawRequest, type RawRequest, type RawResponse, s3ErrorCode, signedHeaders } from './support/raw-http';

/**
 * Requests the gateway answers without reading their body must not hurt the local server
 * (issue 7, items 2 and 3): under the old wrangler dev such a request killed the server or left
 * the next request from any client hanging for 10–60 s, and `Expect: 100-continue` was never
 * answered, so every botocore upload paused 1 s. Each case sends a refused request over a bare
 * socket the way a client frames it, checks the S3 answer and that nothing was written, then
 * checks that a normal signed request on another connection is answered within a second.
 */
const NEXT_REQUEST_MS = 1_000;
/** botocore gives up waiting for `100 Continue` after 1 s and sends the body anyway. */
const CONTINUE_MS = 500;

let bucket: string;
const SENTINEL = 'sentinel.txt';

beforeAll(async () => {
  bucket = uniqueBucket('refused');
  expect((await admin('POST', '/buckets', { name: bucket })).status).toBe(201);
  expect((await signedFetch(objectPath(bucket, SENTINEL), { method: 'PUT', body: 'kept' })).status).toBe(200);
});

/** A signed ListObjectsV2 on a fresh connection: the server is up and not stalled. */
async function expectNextRequestAnswered(): Promise<void> {
  const target = `/${bucket}?list-type=2`;
  const answer = await rawRequest({ method: 'GET', target, headers: await signedHeaders('GET', target), timeoutMs: 15_000 });
  expect(answer.status).toBe(200);
  expect(answer.body).toContain(`<Key>${SENTINEL}</Key>`);
  expect(answer.totalMs, 'the next request waited').toBeLessThan(NEXT_REQUEST_MS);
}

async function expectObjectAbsent(key: string): Promise<void> {
  expect((await signedFetch(objectPath(bucket, key), { method: 'HEAD' })).status).toBe(404);
}

interface RefusedCase {
  name: string;
  request: () => Promise<RawRequest>;
  status: number;
  code: string;
  /** The key the request would have written; checked to be absent afterwards. */
  key?: string;
}

const putTarget = (key: string) => objectPath(bucket, key);

/** An aws-chunked body (unsigned chunks, empty trailer) carrying `sizes` bytes in chunks of those sizes. */
function awsChunked(sizes: number[]): Buffer {
  const parts = sizes.flatMap((size) => [Buffer.from(`${size.toString(16)}\r\n`), randomBytes(size), Buffer.from('\r\n')]);
  return Buffer.concat([...parts, Buffer.from('0\r\n\r\n')]);
}

async function awsChunkedPut(key: string, declared: number, body: Buffer): Promise<RawRequest> {
  const target = putTarget(key);
  const headers = await signedHeaders('PUT', target, {
    'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
    'content-encoding': 'aws-chunked',
    'x-amz-decoded-content-length': String(declared),
  });
  return { method: 'PUT', target, headers: { ...headers, 'content-length': String(body.length) }, body };
}

function deleteDocument(bytes: number): Buffer {
  const entry = `<Object><Key>${SENTINEL}</Key></Object>`;
  return Buffer.from(`<Delete>${entry.repeat(Math.ceil(bytes / entry.length))}</Delete>`);
}

async function deleteObjects(document: Buffer): Promise<RawRequest> {
  const target = `/${bucket}?delete`;
  return { method: 'POST', target, headers: { ...(await signedHeaders('POST', target)), 'content-length': String(document.length) }, body: document };
}

/**
 * A body still arriving when the gateway answers: cancelling it made wrangler's proxy answer 500
 * ("Network connection lost") or reset the connection instead of sending the S3 error.
 */
const LARGE = 64 * MiB;

const refused: RefusedCase[] = [
  {
    name: 'PUT with Transfer-Encoding: chunked and no length → 411 MissingContentLength',
    key: 'chunked.bin',
    request: async () => ({ method: 'PUT', target: putTarget('chunked.bin'), headers: await signedHeaders('PUT', putTarget('chunked.bin')), body: randomBytes(200 * KiB), chunked: true }),
    status: 411,
    code: 'MissingContentLength',
  },
  {
    name: 'anonymous 200 KB PUT → 403 AccessDenied',
    key: 'anonymous.bin',
    request: async () => ({ method: 'PUT', target: putTarget('anonymous.bin'), headers: { 'content-length': String(200 * KiB) }, body: randomBytes(200 * KiB) }),
    status: 403,
    code: 'AccessDenied',
  },
  {
    name: '200 KB PUT to a bucket that does not exist → 404 NoSuchBucket',
    request: async () => {
      const target = objectPath(uniqueBucket('missing'), 'object.bin');
      return { method: 'PUT', target, headers: { ...(await signedHeaders('PUT', target)), 'content-length': String(200 * KiB) }, body: randomBytes(200 * KiB) };
    },
    status: 404,
    code: 'NoSuchBucket',
  },
  {
    name: 'DeleteObjects with a 3 MiB document → 400 MaxMessageLengthExceeded, nothing deleted',
    request: () => deleteObjects(deleteDocument(3 * MiB)),
    status: 400,
    code: 'MaxMessageLengthExceeded',
  },
  {
    name: 'aws-chunked PUT whose chunks end before x-amz-decoded-content-length → 400 IncompleteBody',
    key: 'short.bin',
    request: () => awsChunkedPut('short.bin', MiB, awsChunked([64 * KiB, 64 * KiB])),
    status: 400,
    code: 'IncompleteBody',
  },
  {
    name: 'aws-chunked PUT with a chunk beyond x-amz-decoded-content-length → 400 IncompleteBody, rest unread',
    key: 'long.bin',
    request: () => awsChunkedPut('long.bin', KiB, awsChunked([512 * KiB])),
    status: 400,
    code: 'IncompleteBody',
  },
  {
    name: 'anonymous 200 KB PUT with Expect: 100-continue → 403 without waiting for the body',
    key: 'expect-refused.bin',
    request: async () => ({ method: 'PUT', target: putTarget('expect-refused.bin'), headers: { 'content-length': String(200 * KiB) }, body: randomBytes(200 * KiB), expectContinue: true }),
    status: 403,
    code: 'AccessDenied',
  },
  {
    name: 'anonymous 64 MiB PUT → 403 AccessDenied, not a proxy error',
    key: 'anonymous-large.bin',
    request: async () => ({ method: 'PUT', target: putTarget('anonymous-large.bin'), headers: { 'content-length': String(LARGE) }, body: randomBytes(LARGE) }),
    status: 403,
    code: 'AccessDenied',
  },
  {
    name: 'DeleteObjects with a 64 MiB document → 400 MaxMessageLengthExceeded, not a proxy error',
    request: () => deleteObjects(deleteDocument(LARGE)),
    status: 400,
    code: 'MaxMessageLengthExceeded',
  },
  {
    name: 'aws-chunked PUT with a 64 MiB chunk beyond x-amz-decoded-content-length → 400 IncompleteBody, not a proxy error',
    key: 'long-large.bin',
    request: () => awsChunkedPut('long-large.bin', KiB, awsChunked([LARGE])),
    status: 400,
    code: 'IncompleteBody',
  },
];

describe('a request answered before its body is read leaves the local server responsive', () => {
  it.each(refused)('$name', async ({ request, status, code, key }) => {
    const sent = await request();
    const answer: RawResponse = await rawRequest({ ...sent, timeoutMs: 15_000 });
    expect(answer.status, answer.body).toBe(status);
    expect(s3ErrorCode(answer.body)).toBe(code);
    if (sent.expectContinue) {
      // `100 Continue` (wrangler dev's proxy sends it before the Worker runs) or the final
      // answer — either way soon, so the client does not sit out its own timeout.
      expect([[], [100]]).toContainEqual(answer.interim);
      expect(answer.firstLineMs).toBeLessThan(CONTINUE_MS);
    }
    await expectNextRequestAnswered();
    if (key) await expectObjectAbsent(key);
    expect((await signedFetch(objectPath(bucket, SENTINEL), { method: 'HEAD' })).status).toBe(200);
  });

  it('a signed PUT with Expect: 100-continue gets 100 Continue promptly and stores the body', async () => {
    const body = randomBytes(64 * KiB);
    const target = putTarget('expect-accepted.bin');
    const answer = await rawRequest({
      method: 'PUT', target, headers: { ...(await signedHeaders('PUT', target)), 'content-length': String(body.length) }, body, expectContinue: true, timeoutMs: 15_000,
    });
    expect(answer.status, answer.body).toBe(200);
    expect(answer.interim).toEqual([100]);
    expect(answer.firstLineMs).toBeLessThan(CONTINUE_MS);
    const stored = await signedFetch(target);
    expect(Buffer.from(await stored.arrayBuffer()).equals(body)).toBe(true);
  });

  it('the server is still up after all of them', async () => {
    await expectNextRequestAnswered();
  });
});
