import { AwsV4Signer } from 'aws4fetch';
import { describe, expect, it } from 'vitest';
import { identify } from '../../src/auth/identify';
import { DOC_KEY, deriveSigningKey, expectS3Error, hex, hmacSha256, memoryStore, readText, sha256Hex, utf8 } from './auth-fixtures';

/**
 * The signed-headers rule (ADR 0013): every x-amz-* header a request carries must be signed, on the
 * Authorization-header path as on the presigned one, except the envelope headers verified otherwise.
 */
const KEY = { accessKeyId: 'AKIDSIGNEDHEADERS001', secretAccessKey: 'signed-headers-test-secret/0123456789abcd' };
const NOW = new Date('2026-03-01T12:00:00Z');
const DATETIME = '20260301T120000Z';
const OPTIONS = { now: NOW, region: 'auto' };
const run = (request: Request, store = memoryStore(KEY)) => identify(request, new URL(request.url).pathname, store, OPTIONS);

/** A request signed by aws4fetch (every header it is given is signed), then `added` headers set after signing. */
async function signedThenAdded(init: { method?: string; url?: string; headers?: Record<string, string>; body?: string; signQuery?: boolean }, added: Record<string, string> = {}) {
  const headers: Record<string, string> = { ...init.headers };
  if (!init.signQuery) headers['x-amz-content-sha256'] ??= await sha256Hex(init.body ?? '');
  const signed = await new AwsV4Signer({
    url: init.url ?? 'https://gw.example.test/public-bucket/a.txt',
    method: init.method ?? 'PUT',
    headers,
    body: init.body,
    ...KEY,
    service: 's3',
    region: 'auto',
    datetime: DATETIME,
    signQuery: init.signQuery,
  }).sign();
  const all = new Headers(signed.headers);
  for (const [name, value] of Object.entries(added)) all.set(name, value);
  return new Request(signed.url, { method: signed.method, headers: all, body: init.body });
}

describe('header-signed requests: unsigned x-amz-* headers are refused', () => {
  it('the replay attack: a signed empty PUT with an added, unsigned x-amz-copy-source → AccessDenied naming it, before any key lookup', async () => {
    const request = await signedThenAdded({ body: '' }, { 'x-amz-copy-source': '/private-bucket/secret.txt' });
    const store = memoryStore(KEY);
    const error = await expectS3Error(run(request, store), 'AccessDenied');
    expect(error.status).toBe(403);
    expect(error.message).toBe('There were headers present in the request which were not signed');
    expect(error.extra.HeadersNotSigned).toBe('x-amz-copy-source');
    expect(store.lookups).toEqual([]);
  });

  it('unsigned x-amz-meta-* and x-amz-metadata-directive → AccessDenied, all of them named, comma-separated', async () => {
    const meta = await signedThenAdded({ body: 'x' }, { 'x-amz-meta-owner': 'mallory' });
    expect((await expectS3Error(run(meta), 'AccessDenied')).extra.HeadersNotSigned).toBe('x-amz-meta-owner');
    const directive = await signedThenAdded({ method: 'PUT', body: '', headers: { 'x-amz-copy-source': '/public-bucket/b.txt' } }, { 'x-amz-metadata-directive': 'REPLACE' });
    expect((await expectS3Error(run(directive), 'AccessDenied')).extra.HeadersNotSigned).toBe('x-amz-metadata-directive');
    const both = await signedThenAdded({ body: '' }, { 'x-amz-metadata-directive': 'REPLACE', 'x-amz-meta-owner': 'mallory' });
    expect((await expectS3Error(run(both), 'AccessDenied')).extra.HeadersNotSigned).toBe('x-amz-meta-owner, x-amz-metadata-directive');
  });

  it('response-shaping x-amz-checksum-mode is not an envelope header: unsigned → AccessDenied', async () => {
    const request = await signedThenAdded({ method: 'GET' }, { 'x-amz-checksum-mode': 'ENABLED' });
    expect((await expectS3Error(run(request), 'AccessDenied')).extra.HeadersNotSigned).toBe('x-amz-checksum-mode');
  });

  it('the same headers signed are accepted', async () => {
    const request = await signedThenAdded({ body: '', headers: { 'x-amz-copy-source': '/private-bucket/secret.txt', 'x-amz-metadata-directive': 'REPLACE', 'x-amz-meta-owner': 'alice' } });
    expect((await run(request)).principal).toMatchObject({ kind: 'access-key', accessKeyId: KEY.accessKeyId });
  });

  it('SigV2 has no such gap: canonicalized amz headers are every x-amz-* header, so an added one breaks the signature', async () => {
    const date = NOW.toUTCString();
    const key = await crypto.subtle.importKey('raw', utf8(DOC_KEY.secretAccessKey), { name: 'HMAC', hash: 'SHA-1' }, false, ['sign']);
    const signature = btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.sign('HMAC', key, utf8(`PUT\n\n\n${date}\n/public-bucket/a.txt`)))));
    const headers = { date, authorization: `AWS ${DOC_KEY.accessKeyId}:${signature}` };
    const store = memoryStore(DOC_KEY);
    // No body: a string body would add a Content-Type the signature did not cover.
    const genuine = new Request('https://gw.example.test/public-bucket/a.txt', { method: 'PUT', headers });
    expect((await run(genuine, store)).principal.kind).toBe('access-key');
    const replayed = new Request(genuine.url, { method: 'PUT', headers: { ...headers, 'x-amz-copy-source': '/private-bucket/secret.txt' } });
    await expectS3Error(run(replayed, store), 'SignatureDoesNotMatch');
  });
});

