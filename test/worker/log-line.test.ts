import { AwsClient } from 'aws4fetch';
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../src/app';
import { requestLog } from '../../src/hooks/request-log';
import { ADMIN_TOKEN } from './admin-client';
import { bucketWithClient, createBucket } from './helpers/fixtures';
import type { Credentials } from './helpers/s3-client';
import { assumeRole, createRole, githubClaims, type Issuer, newIssuer, registerIdp } from './helpers/sts';

/**
 * Issue 10: the one log line per request, as the Worker writes it to the console, per front door:
 * who (never a secret), what, the bytes that actually streamed, where the time went, and
 * Server-Timing on the answer. Everything the console receives in this file is also scanned for
 * every secret the file handled.
 */

const app = createApp({ hooks: [requestLog()] });
const consoleLines: string[] = [];
const secrets: string[] = [env.MASTER_KEY, ADMIN_TOKEN];
let spies: ReturnType<typeof vi.spyOn>[] = [];

beforeAll(() => {
  const capture = (...args: unknown[]) => void consoleLines.push(args.map(String).join(' '));
  spies = (['log', 'warn', 'error', 'info', 'debug'] as const).map((level) => vi.spyOn(console, level).mockImplementation(capture));
});

afterAll(() => {
  for (const spy of spies) spy.mockRestore();
  // Every line this file made the Worker write, request lines and others alike.
  expect(consoleLines.length).toBeGreaterThan(0);
  for (const line of consoleLines) for (const secret of secrets) expect(line).not.toContain(secret);
});

/** Sends `request` to the Worker, reads the whole answer, waits for the after-hooks, and returns its request line. */
async function run(request: Request): Promise<{ response: Response; body: string; line: Record<string, any> }> {
  const before = consoleLines.length;
  const ctx = createExecutionContext();
  const response = await app.fetch(request, env, ctx);
  const body = await response.text();
  await waitOnExecutionContext(ctx);
  const lines = consoleLines
    .slice(before)
    .map((l) => JSON.parse(l) as Record<string, any>)
    .filter((l) => l.msg === 'request');
  expect(lines).toHaveLength(1);
  return { response, body, line: lines[0]! };
}

const signer = (c: Credentials & { sessionToken?: string }) => new AwsClient({ ...c, service: 's3', region: 'us-east-1' });
const SERVER_TIMING = /^total;dur=\d+, auth;dur=\d+, upstream;dur=\d+$/;

