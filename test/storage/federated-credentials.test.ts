import { env, SELF } from 'cloudflare:test';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { FederationError } from '../../src/storage/s3/federated-credentials';
import { forgetFederatedCredentials, REFRESH_AHEAD_MS } from '../../src/storage/s3/federated-credentials-cache';
import { federatedCredentials, type FederationOptions } from '../../src/sts/federation';
import './contract/provided';
import { rejectionOf } from '../support/rejection';

/**
 * The exchange half of keyless federation (adrs/0020): AssumeRoleWithWebIdentity against fake
 * STSes — a scripted fetch for the answers an STS gives, the fault server (real HTTP) for stalls,
 * redirects and non-STS pages — and the isolate cache in front of it.
 */

const ROLE = 'arn:aws:iam::123456789012:role/bucketgate-photos';
const EXPIRY = (ms: number) => new Date(ms).toISOString();

function options(extra: Partial<FederationOptions> = {}): FederationOptions {
  return {
    connectionId: `conn-${crypto.randomUUID()}`,
    roleArn: ROLE,
    stsEndpoint: 'https://sts.eu-west-1.amazonaws.com',
    audience: 'sts.amazonaws.com',
    sessionDuration: 3600,
    subject: 'photos',
    requestOrigin: 'https://gateway.test',
    ...extra,
  };
}

function credentialsXml(expiresAt: number, n = 1): string {
  return `<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleWithWebIdentityResult>
<SubjectFromWebIdentityToken>photos</SubjectFromWebIdentityToken><Audience>sts.amazonaws.com</Audience>
<Credentials><AccessKeyId>ASIAFEDERATED${n}</AccessKeyId><SecretAccessKey>secret-${n}</SecretAccessKey><SessionToken>session-${n}</SessionToken><Expiration>${EXPIRY(expiresAt)}</Expiration></Credentials>
</AssumeRoleWithWebIdentityResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></AssumeRoleWithWebIdentityResponse>`;
}

function stsError(code: string, message: string): string {
  return `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>r</RequestId></ErrorResponse>`;
}

/** A scripted STS: answers each call with the next reply, and records what it was sent. */
function scriptedSts(...replies: Array<(form: URLSearchParams) => Response>) {
  const calls: Array<{ url: string; init: RequestInit; form: URLSearchParams }> = [];
  const fetcher = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const form = new URLSearchParams(String(init?.body ?? ''));
    calls.push({ url: String(input), init: init ?? {}, form });
    const reply = replies[Math.min(calls.length - 1, replies.length - 1)];
    if (!reply) throw new Error('no scripted reply');
    return reply(form);
  }) as typeof fetch;
  return { fetcher, calls };
}

const ok = (expiresAt: number, n = 1) => () => new Response(credentialsXml(expiresAt, n), { status: 200, headers: { 'content-type': 'text/xml' } });

const failure = (promise: Promise<unknown>) => rejectionOf(promise, FederationError);

afterEach(() => forgetFederatedCredentials());

