import { AwsV4Signer } from 'aws4fetch';
import { describe, expect, it } from 'vitest';
import { identify } from '../../src/auth/identify';
import { ANONYMOUS } from '../../src/auth/principal';
import { deriveSigningKey, expectS3Error, hex, hmacSha256, memoryStore, readText, sha256Hex } from './auth-fixtures';

const KEY = { accessKeyId: 'AKIDENTIFYTEST000001', secretAccessKey: 'identify-test-secret/0123456789+abcdefghij' };
const NOW = new Date('2026-03-01T12:00:00Z');
const OPTIONS = { now: NOW, region: 'auto' };

/** `Date` → SigV4's ISO 8601 basic format. */
const amzDate = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

interface SignInput {
  url?: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  at?: Date;
  region?: string;
  service?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  signQuery?: boolean;
}

async function signed(input: SignInput = {}): Promise<Request> {
  const body = input.body;
  const headers = { ...input.headers };
  if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'x-amz-content-sha256') && !input.signQuery) {
    headers['x-amz-content-sha256'] = await sha256Hex(body);
  }
  const s = await new AwsV4Signer({
    url: input.url ?? 'https://gw.example.test/bucket/some/key.txt',
    method: input.method ?? (body === undefined ? 'GET' : 'PUT'),
    headers,
    body,
    accessKeyId: KEY.accessKeyId,
    secretAccessKey: input.secretAccessKey ?? KEY.secretAccessKey,
    sessionToken: input.sessionToken,
    service: input.service ?? 's3',
    region: input.region ?? 'auto',
    datetime: amzDate(input.at ?? NOW),
    signQuery: input.signQuery,
  }).sign();
  return new Request(s.url, { method: s.method, headers: s.headers, body: s.body });
}

const run = (request: Request, store = memoryStore(KEY), options = OPTIONS) => identify(request, new URL(request.url).pathname, store, options);

function withHeader(request: Request, name: string, value: string | null): Request {
  const headers = new Headers(request.headers);
  if (value === null) headers.delete(name);
  else headers.set(name, value);
  return new Request(request, { headers });
}

describe('identify: accepted requests', () => {
  it('anonymous GET has the anonymous principal and no body', async () => {
    const store = memoryStore(KEY);
    const identity = await run(new Request('https://gw.example.test/bucket/k'), store);
    expect(identity).toEqual({ principal: ANONYMOUS, body: null });
    expect(store.lookups).toEqual([]);
  });

  it('anonymous PUT still gets a body (authorization decides later)', async () => {
    const identity = await run(new Request('https://gw.example.test/bucket/k', { method: 'PUT', body: 'x' }));
    expect(identity.principal).toBe(ANONYMOUS);
    expect(await readText(identity.body!.stream)).toBe('x');
  });

  it('a signed GET within the 15-minute window', async () => {
    for (const offset of [-14, 14]) {
      const identity = await run(await signed({ at: new Date(NOW.getTime() + offset * 60_000) }));
      expect(identity.principal).toMatchObject({ kind: 'access-key', accessKeyId: KEY.accessKeyId });
    }
  });

  it('the session token reaches the credential store', async () => {
    const store = memoryStore({ ...KEY, sessionToken: 'session-token+/=' });
    await run(await signed({ sessionToken: 'session-token+/=' }), store);
    expect(store.lookups).toEqual([{ accessKeyId: KEY.accessKeyId, sessionToken: 'session-token+/=' }]);
  });

  it('accepts the deployment region, us-east-1 and auto in the scope', async () => {
    for (const region of ['eu-central-1', 'us-east-1', 'auto']) {
      await run(await signed({ region }), memoryStore(KEY), { now: NOW, region: 'eu-central-1' });
    }
  });

  it('a header-signed GET without x-amz-content-sha256 is verified against the empty payload', async () => {
    // Signed by hand (the way non-S3 SigV4 signers do): the empty payload's hash, no x-amz-content-sha256 header.
    const datetime = amzDate(NOW);
    const canonical = `GET\n/bucket/k\n\nhost:gw.example.test\nx-amz-date:${datetime}\n\nhost;x-amz-date\n${await sha256Hex('')}`;
    const scope = '20260301/auto/s3/aws4_request';
    const toSign = `AWS4-HMAC-SHA256\n${datetime}\n${scope}\n${await sha256Hex(canonical)}`;
    const signature = hex(await hmacSha256(await deriveSigningKey(KEY.secretAccessKey, '20260301', 'auto'), toSign));
    const authorization = `AWS4-HMAC-SHA256 Credential=${KEY.accessKeyId}/${scope}, SignedHeaders=host;x-amz-date, Signature=${signature}`;
    const request = new Request('https://gw.example.test/bucket/k', { headers: { 'x-amz-date': datetime, authorization } });
    expect((await run(request)).principal.kind).toBe('access-key');
    // A body changes the rule: its hash is unknown up front, so the header is required.
    const put = new Request('https://gw.example.test/bucket/k', { method: 'PUT', body: 'x', headers: { 'x-amz-date': datetime, authorization } });
    await expectS3Error(run(put), 'InvalidRequest');
  });
});

