import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { AwsClient } from 'aws4fetch';
import { SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAccessKey, createBucket } from './helpers/fixtures';
import { type Credentials, ENDPOINT, s3Client, sdkError } from './helpers/s3-client';

/**
 * The replay of issue 7, item 1, end to end: a captured, validly signed PUT into a public-read bucket,
 * replayed within the skew window with an added, unsigned x-amz-copy-source naming a private
 * object. It must be refused and copy nothing.
 */
let publicBucket: string;
let privateBucket: string;
let credentials: Credentials;

beforeAll(async () => {
  publicBucket = await createBucket('public', { publicRead: true });
  privateBucket = await createBucket('private');
  credentials = await createAccessKey([{ effect: 'allow', actions: ['s3:*'], resources: [publicBucket, `${publicBucket}/*`, privateBucket, `${privateBucket}/*`] }]);
  await s3Client(credentials).send(new PutObjectCommand({ Bucket: privateBucket, Key: 'secret.txt', Body: 'the secret' }));
});

/** A PUT of `key` signed by aws4fetch, as an eavesdropper would capture it. */
async function capturedPut(key: string, signedHeaders: Record<string, string> = {}): Promise<Request> {
  const client = new AwsClient({ ...credentials, service: 's3', region: 'us-east-1' });
  return client.sign(`${ENDPOINT}/${publicBucket}/${key}`, { method: 'PUT', headers: signedHeaders, body: '' });
}

function replayedWith(captured: Request, added: Record<string, string>): Request {
  const headers = new Headers(captured.headers);
  for (const [name, value] of Object.entries(added)) headers.set(name, value);
  return new Request(captured.url, { method: captured.method, headers, body: '' });
}

async function anonymousGet(key: string): Promise<Response> {
  return SELF.fetch(`${ENDPOINT}/${publicBucket}/${key}`);
}

describe('unsigned x-amz-* headers on a header-signed request', () => {
  it('the replay: an added, unsigned x-amz-copy-source → 403 AccessDenied + HeadersNotSigned, and nothing is copied', async () => {
    const captured = await capturedPut('a.txt');
    const replay = await SELF.fetch(replayedWith(captured, { 'x-amz-copy-source': `/${privateBucket}/secret.txt` }));
    expect(replay.status).toBe(403);
    const body = await replay.text();
    expect(body).toContain('<Code>AccessDenied</Code>');
    expect(body).toContain('<Message>There were headers present in the request which were not signed</Message>');
    expect(body).toContain('<HeadersNotSigned>x-amz-copy-source</HeadersNotSigned>');
    const after = await anonymousGet('a.txt');
    expect(after.status).toBe(404);
    expect(await after.text()).not.toContain('the secret');

    // The captured request itself is still good: the refusal is about the added header only.
    const genuine = await SELF.fetch(captured);
    expect(genuine.status).toBe(200);
    expect(await (await anonymousGet('a.txt')).text()).toBe('');
  });

  it('unsigned x-amz-meta-* or x-amz-metadata-directive → 403 AccessDenied and the object is unchanged', async () => {
    const s3 = s3Client(credentials);
    await s3.send(new PutObjectCommand({ Bucket: publicBucket, Key: 'meta.txt', Body: 'original', Metadata: { owner: 'alice' } }));
    const attempts: Record<string, string>[] = [{ 'x-amz-meta-owner': 'mallory' }, { 'x-amz-metadata-directive': 'REPLACE', 'x-amz-meta-owner': 'mallory' }];
    for (const added of attempts) {
      const response = await SELF.fetch(replayedWith(await capturedPut('meta.txt'), added));
      expect(response.status).toBe(403);
      const body = await response.text();
      expect(body).toContain('<Code>AccessDenied</Code>');
      expect(body).toContain(`<HeadersNotSigned>${Object.keys(added).sort().join(', ')}</HeadersNotSigned>`);
    }
    const head = await s3.send(new HeadObjectCommand({ Bucket: publicBucket, Key: 'meta.txt' }));
    expect(head.Metadata).toEqual({ owner: 'alice' });
    expect(await (await s3.send(new GetObjectCommand({ Bucket: publicBucket, Key: 'meta.txt' }))).Body!.transformToString()).toBe('original');
  });

  it('a copy whose x-amz-copy-source was signed still works', async () => {
    const response = await SELF.fetch(await capturedPut('copied.txt', { 'x-amz-copy-source': `/${privateBucket}/secret.txt` }));
    expect(response.status).toBe(200);
    expect(await (await anonymousGet('copied.txt')).text()).toBe('the secret');
  });

  it('presigned: an unsigned x-amz-copy-source on a presigned PUT → 403 and nothing copied', async () => {
    const client = new AwsClient({ ...credentials, service: 's3', region: 'us-east-1' });
    const presigned = await client.sign(`${ENDPOINT}/${publicBucket}/presigned.txt?X-Amz-Expires=300`, { method: 'PUT', aws: { signQuery: true } });
    const response = await SELF.fetch(presigned.url, { method: 'PUT', headers: { 'x-amz-copy-source': `/${privateBucket}/secret.txt` }, body: '' });
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('<HeadersNotSigned>x-amz-copy-source</HeadersNotSigned>');
    expect((await sdkError(s3Client(credentials).send(new HeadObjectCommand({ Bucket: publicBucket, Key: 'presigned.txt' })))).status).toBe(404);
  });
});
