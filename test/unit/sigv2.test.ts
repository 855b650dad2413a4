import { describe, expect, it } from 'vitest';
import { identify, type IdentifyOptions } from '../../src/auth/identify';
import { DOC_KEY, expectS3Error, memoryStore, readText, utf8 } from './auth-fixtures';

/**
 * The SigV2 examples of the S3 documentation ("Signing and authenticating REST requests"),
 * example key AKIAIOSFODNN7EXAMPLE. Host-named buckets are passed as the virtual-host bucket.
 */
const store = () => memoryStore(DOC_KEY);
const at = (date: string, virtualHostBucket?: string): IdentifyOptions => ({ now: new Date(date), region: 'us-east-1', virtualHostBucket });
const run = (request: Request, options: IdentifyOptions, s = store()) => identify(request, new URL(request.url).pathname, s, options);

/** HMAC-SHA1 of `toSign`, base64: test-side SigV2 signing that does not go through src/auth. */
async function signV2(toSign: string, secret = DOC_KEY.secretAccessKey): Promise<string> {
  const key = await crypto.subtle.importKey('raw', utf8(secret), { name: 'HMAC', hash: 'SHA-1' }, false, ['sign']);
  return btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.sign('HMAC', key, utf8(toSign)))));
}

describe('SigV2 documentation examples', () => {
  it.each([
    ['Object GET', 'GET', 'http://johnsmith.s3.amazonaws.com/photos/puppy.jpg', 'johnsmith', { date: 'Tue, 27 Mar 2007 19:36:42 +0000' }, 'bWq2s1WEIj+Ydj0vQ697zp+IXMU='],
    ['Object PUT', 'PUT', 'http://johnsmith.s3.amazonaws.com/photos/puppy.jpg', 'johnsmith', { date: 'Tue, 27 Mar 2007 21:15:45 +0000', 'content-type': 'image/jpeg' }, 'MyyxeRY7whkBe+bq8fHCL/2kKUg='],
    ['List (query parameters are not sub-resources)', 'GET', 'http://johnsmith.s3.amazonaws.com/?prefix=photos&max-keys=50&marker=puppy', 'johnsmith', { date: 'Tue, 27 Mar 2007 19:42:41 +0000' }, 'htDYFYduRNen8P9ZfE/s9SuKy0U='],
    ['Fetch (?acl sub-resource)', 'GET', 'http://johnsmith.s3.amazonaws.com/?acl', 'johnsmith', { date: 'Tue, 27 Mar 2007 19:44:46 +0000' }, 'c2WLPFtWHVgbEmeEG93a4cG37dM='],
    [
      'Upload (CNAME bucket, amz headers sorted and lower-cased)',
      'PUT',
      'http://static.johnsmith.net:8080/db-backup.dat.gz',
      'static.johnsmith.net',
      {
        date: 'Tue, 27 Mar 2007 21:06:08 +0000',
        'x-amz-acl': 'public-read',
        'content-type': 'application/x-download',
        'Content-MD5': '4gJE4saaMU4BqNR0kLY+lw==',
        'X-Amz-Meta-ReviewedBy': 'joe@johnsmith.net,jane@johnsmith.net',
        'X-Amz-Meta-FileChecksum': '0x02661779',
        'X-Amz-Meta-ChecksumAlgorithm': 'crc32',
        'Content-Disposition': 'attachment; filename=database.dat',
        'Content-Encoding': 'gzip',
      },
      'ilyl83RwaSoYIEdixDQcA4OnAnc=',
    ],
    ['List all my buckets', 'GET', 'http://s3.amazonaws.com/', undefined, { date: 'Wed, 28 Mar 2007 01:29:59 +0000' }, 'qGdzdERIC03wnaRNKh6OqZehG9s='],
    ['Unicode keys (the path as sent, lower-case escapes kept)', 'GET', 'http://s3.amazonaws.com/dictionary/fran%C3%A7ais/pr%c3%a9f%c3%a8re', undefined, { date: 'Wed, 28 Mar 2007 01:49:49 +0000' }, 'DNEZGsoieTZ92F3bUfSPQcbGmlM='],
  ])('%s', async (_name, method, url, bucket, headers, signature) => {
    const request = new Request(url, { method, headers: { ...headers, authorization: `AWS ${DOC_KEY.accessKeyId}:${signature}` } });
    const identity = await run(request, at(headers.date, bucket));
    expect(identity.principal).toMatchObject({ kind: 'access-key', accessKeyId: DOC_KEY.accessKeyId });
  });

  it('query string authentication (presigned URL)', async () => {
    const url = 'http://johnsmith.s3.amazonaws.com/photos/puppy.jpg?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D&Expires=1175139620';
    const identity = await run(new Request(url), at('2007-03-29T03:40:00Z', 'johnsmith'));
    expect(identity.principal.kind).toBe('access-key');
  });
});