describe('AssumeRoleWithWebIdentity exchange', () => {
  it('posts the documented parameters with a token that verifies against the gateway JWKS', async () => {
    const now = Date.now();
    const sts = scriptedSts(ok(now + 3600_000));
    const credentials = await federatedCredentials(env, options(), { fetcher: sts.fetcher });
    expect(credentials).toEqual({ accessKeyId: 'ASIAFEDERATED1', secretAccessKey: 'secret-1', sessionToken: 'session-1', expiresAt: new Date(EXPIRY(now + 3600_000)) });

    expect(sts.calls).toHaveLength(1);
    const [call] = sts.calls;
    expect(call!.url).toBe('https://sts.eu-west-1.amazonaws.com/');
    expect(call!.init.method).toBe('POST');
    expect(call!.init.redirect).toBe('manual');
    expect(call!.init.signal).toBeInstanceOf(AbortSignal);
    expect(Object.fromEntries([...call!.form].filter(([k]) => k !== 'WebIdentityToken'))).toEqual({
      Action: 'AssumeRoleWithWebIdentity',
      Version: '2011-06-15',
      RoleArn: ROLE,
      RoleSessionName: 'bucketgate-photos',
      DurationSeconds: '3600',
    });
    const jwks = (await (await SELF.fetch('https://gateway.test/.well-known/jwks.json')).json()) as JSONWebKeySet;
    const { payload, protectedHeader } = await jwtVerify(call!.form.get('WebIdentityToken')!, createLocalJWKSet(jwks), {
      issuer: 'https://gateway.test',
      audience: 'sts.amazonaws.com',
    });
    expect(payload.sub).toBe('photos');
    expect(protectedHeader.kid).toBe('bucketgate-federation-v1');
  });

  it('uses ISSUER_URL over the request origin', async () => {
    const sts = scriptedSts(ok(Date.now() + 3600_000));
    await federatedCredentials({ ...env, ISSUER_URL: 'https://s3.example.com' }, options(), { fetcher: sts.fetcher });
    const token = sts.calls[0]!.form.get('WebIdentityToken')!;
    expect(JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))).iss).toBe('https://s3.example.com');
  });

  it('turns an STS error document into a clear error that never carries the token', async () => {
    // An STS that quotes the token back in its message: the error must not pass it on.
    const sts = scriptedSts((form) => new Response(stsError('AccessDenied', `Not authorized to perform sts:AssumeRoleWithWebIdentity with ${form.get('WebIdentityToken')}`), { status: 403 }));
    const error = await failure(federatedCredentials(env, options(), { fetcher: sts.fetcher }));
    expect(error).toMatchObject({ kind: 'auth-failed', stsCode: 'AccessDenied' });
    expect(error.message).toContain('AccessDenied');
    expect(error.detail).toContain('Not authorized to perform sts:AssumeRoleWithWebIdentity');
    const token = sts.calls[0]!.form.get('WebIdentityToken')!;
    expect(`${error.message} ${error.detail} ${error.stack}`).not.toContain(token);
  });

  it('maps the STS codes to kinds', async () => {
    const cases: Array<[number, string, FederationError['kind']]> = [
      [400, 'InvalidIdentityToken', 'auth-failed'],
      [400, 'ExpiredTokenException', 'auth-failed'],
      [400, 'Throttling', 'throttled'],
      [403, 'RegionDisabledException', 'misconfigured'],
      [503, 'ServiceUnavailable', 'unavailable'],
      [400, 'IDPCommunicationError', 'auth-failed'],
    ];
    for (const [status, code, kind] of cases) {
      const sts = scriptedSts(() => new Response(stsError(code, 'm'), { status }));
      const error = await failure(federatedCredentials(env, options(), { fetcher: sts.fetcher }));
      expect(error.kind, code).toBe(kind);
      expect(error.stsCode).toBe(code);
    }
  });

  it('refuses a 200 that is not an AssumeRoleWithWebIdentity response', async () => {
    const bodies = [
      '<html>welcome to the captive portal</html>',
      'not xml at all',
      '<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>A</AccessKeyId></Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>',
      credentialsXml(Date.now()).replace(/<Expiration>[^<]*</, '<Expiration>tomorrow<'),
    ];
    for (const body of bodies) {
      const sts = scriptedSts(() => new Response(body, { status: 200 }));
      const error = await failure(federatedCredentials(env, options(), { fetcher: sts.fetcher }));
      expect(error.kind, body).toBe('unavailable');
      expect(error.message).toMatch(/not an AssumeRoleWithWebIdentity response/);
    }
  });

  it('refuses an endpoint the SSRF guard refuses, without sending anything', async () => {
    for (const stsEndpoint of ['https://169.254.169.254/', 'http://sts.example.com', 'https://10.0.0.1', 'https://localhost', 'https://user:pw@sts.example.com', 'https://2130706433/']) {
      const sts = scriptedSts(ok(Date.now() + 3600_000));
      const error = await failure(federatedCredentials(env, options({ stsEndpoint }), { fetcher: sts.fetcher }));
      expect(error.kind, stsEndpoint).toBe('misconfigured');
      expect(sts.calls).toHaveLength(0);
    }
  });

  it('refuses without an issuer URL (no ISSUER_URL, no request origin)', async () => {
    const sts = scriptedSts(ok(Date.now() + 3600_000));
    const error = await failure(federatedCredentials(env, options({ requestOrigin: undefined }), { fetcher: sts.fetcher }));
    expect(error.kind).toBe('misconfigured');
    expect(sts.calls).toHaveLength(0);
  });

  describe('against real HTTP fakes', () => {
    const faulty = () => inject('faultyUpstreamUrl');

    it('does not follow a redirect', async () => {
      const error = await failure(federatedCredentials(env, options({ stsEndpoint: `${faulty()}/redirect-sts` })));
      expect(error.kind).toBe('misconfigured');
      expect(error.message).toMatch(/redirect/);
    });

    it('gives up on an STS that does not answer, within the timeout', async () => {
      const started = Date.now();
      const error = await failure(federatedCredentials(env, options({ stsEndpoint: `${faulty()}/stall-sts` }), { timeoutMs: 300 }));
      expect(error.kind).toBe('timeout');
      expect(Date.now() - started).toBeLessThan(5_000);
    });

    it('reports a non-XML error page by its status', async () => {
      const error = await failure(federatedCredentials(env, options({ stsEndpoint: `${faulty()}/unavailable-sts` })));
      expect(error).toMatchObject({ kind: 'unavailable', stsCode: undefined });
      expect(error.message).toContain('HTTP 503');
      expect(`${error.message} ${error.detail}`).not.toContain('secret-upstream.example');
    });

    it('reports an unreachable STS', async () => {
      const error = await failure(federatedCredentials(env, options({ stsEndpoint: inject('closedUpstreamUrl') })));
      expect(error.kind).toBe('unavailable');
    });
  });
});

