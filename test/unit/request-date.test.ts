import { AwsV4Signer } from 'aws4fetch';
import { describe, expect, it } from 'vitest';
import { identify } from '../../src/auth/identify';
import { DOC_KEY, expectS3Error, memoryStore, utf8 } from './auth-fixtures';

/** Issue 7, item 11: a request may carry both Date and x-amz-date; x-amz-date wins, as in S3. */
const NOW = new Date('2026-03-01T12:00:00Z');
const STALE = new Date(NOW.getTime() - 2 * 3600_000);
const run = (request: Request) => identify(request, new URL(request.url).pathname, memoryStore(DOC_KEY), { now: NOW, region: 'auto' });
const amzDate = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

describe('SigV4 header: Date and x-amz-date together', () => {
  /** aws4fetch signs every header it is given, Date included; x-amz-date is its own. */
  async function signedWithDate(date: string, at: Date): Promise<Request> {
    const signed = await new AwsV4Signer({ url: 'https://gw.example.test/bucket/k', headers: { date }, ...DOC_KEY, service: 's3', region: 'auto', datetime: amzDate(at) }).sign();
    return new Request(signed.url, { headers: signed.headers });
  }

  it('a stale or unparseable Date beside a current x-amz-date is accepted: the time is x-amz-date', async () => {
    expect((await run(await signedWithDate(STALE.toUTCString(), NOW))).principal.kind).toBe('access-key');
    expect((await run(await signedWithDate('not a date', NOW))).principal.kind).toBe('access-key');
  });

  it('a current Date does not rescue a stale x-amz-date → RequestTimeTooSkewed', async () => {
    await expectS3Error(run(await signedWithDate(NOW.toUTCString(), STALE)), 'RequestTimeTooSkewed');
  });
});

describe('SigV2 header: x-amz-date replaces Date', () => {
  async function v2(toSign: string): Promise<string> {
    const key = await crypto.subtle.importKey('raw', utf8(DOC_KEY.secretAccessKey), { name: 'HMAC', hash: 'SHA-1' }, false, ['sign']);
    return btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.sign('HMAC', key, utf8(toSign)))));
  }
  const request = (date: string, amz: string, signature: string) =>
    new Request('https://gw.example.test/bucket/k', { headers: { date, 'x-amz-date': amz, authorization: `AWS ${DOC_KEY.accessKeyId}:${signature}` } });

  it('signed as S3 documents it (empty Date line), with a stale Date header beside it → accepted', async () => {
    const amz = NOW.toUTCString();
    const signature = await v2(`GET\n\n\n\nx-amz-date:${amz}\n/bucket/k`);
    expect((await run(request(STALE.toUTCString(), amz, signature))).principal.kind).toBe('access-key');
  });

  it('signed with the Date value on the Date line (signers that send both) → accepted', async () => {
    const amz = NOW.toUTCString();
    const date = STALE.toUTCString();
    expect((await run(request(date, amz, await v2(`GET\n\n\n${date}\nx-amz-date:${amz}\n/bucket/k`)))).principal.kind).toBe('access-key');
  });

  it('the time is x-amz-date: a stale one is refused even beside a current Date; a mismatch echoes the documented empty Date line', async () => {
    const amz = STALE.toUTCString();
    await expectS3Error(run(request(NOW.toUTCString(), amz, await v2(`GET\n\n\n\nx-amz-date:${amz}\n/bucket/k`))), 'RequestTimeTooSkewed');
    const error = await expectS3Error(run(request(NOW.toUTCString(), NOW.toUTCString(), await v2('something else'))), 'SignatureDoesNotMatch');
    expect(error.extra.StringToSign).toBe(`GET\n\n\n\nx-amz-date:${NOW.toUTCString()}\n/bucket/k`);
  });
});
