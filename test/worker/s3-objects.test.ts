import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { bucketWithClient } from './helpers/fixtures';
import { type Credentials, ENDPOINT, errorCode, md5Hex, sdkError, signedFetch } from './helpers/s3-client';

let bucket: string;
let s3: S3Client;
let credentials: Credentials;

beforeAll(async () => {
  ({ bucket, s3, credentials } = await bucketWithClient('objects'));
});

async function text(key: string): Promise<string> {
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return got.Body!.transformToString();
}

async function keysUnder(prefix: string): Promise<string[]> {
  const list = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (list.Contents ?? []).map((o) => o.Key!);
}

describe('PutObject / GetObject / HeadObject', () => {
  it('round-trips the body, HTTP metadata and x-amz-meta-*', async () => {
    const expires = new Date('2030-01-02T03:04:05Z');
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'meta/doc.txt',
        Body: 'hello metadata',
        ContentType: 'text/plain; charset=utf-8',
        CacheControl: 'max-age=60',
        ContentDisposition: 'attachment; filename="doc.txt"',
        ContentLanguage: 'en-GB',
        Expires: expires,
        Metadata: { Color: 'blue', 'multi-word': 'a value' },
      }),
    );
    expect(put.ETag).toBe(`"${await md5Hex('hello metadata')}"`);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'meta/doc.txt' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'meta/doc.txt' }));
    for (const r of [head, got]) {
      expect(r.ETag).toBe(put.ETag);
      expect(r.ContentType).toBe('text/plain; charset=utf-8');
      expect(r.CacheControl).toBe('max-age=60');
      expect(r.ContentDisposition).toBe('attachment; filename="doc.txt"');
      expect(r.ContentLanguage).toBe('en-GB');
      expect(r.ExpiresString).toBe(expires.toUTCString());
      expect(r.Metadata).toEqual({ color: 'blue', 'multi-word': 'a value' });
      expect(r.ContentLength).toBe(14);
      expect(r.AcceptRanges).toBe('bytes');
      expect(r.LastModified).toBeInstanceOf(Date);
    }
    expect(await got.Body!.transformToString()).toBe('hello metadata');
  });

  it('reports the MD5 of the content as ETag', async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'md5/hello', Body: 'hello' }));
    expect(put.ETag).toBe('"5d41402abc4b2a76b9719d911017c592"');
  });

  it('stores an empty object', async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'empty/zero', Body: '' }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'empty/zero' }));
    expect(head.ContentLength).toBe(0);
    expect(head.ETag).toBe('"d41d8cd98f00b204e9800998ecf8427e"');
  });

  it('keeps a stored Content-Encoding and serves the stored bytes without encoding them again', async () => {
    const gzipped = new Uint8Array(await new Response(new Blob(['compressed payload']).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer());
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'enc/file.gz', Body: gzipped, ContentEncoding: 'gzip' }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'enc/file.gz' }));
    expect(head.ContentEncoding).toBe('gzip');
    expect(head.ContentLength).toBe(gzipped.byteLength);
    // fetch() decodes Content-Encoding once: the stored gzip bytes, served as is, decode to the original text.
    const r = await signedFetch(credentials, 'GET', `/${bucket}/enc/file.gz`, { headers: { 'accept-encoding': 'gzip' } });
    expect(r.headers.get('content-encoding')).toBe('gzip');
    expect(await r.text()).toBe('compressed payload');
  });

  it('names no Content-Encoding for unencoded bodies, and tells the edge not to compress them for clients that accept compression', async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'enc/plain.txt', Body: 'plain text', ContentType: 'text/plain' }));
    for (const [accept, cacheControl] of [['gzip', 'no-transform'], ['identity', null]] as const) {
      const r = await signedFetch(credentials, 'GET', `/${bucket}/enc/plain.txt`, { headers: { 'accept-encoding': accept } });
      expect(r.headers.get('content-encoding')).toBeNull();
      expect(r.headers.get('cache-control')).toBe(cacheControl);
      expect(r.headers.get('content-length')).toBe('10');
      expect(await r.text()).toBe('plain text');
    }
  });

  it('echoes and stores a header checksum', async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'sum/sha', Body: 'checksummed', ChecksumAlgorithm: 'SHA256' }));
    expect(put.ChecksumSHA256).toBeTruthy();
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'sum/sha', ChecksumMode: 'ENABLED' }));
    expect(head.ChecksumSHA256).toBe(put.ChecksumSHA256);
  });

  it.each(['sp ace.txt', 'plus+sign', 'percent%20literal', 'üñí/çødé/😀.txt', 'a=b&c?d#e;f', ' leading', 'trailing ', 'dir//double'])(
    'handles the key %j',
    async (key) => {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `keys/${key}`, Body: `body of ${key}` }));
      expect(await text(`keys/${key}`)).toBe(`body of ${key}`);
      expect(await keysUnder(`keys/${key}`)).toContain(`keys/${key}`);
    },
  );

  it.each([
    ['a `..` segment sent as %2F', '/x%2F..%2Fescape'],
    ['a `.` segment', '/x%2F.%2Fy'],
    ['a control character', '/ctl%01char'],
  ])('refuses %s with InvalidArgument and writes nothing', async (_label, rawKey) => {
    const r = await signedFetch(credentials, 'PUT', `/${bucket}${rawKey}`, { body: 'nope' });
    expect(r.status).toBe(400);
    expect(await errorCode(r)).toBe('InvalidArgument');
    const all = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    expect((all.Contents ?? []).map((o) => o.Key).filter((k) => k!.includes('escape') || k!.includes('ctl') || k!.startsWith('x/'))).toEqual([]);
  });

  it('answers NoSuchKey for GET and a bodiless 404 for HEAD', async () => {
    expect(await sdkError(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'missing' })))).toEqual({ code: 'NoSuchKey', status: 404 });
    const head = await signedFetch(credentials, 'HEAD', `/${bucket}/missing`);
    expect(head.status).toBe(404);
    expect(await head.text()).toBe('');
    expect(head.headers.get('x-amz-request-id')).toBeTruthy();
  });

  it('deletes idempotently with 204', async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'del/once', Body: 'x' }));
    for (let i = 0; i < 2; i++) {
      const r = await signedFetch(credentials, 'DELETE', `/${bucket}/del/once`);
      expect(r.status).toBe(204);
    }
    expect(await sdkError(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'del/once' })))).toMatchObject({ status: 404 });
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'del/never-existed' }));
  });
});

