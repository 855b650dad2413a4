import { PutObjectCommand } from '@aws-sdk/client-s3';
import { AwsClient } from 'aws4fetch';
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import type { RequestHooks } from '../../src/hooks/request-hooks';
import { requestLog } from '../../src/hooks/request-log';
import { ADMIN_TOKEN } from './admin-client';
import { bucketWithClient } from './helpers/fixtures';
import { type Credentials, errorCode } from './helpers/s3-client';

const BASE_DOMAIN = 's3.test';
const SESSION_TOKEN = 'FAKE-SESSION-TOKEN-d2f7a9c1e4b84f0c';
const WEB_IDENTITY_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.NOT-A-REAL-WEB-IDENTITY-7c1e.c2lnbmF0dXJl';
/** Present on every line (the rest are there when known: test/worker/log-line.test.ts checks them per front door). */
const LINE_FIELDS = ['bytesIn', 'bytesOut', 'durationMs', 'frontDoor', 'headersMs', 'level', 'method', 'msg', 'requestId', 'status'];

/** The Worker with a log hook that writes into `lines` instead of the console. */
async function run(request: Request, hooks?: (lines: string[]) => RequestHooks[]): Promise<{ response: Response; body: string; lines: string[] }> {
  const lines: string[] = [];
  const app = createApp({ hooks: hooks ? hooks(lines) : [requestLog((line) => lines.push(line))] });
  const ctx = createExecutionContext();
  const response = await app.fetch(request, { ...env, BASE_DOMAIN }, ctx);
  const body = await response.text();
  await waitOnExecutionContext(ctx);
  return { response, body, lines };
}

function parsed(lines: string[]): Record<string, unknown> {
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!) as Record<string, unknown>;
}

/** Every value a caller may send that must never reach a log. */
function expectNoSecrets(lines: string[], request: Request, extra: string[] = []): void {
  const url = new URL(request.url);
  const secrets = [
    request.headers.get('authorization'),
    request.headers.get('x-amz-security-token'),
    url.searchParams.get('X-Amz-Signature'),
    url.searchParams.get('X-Amz-Security-Token'),
    url.searchParams.get('X-Amz-Credential'),
    ...extra,
  ].filter((s): s is string => !!s);
  expect(secrets.length).toBeGreaterThan(0);
  for (const line of lines) for (const secret of secrets) expect(line).not.toContain(secret);
}

