import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { bucketWithClient } from './helpers/fixtures';
import { type Credentials, errorCode, sdkError, signedFetch } from './helpers/s3-client';

const BODY = 'abcdefghijklmnopqrstuvwxyz';
let bucket: string;
let s3: S3Client;
let credentials: Credentials;
let etag: string;
let lastModified: Date;

beforeAll(async () => {
  ({ bucket, s3, credentials } = await bucketWithClient('reads'));
  etag = (await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'alphabet.txt', Body: BODY, ContentType: 'text/plain' }))).ETag!;
  lastModified = (await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'alphabet.txt' }))).LastModified!;
});

function get(headers: Record<string, string>, method = 'GET', query = ''): Promise<Response> {
  return signedFetch(credentials, method, `/${bucket}/alphabet.txt${query}`, { headers });
}

describe('ranged reads', () => {
  it.each([
    ['bytes=0-4', 'abcde', 'bytes 0-4/26'],
    ['bytes=20-', 'uvwxyz', 'bytes 20-25/26'],
    ['bytes=-3', 'xyz', 'bytes 23-25/26'],
    ['bytes=24-100', 'yz', 'bytes 24-25/26'],
    ['bytes=-100', BODY, 'bytes 0-25/26'],
  ])('%s → 206 %s', async (range, body, contentRange) => {
    const r = await get({ range });
    expect(r.status).toBe(206);
    expect(r.headers.get('content-range')).toBe(contentRange);
    expect(r.headers.get('content-length')).toBe(String(body.length));
    expect(await r.text()).toBe(body);
  });

  it('serves ranges through the SDK', async () => {
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'alphabet.txt', Range: 'bytes=2-5' }));
    expect(got.ContentRange).toBe('bytes 2-5/26');
    expect(await got.Body!.transformToString()).toBe('cdef');
  });

  it('answers HEAD with a range like GET, without a body', async () => {
    const r = await get({ range: 'bytes=-5' }, 'HEAD');
    expect(r.status).toBe(206);
    expect(r.headers.get('content-range')).toBe('bytes 21-25/26');
    expect(r.headers.get('content-length')).toBe('5');
    expect(await r.text()).toBe('');
  });

  it.each(['bytes=0-1,4-5', 'items=0-3', 'bytes=9-2'])('ignores %s and serves the whole object', async (range) => {
    const r = await get({ range });
    expect(r.status).toBe(200);
    expect(await r.text()).toBe(BODY);
  });

  it.each(['bytes=26-', 'bytes=100-200', 'bytes=-0'])('refuses %s with 416 InvalidRange and Content-Range */size', async (range) => {
    const r = await get({ range });
    expect(r.status).toBe(416);
    expect(r.headers.get('content-range')).toBe('bytes */26');
    const text = await r.text();
    expect(text).toContain('<Code>InvalidRange</Code>');
    expect(text).toContain('<ActualObjectSize>26</ActualObjectSize>');
    expect(text).toContain(`<RangeRequested>${range}</RangeRequested>`);
  });

  it('refuses an unsatisfiable range on HEAD with 416 and no body', async () => {
    const r = await get({ range: 'bytes=50-' }, 'HEAD');
    expect(r.status).toBe(416);
    expect(await r.text()).toBe('');
  });

  it('refuses any range on an empty object', async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'empty', Body: '' }));
    const r = await signedFetch(credentials, 'GET', `/${bucket}/empty`, { headers: { range: 'bytes=0-' } });
    expect(r.status).toBe(416);
    expect(r.headers.get('content-range')).toBe('bytes */0');
  });
});

describe('conditional reads', () => {
  const past = () => new Date(lastModified.getTime() - 3600_000).toUTCString();
  const future = () => new Date(lastModified.getTime() + 3600_000).toUTCString();

  it('answers 304 with validators and no body when If-None-Match matches', async () => {
    for (const method of ['GET', 'HEAD']) {
      const r = await get({ 'if-none-match': etag }, method);
      expect(r.status).toBe(304);
      expect(r.headers.get('etag')).toBe(etag);
      expect(r.headers.get('last-modified')).toBe(lastModified.toUTCString());
      expect(await r.text()).toBe('');
    }
  });

  it('answers 304 when not modified since', async () => {
    expect((await get({ 'if-modified-since': future() })).status).toBe(304);
    expect((await get({ 'if-modified-since': lastModified.toUTCString() })).status).toBe(304);
    const modified = await get({ 'if-modified-since': past() });
    expect(modified.status).toBe(200);
    expect(await modified.text()).toBe(BODY);
  });

  it('answers 412 PreconditionFailed when If-Match differs or the object changed since', async () => {
    const mismatch = await get({ 'if-match': '"00000000000000000000000000000000"' });
    expect(mismatch.status).toBe(412);
    const text = await mismatch.text();
    expect(text).toContain('<Code>PreconditionFailed</Code>');
    expect(text).toContain('<Condition>If-Match</Condition>');
    const changed = await get({ 'if-unmodified-since': past() });
    expect(changed.status).toBe(412);
    expect(await changed.text()).toContain('<Condition>If-Unmodified-Since</Condition>');
  });

  it('serves the object when every condition holds', async () => {
    const r = await get({ 'if-match': etag, 'if-unmodified-since': future(), 'if-none-match': '"other"' });
    expect(r.status).toBe(200);
    expect(await r.text()).toBe(BODY);
  });

  it('reports conditions through the SDK', async () => {
    expect(await sdkError(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'alphabet.txt', IfMatch: '"nope"' })))).toEqual({ code: 'PreconditionFailed', status: 412 });
    expect((await sdkError(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'alphabet.txt', IfNoneMatch: etag })))).status).toBe(304);
  });

  it('answers 304 rather than 206 when a ranged read is not modified', async () => {
    const r = await get({ 'if-none-match': etag, range: 'bytes=0-3' });
    expect(r.status).toBe(304);
  });
});

describe('response-* overrides', () => {
  it('overrides the stored headers on signed GET and HEAD', async () => {
    const got = await s3.send(
      new GetObjectCommand({
        Bucket: bucket,
        Key: 'alphabet.txt',
        ResponseContentType: 'application/x-custom',
        ResponseContentDisposition: 'attachment; filename="a.txt"',
        ResponseCacheControl: 'no-store',
        ResponseContentLanguage: 'fr',
        ResponseExpires: new Date('2031-05-06T07:08:09Z'),
      }),
    );
    expect(got.ContentType).toBe('application/x-custom');
    expect(got.ContentDisposition).toBe('attachment; filename="a.txt"');
    expect(got.CacheControl).toBe('no-store');
    expect(got.ContentLanguage).toBe('fr');
    expect(got.ExpiresString).toBe(new Date('2031-05-06T07:08:09Z').toUTCString());
    expect(await got.Body!.transformToString()).toBe(BODY);
    const head = await get({}, 'HEAD', '?response-content-type=image%2Fpng');
    expect(head.headers.get('content-type')).toBe('image/png');
  });

  it('refuses an override that cannot be a header value', async () => {
    const r = await get({}, 'GET', '?response-content-type=a%0D%0Ab');
    expect(r.status).toBe(400);
    expect(await errorCode(r)).toBe('InvalidArgument');
  });
});
