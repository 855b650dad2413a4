import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { AwsClient } from 'aws4fetch';
import { SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { bucketWithClient } from './helpers/fixtures';
import { type Credentials, ENDPOINT, sdkError } from './helpers/s3-client';

/** Issue 7, item 11: an expired presigned request is 403 AccessDenied "Request has expired", whatever its method and signature version. */
let bucket: string;
let credentials: Credentials;
let s3: S3Client;

beforeAll(async () => {
  ({ bucket, credentials, s3 } = await bucketWithClient('expiry'));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'kept.txt', Body: 'kept' }));
});

async function v4Expired(method: string, key: string): Promise<string> {
  const hourAgo = new Date(Date.now() - 3600_000).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const client = new AwsClient({ ...credentials, service: 's3', region: 'us-east-1' });
  return (await client.sign(`${ENDPOINT}/${bucket}/${key}?X-Amz-Expires=60`, { method, aws: { signQuery: true, datetime: hourAgo } })).url;
}

async function v2Expired(method: string, key: string): Promise<string> {
  const expires = Math.floor(Date.now() / 1000) - 60;
  const secret = new TextEncoder().encode(credentials.secretAccessKey);
  const hmac = await crypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-1' }, false, ['sign']);
  const mac = await crypto.subtle.sign('HMAC', hmac, new TextEncoder().encode(`${method}\n\n\n${expires}\n/${bucket}/${key}`));
  const signature = btoa(String.fromCharCode(...new Uint8Array(mac)));
  return `${ENDPOINT}/${bucket}/${key}?AWSAccessKeyId=${credentials.accessKeyId}&Expires=${expires}&Signature=${encodeURIComponent(signature)}`;
}

describe.each([
  ['SigV4', v4Expired, ['X-Amz-Expires', 'Expires', 'ServerTime']],
  ['SigV2', v2Expired, ['Expires', 'ServerTime']],
] as const)('expired %s presigned URLs', (_version, presign, elements) => {
  it.each(['PUT', 'GET', 'DELETE'])('%s → 403 AccessDenied "Request has expired", nothing changed', async (method) => {
    const key = method === 'PUT' ? `new-${crypto.randomUUID()}.txt` : 'kept.txt';
    const response = await SELF.fetch(await presign(method, key), { method, body: method === 'PUT' ? 'payload' : undefined });
    expect(response.status).toBe(403);
    const body = await response.text();
    expect(body).toContain('<Code>AccessDenied</Code><Message>Request has expired</Message>');
    for (const element of elements) expect(body).toMatch(new RegExp(`<${element}>[^<]+</${element}>`));
    if (method === 'PUT') expect((await sdkError(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })))).status).toBe(404);
    else expect((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).ContentLength).toBe(4);
  });
});
