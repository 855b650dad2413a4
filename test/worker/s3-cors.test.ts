import { DeleteBucketCorsCommand, GetBucketCorsCommand, PutBucketCorsCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { admin } from './admin-client';
import { bucketWithClient, createAccessKey } from './helpers/fixtures';
import { ENDPOINT, errorCode, s3Client, sdkError, signedFetch, type Credentials } from './helpers/s3-client';

const RULES = [
  {
    AllowedOrigins: ['https://*.example.com'],
    AllowedMethods: ['GET', 'HEAD'],
    AllowedHeaders: ['Range', 'x-amz-*'],
    ExposeHeaders: ['ETag', 'Content-Range'],
    MaxAgeSeconds: 600,
  },
  { AllowedOrigins: ['http://app.test'], AllowedMethods: ['PUT', 'GET'], AllowedHeaders: ['*'] },
];

let bucket: string;
let s3: S3Client;
let credentials: Credentials;

beforeAll(async () => {
  ({ bucket, s3, credentials } = await bucketWithClient('cors', { publicRead: true }));
  await s3.send(new PutBucketCorsCommand({ Bucket: bucket, CORSConfiguration: { CORSRules: RULES } }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'page.txt', Body: 'hello browser' }));
});

function preflight(path: string, headers: Record<string, string>): Promise<Response> {
  return SELF.fetch(`${ENDPOINT}${path}`, { method: 'OPTIONS', headers });
}

async function currentRules(): Promise<unknown> {
  return (await s3.send(new GetBucketCorsCommand({ Bucket: bucket }))).CORSRules;
}

describe('GetBucketCors / PutBucketCors / DeleteBucketCors', () => {
  it('round-trips the rules through the registry', async () => {
    expect(await currentRules()).toEqual(RULES);
    const viaAdmin = await admin('GET', `/buckets/${bucket}`);
    expect(viaAdmin.json.cors[0]).toEqual({
      allowedOrigins: ['https://*.example.com'],
      allowedMethods: ['GET', 'HEAD'],
      allowedHeaders: ['Range', 'x-amz-*'],
      exposeHeaders: ['ETag', 'Content-Range'],
      maxAgeSeconds: 600,
    });
  });

  it('answers NoSuchCORSConfiguration (404) after DeleteBucketCors, and rules set by the admin API are served', async () => {
    const { bucket: other, s3: client } = await bucketWithClient('cors-del');
    expect(await sdkError(client.send(new GetBucketCorsCommand({ Bucket: other })))).toEqual({ code: 'NoSuchCORSConfiguration', status: 404 });
    const patched = await admin('PATCH', `/buckets/${other}`, { cors: [{ allowedOrigins: ['*'], allowedMethods: ['GET'] }] });
    expect(patched.status).toBe(200);
    expect((await client.send(new GetBucketCorsCommand({ Bucket: other }))).CORSRules).toEqual([{ AllowedOrigins: ['*'], AllowedMethods: ['GET'] }]);
    expect((await client.send(new DeleteBucketCorsCommand({ Bucket: other }))).$metadata.httpStatusCode).toBe(204);
    expect(await sdkError(client.send(new GetBucketCorsCommand({ Bucket: other })))).toEqual({ code: 'NoSuchCORSConfiguration', status: 404 });
    expect((await admin('GET', `/buckets/${other}`)).json.cors).toEqual([]);
  });

  it.each([
    ['no rule', '<CORSConfiguration></CORSConfiguration>', 'MalformedXML'],
    ['not XML', '<CORSConfiguration><CORSRule>', 'MalformedXML'],
    ['another root', '<Foo><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></Foo>', 'MalformedXML'],
    ['no origin', '<CORSConfiguration><CORSRule><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>', 'MalformedXML'],
    ['bad max age', '<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><MaxAgeSeconds>soon</MaxAgeSeconds></CORSRule></CORSConfiguration>', 'MalformedXML'],
    ['unknown method', '<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>PATCH</AllowedMethod></CORSRule></CORSConfiguration>', 'InvalidRequest'],
    ['two wildcards', '<CORSConfiguration><CORSRule><AllowedOrigin>https://*.*.com</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>', 'InvalidRequest'],
    ['101 rules', `<CORSConfiguration>${'<CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule>'.repeat(101)}</CORSConfiguration>`, 'InvalidRequest'],
  ])('refuses %s with %s and keeps the rules', async (_label, body, code) => {
    const r = await signedFetch(credentials, 'PUT', `/${bucket}?cors`, { body, headers: { 'content-type': 'application/xml' } });
    expect(r.status).toBe(400);
    expect(await errorCode(r)).toBe(code);
    expect((await currentRules()) as unknown[]).toHaveLength(RULES.length);
  });

  it('needs s3:PutBucketCORS / s3:GetBucketCORS on the bucket', async () => {
    const reader = s3Client(await createAccessKey([{ effect: 'allow', actions: ['s3:GetObject', 's3:GetBucketCORS'], resources: [bucket, `${bucket}/*`] }]));
    const rules = [{ AllowedOrigins: ['*'], AllowedMethods: ['GET'] }];
    expect(await sdkError(reader.send(new PutBucketCorsCommand({ Bucket: bucket, CORSConfiguration: { CORSRules: rules } })))).toEqual({ code: 'AccessDenied', status: 403 });
    expect(await sdkError(reader.send(new DeleteBucketCorsCommand({ Bucket: bucket })))).toEqual({ code: 'AccessDenied', status: 403 });
    expect((await reader.send(new GetBucketCorsCommand({ Bucket: bucket }))).CORSRules).toHaveLength(RULES.length);
    const stranger = s3Client(await createAccessKey([{ effect: 'allow', actions: ['s3:GetObject'], resources: [`${bucket}/*`] }]));
    expect(await sdkError(stranger.send(new GetBucketCorsCommand({ Bucket: bucket })))).toEqual({ code: 'AccessDenied', status: 403 });
    expect(await currentRules()).toHaveLength(RULES.length);
  });
});