describe('request hooks around every front door: the per-request log line', () => {
  let bucket: string;
  let credentials: Credentials;
  beforeAll(async () => {
    const fixture = await bucketWithClient('hooks');
    bucket = fixture.bucket;
    credentials = fixture.credentials;
    await fixture.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'present.txt', Body: 'here' }));
  });

  it('path-style S3: request id as answered, status, no error code on success, no signature', async () => {
    const signer = new AwsClient({ ...credentials, service: 's3', region: 'us-east-1' });
    const request = await signer.sign(`https://${BASE_DOMAIN}/${bucket}/present.txt`, { method: 'GET' });
    const { response, body, lines } = await run(request);
    expect(response.status).toBe(200);
    expect(body).toBe('here');
    const line = parsed(lines);
    expect(Object.keys(line)).toEqual(expect.arrayContaining(LINE_FIELDS));
    expect(line).toMatchObject({ level: 'info', msg: 'request', frontDoor: 's3-path', method: 'GET', status: 200, requestId: response.headers.get('x-amz-request-id') });
    expect(line.durationMs).toEqual(expect.any(Number));
    expectNoSecrets(lines, request, [credentials.secretAccessKey]);
  });

  it('path-style S3: a refused session token is logged with its S3 error code and never its value', async () => {
    const signer = new AwsClient({ ...credentials, sessionToken: SESSION_TOKEN, service: 's3', region: 'us-east-1' });
    const request = await signer.sign(`https://${BASE_DOMAIN}/${bucket}/present.txt`, { method: 'GET' });
    expect(request.headers.get('x-amz-security-token')).toBe(SESSION_TOKEN);
    const { response, body, lines } = await run(request);
    const code = /<Code>([^<]*)<\/Code>/.exec(body)?.[1];
    expect(code).toBe('InvalidToken');
    const line = parsed(lines);
    expect(Object.keys(line)).toEqual(expect.arrayContaining([...LINE_FIELDS, 'errorCode']));
    expect(line).toMatchObject({ frontDoor: 's3-path', status: response.status, errorCode: code, requestId: response.headers.get('x-amz-request-id') });
    expectNoSecrets(lines, request, [SESSION_TOKEN]);
  });

  it('path-style S3: a presigned URL never leaks X-Amz-Signature, X-Amz-Security-Token or the credential', async () => {
    const signer = new AwsClient({ ...credentials, sessionToken: SESSION_TOKEN, service: 's3', region: 'us-east-1' });
    const request = await signer.sign(`https://${BASE_DOMAIN}/${bucket}/present.txt?X-Amz-Expires=300`, { method: 'GET', aws: { signQuery: true } });
    expect(new URL(request.url).searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    const { response, lines } = await run(request);
    expect(parsed(lines)).toMatchObject({ frontDoor: 's3-path', status: response.status, errorCode: 'InvalidToken' });
    expectNoSecrets(lines, request, [SESSION_TOKEN]);
  });

  it('virtual-hosted S3: its own front door, the S3 error code of a refusal', async () => {
    const request = new Request(`https://${bucket}.${BASE_DOMAIN}/present.txt`, { headers: { 'x-amz-security-token': SESSION_TOKEN, authorization: 'Bearer not-for-logs-91c3' } });
    const { response, body, lines } = await run(request);
    expect(response.status).toBeGreaterThanOrEqual(400);
    const line = parsed(lines);
    expect(line).toMatchObject({ frontDoor: 's3-virtual', method: 'GET', status: response.status, errorCode: /<Code>([^<]*)<\/Code>/.exec(body)?.[1], requestId: response.headers.get('x-amz-request-id') });
    expectNoSecrets(lines, request);
  });

  it('/.sts: the STS error code and request id, never the web identity token', async () => {
    const form = new URLSearchParams({
      Version: '2011-06-15',
      Action: 'AssumeRoleWithWebIdentity',
      RoleArn: 'arn:aws:iam::123456789012:role/nobody',
      RoleSessionName: 'hooks',
      WebIdentityToken: WEB_IDENTITY_TOKEN,
    });
    const request = new Request(`https://${BASE_DOMAIN}/.sts`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
    const { response, body, lines } = await run(request.clone());
    const code = /<Code>([^<]*)<\/Code>/.exec(body)?.[1];
    expect(code).toBeTruthy();
    const line = parsed(lines);
    expect(line).toMatchObject({ frontDoor: 'sts', method: 'POST', status: response.status, errorCode: code, requestId: response.headers.get('x-amzn-requestid') });
    expect(body).toContain(`<RequestId>${line.requestId}</RequestId>`);
    expectNoSecrets(lines, request, [WEB_IDENTITY_TOKEN]);
  });

  it('/admin/v1: logged without the bearer token', async () => {
    const request = new Request(`https://${BASE_DOMAIN}/admin/v1/buckets/${bucket}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const { response, lines } = await run(request);
    expect(response.status).toBe(200);
    const line = parsed(lines);
    expect(Object.keys(line)).toEqual(expect.arrayContaining(LINE_FIELDS));
    expect(line).toMatchObject({ frontDoor: 'admin', method: 'GET', status: 200 });
    expect(line.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expectNoSecrets(lines, request, [ADMIN_TOKEN]);
  });

  it('/.well-known/*: the JWKS, and 404 for anything else there', async () => {
    const jwks = await run(new Request(`https://${BASE_DOMAIN}/.well-known/jwks.json`));
    expect(jwks.response.status).toBe(200);
    expect(JSON.parse(jwks.body).keys.length).toBeGreaterThan(0);
    expect(parsed(jwks.lines)).toMatchObject({ frontDoor: 'well-known', method: 'GET', status: 200 });
    const other = await run(new Request(`https://${BASE_DOMAIN}/.well-known/nothing-here`));
    expect(other.response.status).toBe(404);
    expect(parsed(other.lines)).toMatchObject({ frontDoor: 'well-known', status: 404 });
  });

  it('a before hook that answers stops the front door (nothing written), and the after hooks still see the answer', async () => {
    const seen: string[] = [];
    const throttle: RequestHooks = {
      before: (_request, { info }) => {
        seen.push(info.requestId);
        return new Response('slow down', { status: 429 });
      },
    };
    const signer = new AwsClient({ ...credentials, service: 's3', region: 'us-east-1' });
    const put = await signer.sign(`https://${BASE_DOMAIN}/${bucket}/throttled.txt`, { method: 'PUT', body: 'never stored' });
    const { response, lines } = await run(put, (out) => [throttle, requestLog((line) => out.push(line))]);
    expect(response.status).toBe(429);
    expect(parsed(lines)).toMatchObject({ frontDoor: 's3-path', method: 'PUT', status: 429, requestId: seen[0] });
    expect(await env.STORAGE.head(`buckets/${bucket}/throttled.txt`)).toBeNull();
    const get = await run(await signer.sign(`https://${BASE_DOMAIN}/${bucket}/throttled.txt`, { method: 'GET' }));
    expect(get.response.status).toBe(404);
    expect(await errorCode(new Response(get.body))).toBe('NoSuchKey');
  });
});
