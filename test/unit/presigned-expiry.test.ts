import { AwsV4Signer } from 'aws4fetch';
import { describe, expect, it } from 'vitest';
import { identify, type IdentifyOptions } from '../../src/auth/identify';
import { maxPresignedExpiresSeconds } from '../../src/auth/presigned-expiry';
import { DOC_KEY, expectS3Error, memoryStore, utf8 } from './auth-fixtures';

/** Issue 7, items 5 and 11: one cap on presigned validity for SigV4 and SigV2, one "Request has expired" answer. */
const NOW = new Date('2026-03-01T12:00:00Z');
const NOW_S = NOW.getTime() / 1000;
const DAY = 86400;
const run = (request: Request, options: Partial<IdentifyOptions> = {}, store = memoryStore(DOC_KEY)) =>
  identify(request, new URL(request.url).pathname, store, { now: NOW, region: 'auto', ...options });

async function hmacSha1Base64(toSign: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', utf8(DOC_KEY.secretAccessKey), { name: 'HMAC', hash: 'SHA-1' }, false, ['sign']);
  return btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.sign('HMAC', key, utf8(toSign)))));
}

/** A SigV2 presigned URL, signed test-side. */
async function v2Presigned(method: string, expires: number): Promise<Request> {
  const signature = await hmacSha1Base64(`${method}\n\n\n${expires}\n/bucket/k.bin`);
  const url = `https://gw.example.test/bucket/k.bin?AWSAccessKeyId=${DOC_KEY.accessKeyId}&Expires=${expires}&Signature=${encodeURIComponent(signature)}`;
  return new Request(url, { method });
}

async function v4Presigned(method: string, expires: number, at = NOW): Promise<Request> {
  const datetime = at.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const signed = await new AwsV4Signer({
    url: `https://gw.example.test/bucket/k.bin?X-Amz-Expires=${expires}`,
    method,
    ...DOC_KEY,
    service: 's3',
    region: 'auto',
    datetime,
    signQuery: true,
  }).sign();
  return new Request(signed.url, { method });
}

describe('MAX_PRESIGNED_EXPIRES_SECONDS', () => {
  it('defaults to 7 days; accepts 1..604800; anything else is a configuration error', () => {
    expect(maxPresignedExpiresSeconds(undefined)).toBe(604800);
    expect(maxPresignedExpiresSeconds('')).toBe(604800);
    expect(maxPresignedExpiresSeconds('3600')).toBe(3600);
    for (const bad of ['0', '604801', '1e3', '-5', 'week']) expect(() => maxPresignedExpiresSeconds(bad)).toThrow(/MAX_PRESIGNED_EXPIRES_SECONDS/);
  });
});

describe('SigV2 presigned Expires is capped like X-Amz-Expires', () => {
  it('within 7 days (plus the clock-skew allowance) → accepted', async () => {
    expect((await run(await v2Presigned('GET', NOW_S + 7 * DAY))).principal.kind).toBe('access-key');
    expect((await run(await v2Presigned('GET', NOW_S + 7 * DAY + 600))).principal.kind).toBe('access-key');
  });

  it('beyond the cap (8 days, the year 33658) → AuthorizationQueryParametersError, before any key lookup', async () => {
    for (const expires of [NOW_S + 8 * DAY, 999999999999]) {
      const store = memoryStore(DOC_KEY);
      await expectS3Error(run(await v2Presigned('GET', expires), {}, store), 'AuthorizationQueryParametersError');
      expect(store.lookups).toEqual([]);
    }
  });

  it('the configured cap binds SigV2 and SigV4 alike', async () => {
    const options = { maxPresignedExpiresSeconds: 3600 };
    expect((await run(await v2Presigned('GET', NOW_S + 3600), options)).principal.kind).toBe('access-key');
    await expectS3Error(run(await v2Presigned('GET', NOW_S + 7200), options), 'AuthorizationQueryParametersError');
    expect((await run(await v4Presigned('GET', 3600), options)).principal.kind).toBe('access-key');
    await expectS3Error(run(await v4Presigned('GET', 3601), options), 'AuthorizationQueryParametersError');
  });
});

describe('an expired presigned request is 403 AccessDenied "Request has expired", any method, SigV4 and SigV2', () => {
  it.each(['GET', 'HEAD', 'PUT', 'POST', 'DELETE'])('%s', async (method) => {
    const v4 = await expectS3Error(run(await v4Presigned(method, 60, new Date(NOW.getTime() - 61_000))), 'AccessDenied');
    expect(v4.status).toBe(403);
    expect(v4.message).toBe('Request has expired');
    expect(v4.extra).toEqual({ 'X-Amz-Expires': '60', Expires: '2026-03-01T11:59:59.000Z', ServerTime: NOW.toISOString() });

    const v2 = await expectS3Error(run(await v2Presigned(method, NOW_S - 1)), 'AccessDenied');
    expect(v2.status).toBe(403);
    expect(v2.message).toBe('Request has expired');
    expect(v2.extra).toEqual({ Expires: '2026-03-01T11:59:59.000Z', ServerTime: NOW.toISOString() });
  });
});

describe('the session token is never echoed', () => {
  const TOKEN = 'SECRET-SESSION-TOKEN/with+chars=';
  const sessionStore = () => memoryStore({ ...DOC_KEY, sessionToken: TOKEN });

  it('SigV2 SignatureDoesNotMatch: the x-amz-security-token line of StringToSign is redacted', async () => {
    const date = NOW.toUTCString();
    const request = new Request('https://gw.example.test/bucket/k.bin', {
      headers: { date, 'x-amz-security-token': TOKEN, authorization: `AWS ${DOC_KEY.accessKeyId}:${await hmacSha1Base64('not what the server signs')}` },
    });
    const error = await expectS3Error(run(request, {}, sessionStore()), 'SignatureDoesNotMatch');
    expect(error.extra.StringToSign).toBe(`GET\n\n\n${date}\nx-amz-security-token:<redacted>\n/bucket/k.bin`);
    expect(JSON.stringify(error)).not.toContain('SECRET-SESSION-TOKEN');
  });

  it('SigV4 presigned SignatureDoesNotMatch: the X-Amz-Security-Token parameter of CanonicalRequest is redacted', async () => {
    const signed = await new AwsV4Signer({
      url: 'https://gw.example.test/bucket/k.bin?X-Amz-Expires=300',
      ...DOC_KEY,
      secretAccessKey: 'not-the-secret',
      sessionToken: TOKEN,
      service: 's3',
      region: 'auto',
      datetime: '20260301T120000Z',
      signQuery: true,
    }).sign();
    const error = await expectS3Error(run(new Request(signed.url), {}, sessionStore()), 'SignatureDoesNotMatch');
    expect(error.extra.CanonicalRequest).toContain('X-Amz-Security-Token=<redacted>');
    expect(JSON.stringify(error)).not.toContain('SECRET-SESSION-TOKEN');
  });
});