describe('credential cache', () => {
  it('reuses the credentials until shortly before expiry, then refreshes ahead of it', async () => {
    let clock = Date.now();
    const expiresAt = clock + 3600_000;
    const sts = scriptedSts(ok(expiresAt, 1), ok(expiresAt + 3600_000, 2));
    const opts = options();
    const get = () => federatedCredentials(env, opts, { fetcher: sts.fetcher, now: () => clock });

    expect((await get()).accessKeyId).toBe('ASIAFEDERATED1');
    clock += 30 * 60_000;
    expect((await get()).accessKeyId).toBe('ASIAFEDERATED1');
    expect(sts.calls).toHaveLength(1);

    clock = expiresAt - REFRESH_AHEAD_MS + 1; // inside the refresh window, still valid
    expect((await get()).accessKeyId).toBe('ASIAFEDERATED2');
    expect(sts.calls).toHaveLength(2);
  });

  it('keys by connection and role', async () => {
    const sts = scriptedSts(ok(Date.now() + 3600_000, 1), ok(Date.now() + 3600_000, 2), ok(Date.now() + 3600_000, 3));
    const base = options();
    await federatedCredentials(env, base, { fetcher: sts.fetcher });
    await federatedCredentials(env, { ...base, roleArn: `${ROLE}-other` }, { fetcher: sts.fetcher });
    await federatedCredentials(env, { ...base, connectionId: 'another' }, { fetcher: sts.fetcher });
    await federatedCredentials(env, base, { fetcher: sts.fetcher });
    expect(sts.calls).toHaveLength(3);
  });

  it('keeps serving valid credentials when a refresh fails, and fails once they are near expiry', async () => {
    let clock = Date.now();
    const expiresAt = clock + 3600_000;
    const sts = scriptedSts(ok(expiresAt), () => new Response(stsError('ServiceUnavailable', 'down'), { status: 503 }));
    const opts = options();
    const get = () => federatedCredentials(env, opts, { fetcher: sts.fetcher, now: () => clock });
    await get();

    clock = expiresAt - REFRESH_AHEAD_MS + 1;
    expect((await get()).accessKeyId).toBe('ASIAFEDERATED1');
    expect(sts.calls).toHaveLength(2);
    // The failed refresh holds its lease: the next requests do not ask the failing STS again at once.
    expect((await get()).accessKeyId).toBe('ASIAFEDERATED1');
    expect(sts.calls).toHaveLength(2);

    clock = expiresAt - 30_000; // under a minute left: not handed out any more
    expect((await failure(get())).kind).toBe('unavailable');
  });

  it('lets concurrent requests use the current credentials while one refreshes (single-flight by value)', async () => {
    let clock = Date.now();
    const expiresAt = clock + 3600_000;
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    const fetcher = (async () => {
      calls++;
      if (calls === 2) await gate; // the refresh is slow
      return new Response(credentialsXml(calls === 1 ? expiresAt : expiresAt + 3600_000, calls), { status: 200 });
    }) as typeof fetch;
    const opts = options();
    const get = () => federatedCredentials(env, opts, { fetcher, now: () => clock });
    await get();

    clock = expiresAt - REFRESH_AHEAD_MS + 1;
    const refreshing = get();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect((await get()).accessKeyId).toBe('ASIAFEDERATED1'); // not waiting on the other call's exchange
    expect(calls).toBe(2);
    release();
    expect((await refreshing).accessKeyId).toBe('ASIAFEDERATED2');
    expect((await get()).accessKeyId).toBe('ASIAFEDERATED2');
    expect(calls).toBe(2);
  });
});