describe('preflight (OPTIONS), unauthenticated', () => {
  it('allows a matching origin (one * wildcard), method and headers (case-insensitive, wildcards)', async () => {
    const r = await preflight(`/${bucket}/page.txt`, {
      origin: 'https://cdn.example.com',
      'access-control-request-method': 'GET',
      'access-control-request-headers': 'RANGE, X-Amz-Date',
    });
    expect(r.status).toBe(200);
    expect(Object.fromEntries(r.headers)).toMatchObject({
      'access-control-allow-origin': 'https://cdn.example.com',
      'access-control-allow-methods': 'GET, HEAD',
      'access-control-allow-headers': 'RANGE, X-Amz-Date',
      'access-control-expose-headers': 'ETag, Content-Range',
      'access-control-max-age': '600',
      'access-control-allow-credentials': 'true',
      vary: 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method',
    });
    expect(r.headers.get('x-amz-request-id')).toMatch(/^[0-9A-F]{16}$/);
  });

  it('uses the first rule that matches (PUT only on the second rule)', async () => {
    const r = await preflight(`/${bucket}/upload.bin`, { origin: 'http://app.test', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type,x-anything' });
    expect(r.status).toBe(200);
    expect(r.headers.get('access-control-allow-methods')).toBe('PUT, GET');
    expect(r.headers.get('access-control-max-age')).toBeNull();
  });

  it.each([
    ['an origin no rule names', { origin: 'https://example.com.evil.test', 'access-control-request-method': 'GET' }],
    ['a method the origin may not use', { origin: 'https://cdn.example.com', 'access-control-request-method': 'PUT' }],
    ['a header no rule allows', { origin: 'https://cdn.example.com', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' }],
    ['the scheme differs', { origin: 'http://cdn.example.com', 'access-control-request-method': 'GET' }],
  ])('refuses %s: 403 AccessForbidden, no CORS headers', async (_label, headers) => {
    const r = await preflight(`/${bucket}/page.txt`, headers);
    expect(r.status).toBe(403);
    expect(r.headers.get('access-control-allow-origin')).toBeNull();
    const text = await r.text();
    expect(text).toContain('<Code>AccessForbidden</Code>');
    expect(text).toContain('CORSResponse: This CORS request is not allowed');
  });

  it('answers 400 without Origin or Access-Control-Request-Method, 403 on a bucket without rules, 404 on no bucket', async () => {
    const noOrigin = await preflight(`/${bucket}/page.txt`, { 'access-control-request-method': 'GET' });
    expect(noOrigin.status).toBe(400);
    expect(await errorCode(noOrigin)).toBe('BadRequest');
    const noMethod = await preflight(`/${bucket}/page.txt`, { origin: 'https://cdn.example.com' });
    expect(noMethod.status).toBe(400);
    const { bucket: bare } = await bucketWithClient('cors-none');
    const none = await preflight(`/${bare}/x`, { origin: 'https://cdn.example.com', 'access-control-request-method': 'GET' });
    expect(none.status).toBe(403);
    expect(await none.text()).toContain('CORS is not enabled for this bucket');
    const missing = await preflight('/no-such-bucket-cors/x', { origin: 'https://cdn.example.com', 'access-control-request-method': 'GET' });
    expect(missing.status).toBe(404);
    expect(await errorCode(missing)).toBe('NoSuchBucket');
  });

  it('ignores credentials on a preflight (nothing is verified)', async () => {
    const r = await preflight(`/${bucket}/page.txt`, { origin: 'https://cdn.example.com', 'access-control-request-method': 'GET', authorization: 'AWS4-HMAC-SHA256 garbage' });
    expect(r.status).toBe(200);
  });
});

describe('CORS headers on actual responses', () => {
  it('adds Allow-Origin, Expose-Headers and Vary for an allowed origin, also on errors', async () => {
    const ok = await SELF.fetch(`${ENDPOINT}/${bucket}/page.txt`, { headers: { origin: 'https://www.example.com' } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('hello browser');
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://www.example.com');
    expect(ok.headers.get('access-control-expose-headers')).toBe('ETag, Content-Range');
    expect(ok.headers.get('vary')).toContain('Origin');
    const missing = await SELF.fetch(`${ENDPOINT}/${bucket}/nothing-here`, { headers: { origin: 'https://www.example.com' } });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('access-control-allow-origin')).toBe('https://www.example.com');
    expect(await errorCode(missing)).toBe('NoSuchKey');
  });

  it('adds nothing for an origin or method no rule allows, or without Origin', async () => {
    const other = await SELF.fetch(`${ENDPOINT}/${bucket}/page.txt`, { headers: { origin: 'https://evil.test' } });
    expect(other.status).toBe(200);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    await other.body?.cancel();
    const del = await signedFetch(credentials, 'DELETE', `/${bucket}/nothing`, { headers: { origin: 'https://www.example.com' } });
    expect(del.status).toBe(204);
    expect(del.headers.get('access-control-allow-origin')).toBeNull();
    const plain = await SELF.fetch(`${ENDPOINT}/${bucket}/page.txt`);
    expect(plain.headers.get('access-control-allow-origin')).toBeNull();
    await plain.body?.cancel();
  });
});