describe('SigV2 details', () => {
  const now = new Date('2026-03-01T12:00:00Z');

  it('x-amz-date instead of Date: empty Date line, time signed among the amz headers (s3cmd)', async () => {
    const amzDate = now.toUTCString();
    const toSign = `PUT\n\ntext/plain\n\nx-amz-date:${amzDate}\nx-amz-meta-a:1\n/bucket/notes.txt`;
    const request = new Request('http://gw.example.test/bucket/notes.txt', {
      method: 'PUT',
      headers: { 'content-type': 'text/plain', 'x-amz-date': amzDate, 'x-amz-meta-a': '1', authorization: `AWS ${DOC_KEY.accessKeyId}:${await signV2(toSign)}` },
      body: 'hello',
    });
    const identity = await run(request, { now, region: 'auto' });
    expect(await readText(identity.body!.stream)).toBe('hello');
  });

  it('sub-resource values are signed decoded, in name order', async () => {
    const toSign = `GET\n\n\n1772370000\n/bucket/a%20b.txt?response-content-disposition=attachment; filename="x y.txt"&versionId=3`;
    const query = `versionId=3&response-content-disposition=${encodeURIComponent('attachment; filename="x y.txt"')}&AWSAccessKeyId=${DOC_KEY.accessKeyId}&Expires=1772370000&Signature=${encodeURIComponent(await signV2(toSign))}`;
    const identity = await run(new Request(`http://gw.example.test/bucket/a%20b.txt?${query}`), { now, region: 'auto' });
    expect(identity.principal.kind).toBe('access-key');
  });

  it('a raw `+` in the Signature parameter is read as `+`', async () => {
    // Signature for this resource and Expires happens to contain '+'; find one deterministically.
    let expires = 1772370000;
    let signature = '';
    for (; !signature.includes('+'); expires++) signature = await signV2(`GET\n\n\n${expires}\n/bucket/plus`);
    const url = `http://gw.example.test/bucket/plus?AWSAccessKeyId=${DOC_KEY.accessKeyId}&Expires=${expires - 1}&Signature=${signature.replace(/=/g, '%3D')}`;
    expect((await run(new Request(url), { now, region: 'auto' })).principal.kind).toBe('access-key');
  });
});

describe('SigV2 rejections', () => {
  const objectGet = (signature = 'bWq2s1WEIj+Ydj0vQ697zp+IXMU=', date = 'Tue, 27 Mar 2007 19:36:42 +0000') =>
    new Request('http://johnsmith.s3.amazonaws.com/photos/puppy.jpg', { headers: { date, authorization: `AWS ${DOC_KEY.accessKeyId}:${signature}` } });
  const docTime = at('Tue, 27 Mar 2007 19:36:42 +0000', 'johnsmith');

  it('bad signature → SignatureDoesNotMatch (with the string to sign, never the secret)', async () => {
    const error = await expectS3Error(run(objectGet('bWq2s1WEIj+Ydj0vQ697zp+IXMV='), docTime), 'SignatureDoesNotMatch');
    expect(error.extra.StringToSign).toBe('GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/johnsmith/photos/puppy.jpg');
    expect(JSON.stringify(error)).not.toContain(DOC_KEY.secretAccessKey);
  });

  it('wrong secret → SignatureDoesNotMatch', async () => {
    const signature = await signV2('GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/johnsmith/photos/puppy.jpg', 'another-secret');
    await expectS3Error(run(objectGet(signature), docTime), 'SignatureDoesNotMatch');
  });

  it('the signature binds the bucket: the same request for another virtual-host bucket fails', async () => {
    await expectS3Error(run(objectGet(), at('Tue, 27 Mar 2007 19:36:42 +0000', 'janesmith')), 'SignatureDoesNotMatch');
  });

  it('unknown key → InvalidAccessKeyId', async () => {
    await expectS3Error(run(objectGet(), docTime, memoryStore()), 'InvalidAccessKeyId');
  });

  it('clock skew over 15 minutes → RequestTimeTooSkewed, before any key lookup', async () => {
    const s = store();
    await expectS3Error(run(objectGet(), at('Tue, 27 Mar 2007 19:52:43 +0000', 'johnsmith'), s), 'RequestTimeTooSkewed');
    expect(s.lookups).toEqual([]);
  });

  it('missing date → AccessDenied; malformed header → InvalidArgument', async () => {
    const noDate = new Request('http://johnsmith.s3.amazonaws.com/photos/puppy.jpg', { headers: { authorization: `AWS ${DOC_KEY.accessKeyId}:bWq2s1WEIj+Ydj0vQ697zp+IXMU=` } });
    await expectS3Error(run(noDate, docTime), 'AccessDenied');
    const malformed = new Request('http://johnsmith.s3.amazonaws.com/photos/puppy.jpg', { headers: { date: 'Tue, 27 Mar 2007 19:36:42 +0000', authorization: 'AWS no-colon-here' } });
    await expectS3Error(run(malformed, docTime), 'InvalidArgument');
  });

  it('expired presigned URL → AccessDenied "Request has expired"; tampered → SignatureDoesNotMatch; missing Expires → AccessDenied', async () => {
    const url = 'http://johnsmith.s3.amazonaws.com/photos/puppy.jpg?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D&Expires=1175139620';
    const error = await expectS3Error(run(new Request(url), at('2007-03-29T03:40:21Z', 'johnsmith')), 'AccessDenied');
    expect(error.message).toBe('Request has expired');
    await expectS3Error(run(new Request(url.replace('Expires=1175139620', 'Expires=1175139999')), at('2007-03-29T03:40:00Z', 'johnsmith')), 'SignatureDoesNotMatch');
    await expectS3Error(run(new Request(url.replace('puppy', 'kitten')), at('2007-03-29T03:40:00Z', 'johnsmith')), 'SignatureDoesNotMatch');
    await expectS3Error(run(new Request(url.replace('&Expires=1175139620', '&Expires=soon')), at('2007-03-29T03:40:00Z', 'johnsmith')), 'AccessDenied');
  });
});