describe('presigned requests: unsigned x-amz-* headers are still refused', () => {
  const presignedPut = (added: Record<string, string>) =>
    signedThenAdded({ url: 'https://gw.example.test/public-bucket/a.txt?X-Amz-Expires=300', signQuery: true, body: 'hello' }, added);

  it('x-amz-copy-source or x-amz-meta-* added to a presigned PUT → AccessDenied', async () => {
    expect((await expectS3Error(run(await presignedPut({ 'x-amz-copy-source': '/private-bucket/secret.txt' })), 'AccessDenied')).extra.HeadersNotSigned).toBe('x-amz-copy-source');
    expect((await expectS3Error(run(await presignedPut({ 'x-amz-meta-owner': 'mallory' })), 'AccessDenied')).extra.HeadersNotSigned).toBe('x-amz-meta-owner');
  });

  it('x-amz-checksum-mode and x-amz-checksum-type are not checksum values: unsigned → AccessDenied', async () => {
    for (const name of ['x-amz-checksum-mode', 'x-amz-checksum-type']) {
      expect((await expectS3Error(run(await presignedPut({ [name]: 'ENABLED' })), 'AccessDenied')).extra.HeadersNotSigned).toBe(name);
    }
  });

  it('envelope headers a browser or SDK adds to a presigned PUT are accepted, and verified against the body', async () => {
    const crc32OfHello = 'NhCmhg==';
    const identity = await run(await presignedPut({ 'x-amz-checksum-crc32': crc32OfHello, 'x-amz-sdk-checksum-algorithm': 'CRC32' }));
    expect(await readText(identity.body!.stream)).toBe('hello');
    expect(identity.body!.checksums()).toEqual({ crc32: crc32OfHello });
    const lying = await run(await presignedPut({ 'x-amz-checksum-crc32': 'AAAAAA==' }));
    await expect(readText(lying.body!.stream)).rejects.toThrow();
    expect(lying.body!.failure()?.code).toBe('BadDigest');
  });
});

describe('header-signed requests: envelope headers may stay unsigned, because something else verifies each', () => {
  /** Signed by hand with SignedHeaders=host;x-amz-date: x-amz-content-sha256 is sent but not listed. */
  async function hashUnlisted(body: string, sentHash: string): Promise<Request> {
    const payloadHash = await sha256Hex(body);
    const canonical = `PUT\n/public-bucket/a.txt\n\nhost:gw.example.test\nx-amz-date:${DATETIME}\n\nhost;x-amz-date\n${payloadHash}`;
    const scope = '20260301/auto/s3/aws4_request';
    const toSign = `AWS4-HMAC-SHA256\n${DATETIME}\n${scope}\n${await sha256Hex(canonical)}`;
    const signature = hex(await hmacSha256(await deriveSigningKey(KEY.secretAccessKey, '20260301', 'auto'), toSign));
    const authorization = `AWS4-HMAC-SHA256 Credential=${KEY.accessKeyId}/${scope}, SignedHeaders=host;x-amz-date, Signature=${signature}`;
    return new Request('https://gw.example.test/public-bucket/a.txt', { method: 'PUT', body, headers: { authorization, 'x-amz-date': DATETIME, 'x-amz-content-sha256': sentHash } });
  }

  it('x-amz-content-sha256 is the payload line of the canonical request: accepted unsigned, and another value fails the signature', async () => {
    const identity = await run(await hashUnlisted('hello', await sha256Hex('hello')));
    expect(await readText(identity.body!.stream)).toBe('hello');
    await expectS3Error(run(await hashUnlisted('hello', await sha256Hex('other'))), 'SignatureDoesNotMatch');
    await expectS3Error(run(await hashUnlisted('hello', 'UNSIGNED-PAYLOAD')), 'SignatureDoesNotMatch');
  });

  it('x-amz-sdk-checksum-algorithm, x-amz-checksum-<algorithm>, x-amz-trailer, x-amz-decoded-content-length added unsigned are accepted', async () => {
    const request = await signedThenAdded(
      { body: 'hello' },
      { 'x-amz-sdk-checksum-algorithm': 'CRC32', 'x-amz-checksum-crc32': 'NhCmhg==', 'x-amz-trailer': 'x-amz-checksum-crc32', 'x-amz-decoded-content-length': '5' },
    );
    const identity = await run(request);
    expect(await readText(identity.body!.stream)).toBe('hello');
    expect(identity.body!.checksums()).toEqual({ crc32: 'NhCmhg==' });
  });
});