describe('the request log line', () => {
  let bucket: string;
  let credentials: Credentials;
  const payload = 'p'.repeat(1500);

  beforeAll(async () => {
    ({ bucket, credentials } = await bucketWithClient('logline'));
    secrets.push(credentials.secretAccessKey);
  });

  it('S3 PUT then GET: operation, bucket, access key id, bytes in and out as streamed, timings, Server-Timing', async () => {
    const put = await run(
      await signer(credentials).sign(`https://gateway.test/${bucket}/log/object.txt`, { method: 'PUT', body: payload, headers: { 'content-length': String(payload.length) } }),
    );
    expect(put.response.status).toBe(200);
    expect(put.line).toMatchObject({
      level: 'info',
      msg: 'request',
      frontDoor: 's3-path',
      method: 'PUT',
      operation: 'PutObject',
      bucket,
      principal: credentials.accessKeyId,
      status: 200,
      bytesIn: payload.length,
      bytesOut: 0,
      requestId: put.response.headers.get('x-amz-request-id'),
    });
    for (const field of ['durationMs', 'headersMs', 'authMs', 'upstreamMs']) expect(put.line[field]).toEqual(expect.any(Number));
    expect(put.line.errorCode).toBeUndefined();
    expect(put.response.headers.get('server-timing')).toMatch(SERVER_TIMING);

    const get = await run(await signer(credentials).sign(`https://gateway.test/${bucket}/log/object.txt`, { method: 'GET' }));
    expect(get.body).toBe(payload);
    expect(get.response.headers.get('content-length')).toBe(String(payload.length));
    expect(get.line).toMatchObject({ operation: 'GetObject', bucket, status: 200, bytesIn: 0, bytesOut: payload.length });
    expect(get.response.headers.get('server-timing')).toMatch(SERVER_TIMING);

    // A range counts what was sent, not the object's size.
    const ranged = await run(await signer(credentials).sign(`https://gateway.test/${bucket}/log/object.txt`, { method: 'GET', headers: { range: 'bytes=0-99' } }));
    expect(ranged.response.status).toBe(206);
    expect(ranged.line).toMatchObject({ status: 206, bytesOut: 100 });

    // XML documents and errors declare their length (src/core/text-body.ts): bytes out is that length.
    const listed = await run(await signer(credentials).sign(`https://gateway.test/${bucket}?list-type=2&prefix=log/`, { method: 'GET' }));
    const missing = await run(await signer(credentials).sign(`https://gateway.test/${bucket}/log/none.txt`, { method: 'GET' }));
    expect([listed.response.status, missing.response.status]).toEqual([200, 404]);
    for (const answer of [listed, missing]) {
      const bytes = new TextEncoder().encode(answer.body).byteLength;
      expect(answer.response.headers.get('content-length')).toBe(String(bytes));
      expect(answer.line.bytesOut).toBe(bytes);
    }
  });

  it('a download the client abandons midway counts 0 bytes out: never bytes that may not have reached it', async () => {
    const client = signer(credentials);
    const large = new Uint8Array(512 * 1024).fill(7);
    const put = await run(await client.sign(`https://gateway.test/${bucket}/log/large.bin`, { method: 'PUT', body: large, headers: { 'content-length': String(large.length) } }));
    expect(put.response.status).toBe(200);

    const before = consoleLines.length;
    const ctx = createExecutionContext();
    const response = await app.fetch(await client.sign(`https://gateway.test/${bucket}/log/large.bin`, { method: 'GET' }), env, ctx);
    expect(response.headers.get('content-length')).toBe(String(large.length));
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    await reader.cancel('client went away');
    await waitOnExecutionContext(ctx);
    const lines = consoleLines.slice(before).map((l) => JSON.parse(l)).filter((l) => l.msg === 'request');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ operation: 'GetObject', status: 200, bytesOut: 0 });
  });

  it('S3 refusal: its error code; an anonymous caller as "anonymous" and its client as a salted hash, never the address', async () => {
    const ip = '203.0.113.77';
    const { response, line } = await run(new Request(`https://gateway.test/${bucket}/log/object.txt`, { headers: { 'cf-connecting-ip': ip } }));
    expect(response.status).toBe(403);
    expect(line).toMatchObject({ operation: 'GetObject', bucket, principal: 'anonymous', status: 403, errorCode: 'AccessDenied' });
    expect(line.client).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.stringify(line)).not.toContain(ip);
  });

  it('edge cache: a public object read anonymously says hit or miss as the answer does', async () => {
    const publicBucket = await createBucket('logline-pub', { publicRead: true, cacheTtl: 60 });
    await env.STORAGE.put(`buckets/${publicBucket}/public.txt`, 'public bytes');
    const first = await run(new Request(`https://gateway.test/${publicBucket}/public.txt`));
    expect(first.response.status).toBe(200);
    expect(first.line.cache).toBe(first.response.headers.get('x-bucketgate-cache'));
    expect(first.line.cache).toMatch(/^(hit|miss)$/);
    expect(first.line.bytesOut).toBe('public bytes'.length);
  });

  describe('STS session credentials', () => {
    let idp: Issuer;
    let role: string;
    beforeAll(async () => {
      idp = await newIssuer();
      await registerIdp(idp.issuer);
      role = (await createRole(idp.issuer, [{ effect: 'allow', actions: ['s3:*'], resources: [bucket, `${bucket}/*`] }])).name;
    });

    it('/.sts: sts.<Action>, the role and session as principal, no token or secret; S3 with the session: role/session', async () => {
      const token = await idp.token(githubClaims(idp.issuer));
      secrets.push(token);
      const form = new URLSearchParams({
        Version: '2011-06-15',
        Action: 'AssumeRoleWithWebIdentity',
        RoleArn: `arn:aws:iam::123456789012:role/${role}`,
        RoleSessionName: 'logged',
        WebIdentityToken: token,
      }).toString();
      const sts = await run(
        new Request('https://gateway.test/.sts', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(form.length) }, body: form }),
      );
      expect(sts.response.status).toBe(200);
      expect(sts.line).toMatchObject({ frontDoor: 'sts', operation: 'sts.AssumeRoleWithWebIdentity', principal: `${role}/logged`, status: 200, bytesIn: form.length });
      expect(sts.line.bytesOut).toBe(new TextEncoder().encode(sts.body).byteLength);
      // Declared (src/core/text-body.ts), so it left through the native pipe, not the JS counter.
      expect(sts.response.headers.get('content-length')).toBe(String(sts.line.bytesOut));
      const session = {
        accessKeyId: /<AccessKeyId>([^<]+)</.exec(sts.body)![1]!,
        secretAccessKey: /<SecretAccessKey>([^<]+)</.exec(sts.body)![1]!,
        sessionToken: /<SessionToken>([^<]+)</.exec(sts.body)![1]!,
      };
      secrets.push(session.secretAccessKey, session.sessionToken);

      const get = await run(await signer(session).sign(`https://gateway.test/${bucket}/log/object.txt`, { method: 'GET' }));
      expect(get.response.status).toBe(200);
      expect(get.line).toMatchObject({ operation: 'GetObject', principal: `${role}/logged` });
    });

    it('a session made through the whole Worker logs nothing secret either', async () => {
      const { credentials: session } = await assumeRole(role, await idp.token(githubClaims(idp.issuer)));
      expect(session).toBeDefined();
      secrets.push(session!.secretAccessKey, session!.sessionToken);
    });
  });

  it('/admin/v1: operation admin, principal admin once authenticated (anonymous when not), the body length in', async () => {
    const body = JSON.stringify({ labels: { logged: 'yes' } });
    const patch = await run(
      new Request(`https://gateway.test/admin/v1/buckets/${bucket}`, { method: 'PATCH', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', 'content-length': String(body.length) }, body }),
    );
    expect(patch.response.status).toBe(200);
    expect(patch.line).toMatchObject({ frontDoor: 'admin', operation: 'admin', principal: 'admin', method: 'PATCH', status: 200, bytesIn: body.length });
    expect(patch.line.bytesOut).toBe(patch.body.length);
    const refused = await run(new Request(`https://gateway.test/admin/v1/buckets`, { headers: { authorization: 'Bearer wrong-token-0123456789' } }));
    expect(refused.line).toMatchObject({ frontDoor: 'admin', principal: 'anonymous', status: 401 });
  });

  it('/.well-known: its own operation, anonymous', async () => {
    const { response, line } = await run(new Request('https://gateway.test/.well-known/jwks.json'));
    expect(response.status).toBe(200);
    expect(line).toMatchObject({ frontDoor: 'well-known', operation: 'well-known', principal: 'anonymous', status: 200 });
    expect(response.headers.get('server-timing')).toMatch(/^total;dur=\d+$/);
  });
});
