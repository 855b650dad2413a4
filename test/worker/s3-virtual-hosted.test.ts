import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { bucketOwnerStatements, createAccessKey, createBucket } from './helpers/fixtures';
import { type Credentials, sdkError } from './helpers/s3-client';

/** The deployment's base domain in these tests: `<bucket>.s3.test` is virtual-hosted, `s3.test` path-style. */
const BASE_DOMAIN = 's3.test';

/** The Worker with BASE_DOMAIN configured, as a deployment that enables virtual-hosted style runs it. */
const app = createApp();
async function gatewayFetch(request: Request): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await app.fetch(request, { ...env, BASE_DOMAIN }, ctx);
  // Not awaited here: the request's after-hooks (its log line) run under waitUntil once the body
  // has been read (src/hooks/request-hooks.ts), and the caller reads it only after this returns.
  void waitOnExecutionContext(ctx);
  return response;
}

function client(credentials: Credentials, forcePathStyle: boolean): S3Client {
  return new S3Client({
    endpoint: `https://${BASE_DOMAIN}`,
    region: 'us-east-1',
    forcePathStyle,
    credentials,
    maxAttempts: 1,
    requestHandler: { customFetch: ((request: Request) => gatewayFetch(request)) as typeof fetch },
  });
}

let bucket: string;
let credentials: Credentials;
/** Every request the virtual-hosted client sent, to prove it really addressed `<bucket>.s3.test`. */
const virtualHosts: string[] = [];

beforeAll(async () => {
  bucket = await createBucket('vhost');
  credentials = await createAccessKey(bucketOwnerStatements(bucket));
});

/** The same sequence of operations; what each answered, with request ids left out. */
async function scenario(s3: S3Client, prefix: string) {
  const key = `${prefix}/admin/v1/buckets`;
  const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'same bytes', ContentType: 'text/plain', Metadata: { k: 'v' } }));
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: 'bytes=5-9' }));
  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  const list = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}/` }));
  const missing = await sdkError(s3.send(new GetObjectCommand({ Bucket: bucket, Key: `${prefix}/nothing` })));
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  const gone = await sdkError(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })));
  return {
    putEtag: put.ETag,
    body: await got.Body!.transformToString(),
    contentRange: got.ContentRange,
    contentType: head.ContentType,
    metadata: head.Metadata,
    length: head.ContentLength,
    listed: list.Contents?.map((o) => [o.Key!.slice(prefix.length), o.Size, o.ETag]),
    missing,
    gone,
  };
}

describe('virtual-hosted style with BASE_DOMAIN set', () => {
  it('answers exactly as path-style does for the same operations', async () => {
    const path = await scenario(client(credentials, true), 'path');
    const virtualClient = client(credentials, false);
    virtualClient.middlewareStack.add(
      (next) => async (args) => {
        virtualHosts.push(String((args.request as { hostname?: string }).hostname));
        return next(args);
      },
      { step: 'finalizeRequest', name: 'recordHost' },
    );
    const virtual = await scenario(virtualClient, 'virtual');
    expect(new Set(virtualHosts)).toEqual(new Set([`${bucket}.${BASE_DOMAIN}`]));
    expect(virtual).toEqual(path);
    expect(path).toMatchObject({ body: 'bytes', contentRange: 'bytes 5-9/10', metadata: { k: 'v' }, missing: { code: 'NoSuchKey', status: 404 }, gone: { status: 404 } });
  });

  it('routes a virtual-hosted host to S3 whatever the path: /admin/v1 and /.sts are object keys', async () => {
    const s3 = client(credentials, false);
    for (const key of ['admin/v1/buckets', '.sts', '.well-known/jwks.json']) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `object ${key}` }));
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      expect(await got.Body!.transformToString()).toBe(`object ${key}`);
    }
    // Even with the admin token, the admin path on a bucket's host is an S3 request, not the admin API.
    const r = await gatewayFetch(new Request(`https://${bucket}.${BASE_DOMAIN}/admin/v1/buckets`, { headers: { authorization: 'Bearer test-admin-token' } }));
    expect(r.headers.get('content-type')).toBe('application/xml');
    expect(await r.text()).toContain('<Message>Unsupported Authorization Type</Message>');
    const anonymous = await gatewayFetch(new Request(`https://${bucket}.${BASE_DOMAIN}/admin/v1/buckets`));
    expect(anonymous.status).toBe(403);
    expect(await anonymous.text()).toContain('<Code>AccessDenied</Code>');
  });

  it('keeps the admin API and STS on the base domain itself', async () => {
    const r = await gatewayFetch(new Request(`https://${BASE_DOMAIN}/admin/v1/buckets/${bucket}`, { headers: { authorization: 'Bearer test-admin-token' } }));
    expect(r.status).toBe(200);
    expect(((await r.json()) as { name: string }).name).toBe(bucket);
  });

  it('answers NoSuchBucket for a host naming no bucket', async () => {
    const r = await gatewayFetch(new Request(`https://no-such-bucket-${crypto.randomUUID().slice(0, 8)}.${BASE_DOMAIN}/k`));
    expect(r.status).toBe(404);
    expect(await r.text()).toContain('<Code>NoSuchBucket</Code>');
  });
});