describe('identify: rejected requests', () => {
  it('bad signature → SignatureDoesNotMatch, echoing the string to sign but never the secret', async () => {
    const request = await signed();
    const auth = request.headers.get('authorization')!;
    const flipped = auth.slice(0, -1) + (auth.endsWith('0') ? '1' : '0');
    const error = await expectS3Error(run(withHeader(request, 'authorization', flipped)), 'SignatureDoesNotMatch');
    expect(error.extra.StringToSign).toMatch(/^AWS4-HMAC-SHA256\n/);
    expect(JSON.stringify(error)).not.toContain(KEY.secretAccessKey);
  });

  it('wrong secret → SignatureDoesNotMatch', async () => {
    await expectS3Error(run(await signed({ secretAccessKey: 'not-the-secret' })), 'SignatureDoesNotMatch');
  });

  it('the session token is redacted from an echoed canonical request', async () => {
    const store = memoryStore({ ...KEY, sessionToken: 'SECRET-SESSION-TOKEN' });
    const error = await expectS3Error(run(await signed({ sessionToken: 'SECRET-SESSION-TOKEN', secretAccessKey: 'wrong' }), store), 'SignatureDoesNotMatch');
    expect(JSON.stringify(error.extra)).not.toContain('SECRET-SESSION-TOKEN');
  });

  it.each([
    ['path', (r: Request) => new Request(r.url.replace('/key.txt', '/other.txt'), r)],
    ['query', (r: Request) => new Request(r.url + '?x-id=1', r)],
    ['signed header value', (r: Request) => withHeader(r, 'x-amz-meta-owner', 'mallory')],
    ['method', (r: Request) => new Request(r, { method: 'DELETE' })],
  ])('tampered %s → SignatureDoesNotMatch', async (_what, tamper) => {
    const request = await signed({ headers: { 'x-amz-meta-owner': 'alice' } });
    await expectS3Error(run(tamper(request)), 'SignatureDoesNotMatch');
  });

  it('unknown access key → InvalidAccessKeyId', async () => {
    await expectS3Error(run(await signed(), memoryStore()), 'InvalidAccessKeyId');
  });

  it('clock skew over 15 minutes → RequestTimeTooSkewed with RequestTime and ServerTime, before any key lookup', async () => {
    for (const offset of [-16, 16]) {
      const store = memoryStore(KEY);
      const error = await expectS3Error(run(await signed({ at: new Date(NOW.getTime() + offset * 60_000) }), store), 'RequestTimeTooSkewed');
      expect(error.extra.ServerTime).toBe(NOW.toISOString());
      expect(error.extra.RequestTime).toMatch(/^\d{8}T\d{6}Z$/);
      expect(store.lookups).toEqual([]);
    }
  });

  it('missing or malformed x-amz-date → AccessDenied', async () => {
    const request = await signed();
    await expectS3Error(run(withHeader(request, 'x-amz-date', null)), 'AccessDenied');
    await expectS3Error(run(withHeader(request, 'x-amz-date', '2026-03-01T12:00:00Z')), 'AccessDenied');
  });

  it('credential scope date differing from x-amz-date → AuthorizationHeaderMalformed', async () => {
    const request = await signed();
    const auth = request.headers.get('authorization')!.replace('/20260301/', '/20260228/');
    await expectS3Error(run(withHeader(request, 'authorization', auth)), 'AuthorizationHeaderMalformed');
  });

  it('foreign region → AuthorizationHeaderMalformed naming the expected region', async () => {
    const error = await expectS3Error(run(await signed({ region: 'eu-west-1' })), 'AuthorizationHeaderMalformed');
    expect(error.extra.Region).toBe('auto');
  });

  it('service other than s3 → AuthorizationHeaderMalformed', async () => {
    await expectS3Error(run(await signed({ service: 'sqs', headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } })), 'AuthorizationHeaderMalformed');
  });

  it.each([
    ['missing Signature', 'AWS4-HMAC-SHA256 Credential=AKIDENTIFYTEST000001/20260301/auto/s3/aws4_request, SignedHeaders=host;x-amz-date'],
    ['short credential', 'AWS4-HMAC-SHA256 Credential=AKIDENTIFYTEST000001/20260301/auto/s3, SignedHeaders=host;x-amz-date, Signature=' + 'a'.repeat(64)],
    ['bad terminator', 'AWS4-HMAC-SHA256 Credential=AKIDENTIFYTEST000001/20260301/auto/s3/aws5_request, SignedHeaders=host;x-amz-date, Signature=' + 'a'.repeat(64)],
    ['host not signed', 'AWS4-HMAC-SHA256 Credential=AKIDENTIFYTEST000001/20260301/auto/s3/aws4_request, SignedHeaders=x-amz-date, Signature=' + 'a'.repeat(64)],
    ['upper-case header name', 'AWS4-HMAC-SHA256 Credential=AKIDENTIFYTEST000001/20260301/auto/s3/aws4_request, SignedHeaders=Host;x-amz-date, Signature=' + 'a'.repeat(64)],
    ['non-hex signature', 'AWS4-HMAC-SHA256 Credential=AKIDENTIFYTEST000001/20260301/auto/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=' + 'z'.repeat(64)],
    ['no space after algorithm', 'AWS4-HMAC-SHA256Credential=AKIDENTIFYTEST000001/20260301/auto/s3/aws4_request, SignedHeaders=host, Signature=' + 'a'.repeat(64)],
  ])('malformed Authorization (%s) → AuthorizationHeaderMalformed, before any key lookup', async (_what, authorization) => {
    const store = memoryStore(KEY);
    const request = new Request('https://gw.example.test/bucket/k', { headers: { authorization, 'x-amz-date': amzDate(NOW), 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
    await expectS3Error(run(request, store), 'AuthorizationHeaderMalformed');
    expect(store.lookups).toEqual([]);
  });

  it('unknown Authorization scheme and two auth mechanisms at once → InvalidArgument', async () => {
    await expectS3Error(run(new Request('https://gw.example.test/b/k', { headers: { authorization: 'Bearer abc' } })), 'InvalidArgument');
    const presigned = await signed({ signQuery: true });
    const both = new Request(presigned.url, { headers: { authorization: 'AWS AKID:c2lnbmF0dXJl', date: NOW.toUTCString() } });
    await expectS3Error(run(both), 'InvalidArgument');
  });

  it('invalid x-amz-content-sha256 → InvalidArgument; a PUT without it → InvalidRequest', async () => {
    await expectS3Error(run(await signed({ body: 'x', headers: { 'x-amz-content-sha256': 'not-a-hash' } })), 'InvalidArgument');
    const put = await signed({ body: 'x', headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
    await expectS3Error(run(withHeader(put, 'x-amz-content-sha256', null)), 'InvalidRequest');
  });
});

describe('identify: presigned URLs', () => {
  const presign = (expires: number | string, at = NOW, url = 'https://gw.example.test/bucket/k.bin') =>
    signed({ url: `${url}?X-Amz-Expires=${expires}`, signQuery: true, at });

  it('accepts a URL within its validity, up to 7 days', async () => {
    expect((await run(await presign(604800, new Date(NOW.getTime() - 604000_000)))).principal.kind).toBe('access-key');
  });

  it('expired → AccessDenied "Request has expired"', async () => {
    const error = await expectS3Error(run(await presign(60, new Date(NOW.getTime() - 61_000))), 'AccessDenied');
    expect(error.message).toBe('Request has expired');
    expect(error.extra['X-Amz-Expires']).toBe('60');
  });

  it('dated in the future beyond the skew → AccessDenied', async () => {
    await expectS3Error(run(await presign(3600, new Date(NOW.getTime() + 16 * 60_000))), 'AccessDenied');
  });

  it.each([604801, 0, -5, 'soon'])('X-Amz-Expires=%s → AuthorizationQueryParametersError', async (expires) => {
    await expectS3Error(run(await presign(expires)), 'AuthorizationQueryParametersError');
  });

  it('missing parameter, wrong algorithm, wrong region, wrong scope date → AuthorizationQueryParametersError', async () => {
    const url = (await presign(300)).url;
    const variants = [
      url.replace(/&X-Amz-SignedHeaders=[^&]*/, ''),
      url.replace('X-Amz-Algorithm=AWS4-HMAC-SHA256', 'X-Amz-Algorithm=AWS4-HMAC-SHA512'),
      url.replace('%2Fauto%2F', '%2Feu-west-1%2F'),
      url.replace('%2F20260301%2F', '%2F20260302%2F'),
      url.replace('%2Fs3%2F', '%2Fsqs%2F'),
    ];
    for (const variant of variants) {
      expect(variant).not.toBe(url);
      await expectS3Error(run(new Request(variant)), 'AuthorizationQueryParametersError');
    }
  });

  it('tampered signature or resource → SignatureDoesNotMatch', async () => {
    const url = (await presign(300)).url;
    const sig = new URL(url).searchParams.get('X-Amz-Signature')!;
    await expectS3Error(run(new Request(url.replace(sig, sig.replace(/.$/, (c) => (c === '0' ? '1' : '0'))))), 'SignatureDoesNotMatch');
    await expectS3Error(run(new Request(url.replace('/k.bin', '/other.bin'))), 'SignatureDoesNotMatch');
    await expectS3Error(run(new Request(url.replace('X-Amz-Expires=300', 'X-Amz-Expires=600'))), 'SignatureDoesNotMatch');
  });

  it('an x-amz-* header the URL did not sign → AccessDenied naming it', async () => {
    const request = new Request((await presign(300)).url, { method: 'GET', headers: { 'x-amz-meta-injected': 'yes' } });
    const error = await expectS3Error(run(request), 'AccessDenied');
    expect(error.extra.HeadersNotSigned).toBe('x-amz-meta-injected');
  });
});

describe('identify: headers the edge rewrites', () => {
  /** The request as the Worker sees it once the edge replaced Accept-Encoding and kept the client's value in cf. */
  function rewritten(request: Request, seen: string, sent: string): Request {
    const headers = new Headers(request.headers);
    headers.set('accept-encoding', seen);
    return new Request(request, { headers, cf: { clientAcceptEncoding: sent } as RequestInitCfProperties });
  }
  it('verifies a signed Accept-Encoding against the value the client sent', async () => {
    const request = await signed({ headers: { 'accept-encoding': 'gzip' } });
    const { principal } = await run(rewritten(request, 'br, gzip', 'gzip'));
    expect(principal.kind).toBe('access-key');
  });
  it('refuses an Accept-Encoding that differs from what was signed', async () => {
    const request = await signed({ headers: { 'accept-encoding': 'gzip' } });
    await expectS3Error(run(rewritten(request, 'br, gzip', 'deflate')), 'SignatureDoesNotMatch');
    await expectS3Error(run(withHeader(request, 'accept-encoding', 'br, gzip')), 'SignatureDoesNotMatch');
  });
});