describe('canned ACLs', () => {
  it.each(['private', 'bucket-owner-full-control'] as const)('accepts %s', async (acl) => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `acl/${acl}`, Body: 'x', ACL: acl }));
    expect(await text(`acl/${acl}`)).toBe('x');
  });

  it.each(['public-read', 'authenticated-read'] as const)('refuses %s with AccessControlListNotSupported and writes nothing', async (acl) => {
    const e = await sdkError(s3.send(new PutObjectCommand({ Bucket: bucket, Key: `acl/${acl}`, Body: 'x', ACL: acl })));
    expect(e).toEqual({ code: 'AccessControlListNotSupported', status: 400 });
    expect(await keysUnder(`acl/${acl}`)).toEqual([]);
  });

  it('refuses explicit grants', async () => {
    const e = await sdkError(s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'acl/grant', Body: 'x', GrantRead: 'uri="http://acs.amazonaws.com/groups/global/AllUsers"' })));
    expect(e.code).toBe('AccessControlListNotSupported');
    expect(await keysUnder('acl/grant')).toEqual([]);
  });
});

describe('payload checks', () => {
  it('keeps the old object when Content-MD5 does not match (BadDigest)', async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'digest/kept', Body: 'original' }));
    const wrongMd5 = btoa(String.fromCharCode(...new Uint8Array(16)));
    const e = await sdkError(s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'digest/kept', Body: 'replacement', ContentMD5: wrongMd5 })));
    expect(e).toEqual({ code: 'BadDigest', status: 400 });
    expect(await text('digest/kept')).toBe('original');
  });

  it('refuses a declared size above 5 GiB with EntityTooLarge before reading the body', async () => {
    const r = await signedFetch(credentials, 'PUT', `/${bucket}/big/too-large`, {
      headers: {
        'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
        'content-encoding': 'aws-chunked',
        'x-amz-decoded-content-length': String(6 * 1024 ** 3),
        'x-amz-trailer': 'x-amz-checksum-crc32',
      },
      body: '0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n',
    });
    expect(r.status).toBe(400);
    expect(await errorCode(r)).toBe('EntityTooLarge');
    expect(await keysUnder('big/')).toEqual([]);
  });

  it('refuses a body of undeclared length with MissingContentLength', async () => {
    // A stream of unknown length (a Blob's stream would carry its size).
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('streamed without length'));
        controller.close();
      },
    });
    const r = await signedFetch(credentials, 'PUT', `/${bucket}/nolength/x`, { headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' }, body });
    expect(r.status).toBe(411);
    expect(await errorCode(r)).toBe('MissingContentLength');
    expect(await keysUnder('nolength/')).toEqual([]);
  });
});

describe('conditional writes', () => {
  it('creates once with If-None-Match: * and refuses the second with 412', async () => {
    const first = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'cond/once', Body: 'first', IfNoneMatch: '*' }));
    const e = await sdkError(s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'cond/once', Body: 'second', IfNoneMatch: '*' })));
    expect(e).toEqual({ code: 'PreconditionFailed', status: 412 });
    expect(await text('cond/once')).toBe('first');
    expect((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'cond/once' }))).ETag).toBe(first.ETag);
  });

  it('replaces only the version named by If-Match', async () => {
    const v1 = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'cond/match', Body: 'v1' }));
    const v2 = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'cond/match', Body: 'v2', IfMatch: v1.ETag }));
    expect(v2.ETag).not.toBe(v1.ETag);
    const stale = await sdkError(s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'cond/match', Body: 'v3', IfMatch: v1.ETag })));
    expect(stale).toEqual({ code: 'PreconditionFailed', status: 412 });
    expect(await text('cond/match')).toBe('v2');
  });

  it('answers NoSuchKey for If-Match on a missing key and writes nothing', async () => {
    const e = await sdkError(s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'cond/absent', Body: 'x', IfMatch: '"5d41402abc4b2a76b9719d911017c592"' })));
    expect(e).toEqual({ code: 'NoSuchKey', status: 404 });
    expect(await keysUnder('cond/absent')).toEqual([]);
  });

  it('refuses If-None-Match with an ETag as NotImplemented', async () => {
    const r = await signedFetch(credentials, 'PUT', `/${bucket}/cond/etag-inm`, { headers: { 'if-none-match': '"abc"' }, body: 'x' });
    expect(r.status).toBe(501);
    expect(await errorCode(r)).toBe('NotImplemented');
    expect(await keysUnder('cond/etag-inm')).toEqual([]);
  });
});

describe('anonymous access', () => {
  it('reads a public-read bucket but refuses response-* overrides (InvalidRequest)', async () => {
    const pub = await bucketWithClient('public', { publicRead: true });
    await pub.s3.send(new PutObjectCommand({ Bucket: pub.bucket, Key: 'open.txt', Body: 'public body', ContentType: 'text/plain' }));
    const plain = await SELF.fetch(`${ENDPOINT}/${pub.bucket}/open.txt`);
    expect(plain.status).toBe(200);
    expect(await plain.text()).toBe('public body');
    const overridden = await SELF.fetch(`${ENDPOINT}/${pub.bucket}/open.txt?response-content-type=text/html`);
    expect(overridden.status).toBe(400);
    expect(await errorCode(overridden)).toBe('InvalidRequest');
  });

  it('refuses anonymous reads of a private bucket', async () => {
    const r = await SELF.fetch(`${ENDPOINT}/${bucket}/md5/hello`);
    expect(r.status).toBe(403);
    expect(await errorCode(r)).toBe('AccessDenied');
  });
});
