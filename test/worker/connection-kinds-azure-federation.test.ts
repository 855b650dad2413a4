import { env } from 'cloudflare:test';
import { createLocalJWKSet, errors, jwtVerify } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { AZURE_STORAGE_SCOPE, azureAccessToken, type AzureFederationOptions, DEFAULT_AZURE_AUDIENCE } from '../../src/connections/azure-federation';
import { FederationError } from '../../src/storage/s3/federated-credentials';
import { forgetFederatedCredentials, REFRESH_AHEAD_MS } from '../../src/storage/s3/federated-credentials-cache';
import { federationPublicJwks } from '../../src/sts/federation-token';
import { rejectionOf } from '../support/rejection';

/**
 * Azure AD workload identity federation (adrs/0023): the gateway's own token as `client_assertion`
 * in a client-credentials grant, against a fake Microsoft identity platform token endpoint written
 * from its documentation (v2.0 token endpoint, "Microsoft identity platform and the OAuth 2.0
 * client credentials flow" — the certificate/assertion variant; error responses as in "Microsoft
 * Entra authentication and authorization error codes"), and the isolate cache in front of it.
 */

const ISSUER = 'https://gateway.test';
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const TOKEN_ENDPOINT = `https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/token`;
const CLIENT_ID = '11111111-2222-3333-4444-555555555555';
const testEnv = { ...env, ISSUER_URL: ISSUER, ALLOWED_UPSTREAM_HOSTS: '' };

interface FederatedCredential {
  issuer: string;
  subject: string;
  audience: string;
}

/**
 * The token endpoint: one app registration (CLIENT_ID) whose federated identity credential trusts
 * `trust`. It checks the request as the docs state it must be and answers as they document.
 */
function fakeTokenEndpoint(trust: FederatedCredential, script: { fail?: () => Response | undefined; clock?: () => number } = {}) {
  const calls: URLSearchParams[] = [];
  let issued = 0;
  const aadError = (status: number, error: string, code: number, description: string) =>
    Response.json(
      {
        error,
        error_description: `AADSTS${code}: ${description}\r\nTrace ID: 0000aaaa-11bb-cccc-dd22-eeeeee333333\r\nCorrelation ID: aaaa0000-bb11-2222-33cc-444444dddddd\r\nTimestamp: 2026-11-28 10:00:00Z`,
        error_codes: [code],
        timestamp: '2026-11-28 10:00:00Z',
        trace_id: '0000aaaa-11bb-cccc-dd22-eeeeee333333',
        correlation_id: 'aaaa0000-bb11-2222-33cc-444444dddddd',
        error_uri: `https://login.microsoftonline.com/error?code=${code}`,
      },
      { status },
    );
  const fetcher = (async (input: RequestInfo | URL, init?: RequestInit) => {
    expect(String(input)).toBe(TOKEN_ENDPOINT);
    expect(init?.method).toBe('POST');
    expect(new Headers(init?.headers).get('content-type')).toMatch(/^application\/x-www-form-urlencoded/);
    expect(init?.redirect).toBe('manual');
    const form = new URLSearchParams(String(init?.body ?? ''));
    calls.push(form);
    const scripted = script.fail?.();
    if (scripted) return scripted;
    if (form.get('grant_type') !== 'client_credentials') return aadError(400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.');
    if (form.get('scope') !== AZURE_STORAGE_SCOPE) return aadError(400, 'invalid_scope', 70011, "The provided value for the input parameter 'scope' isn't valid.");
    if (form.get('client_id') !== CLIENT_ID) return aadError(400, 'unauthorized_client', 700016, `Application with identifier '${form.get('client_id')}' was not found in the directory.`);
    if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') return aadError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_assertion_type'.");
    const assertion = form.get('client_assertion') ?? '';
    let claims;
    try {
      // Entra fetches the issuer's keys from its discovery document; here the gateway's published JWKS directly.
      ({ payload: claims } = await jwtVerify(assertion, createLocalJWKSet({ keys: await federationPublicJwks(testEnv) }), {
        algorithms: ['ES256'],
        currentDate: new Date((script.clock ?? Date.now)()),
      }));
    } catch (error) {
      if (error instanceof errors.JWTExpired || (error instanceof errors.JWTClaimValidationFailed && error.claim === 'nbf')) {
        return aadError(400, 'invalid_client', 700024, 'Client assertion is not within its valid time range.');
      }
      return aadError(401, 'invalid_client', 700027, 'Client assertion failed signature validation.');
    }
    if (claims.iss !== trust.issuer || claims.sub !== trust.subject || !([claims.aud].flat().includes(trust.audience))) {
      return aadError(400, 'invalid_client', 700213, `No matching federated identity record found for presented assertion subject '${claims.sub}'.`);
    }
    issued += 1;
    return Response.json({ token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: `eyJ0eXAi.access-${issued}` });
  }) as typeof fetch;
  return { fetcher, calls };
}

function options(extra: Partial<AzureFederationOptions> = {}): AzureFederationOptions {
  return { connectionId: `conn-${crypto.randomUUID()}/photos`, tokenEndpoint: TOKEN_ENDPOINT, clientId: CLIENT_ID, audience: DEFAULT_AZURE_AUDIENCE, subject: 'photos', ...extra };
}

const TRUST: FederatedCredential = { issuer: ISSUER, subject: 'photos', audience: DEFAULT_AZURE_AUDIENCE };

const failure = (promise: Promise<unknown>) => rejectionOf(promise, FederationError);

afterEach(() => forgetFederatedCredentials());

describe('client-credentials grant with the gateway token as client_assertion', () => {
  it('gets a bearer token for Azure Storage, presenting a token the federated credential trusts', async () => {
    const now = Date.now();
    const aad = fakeTokenEndpoint(TRUST, { clock: () => now });
    const token = await azureAccessToken(testEnv, options(), { fetcher: aad.fetcher, now: () => now });
    expect(token).toEqual({ token: 'eyJ0eXAi.access-1', expiresAt: new Date(now + 3599_000) });
    expect(aad.calls).toHaveLength(1);
    expect(aad.calls[0]!.get('client_id')).toBe(CLIENT_ID);
  });

  it('maps the documented errors: invalid_client / AADSTS codes need an operator, temporarily_unavailable and 429 do not', async () => {
    const wrongSubject = await failure(azureAccessToken(testEnv, options({ subject: 'other' }), { fetcher: fakeTokenEndpoint(TRUST).fetcher }));
    expect(wrongSubject.kind).toBe('auth-failed');
    expect(wrongSubject.stsCode).toBe('AADSTS700213');
    expect(wrongSubject.message).toMatch(/invalid_client AADSTS700213/);
    const unknownApp = await failure(azureAccessToken(testEnv, options({ clientId: 'not-registered' }), { fetcher: fakeTokenEndpoint(TRUST).fetcher }));
    expect([unknownApp.kind, unknownApp.stsCode]).toEqual(['auth-failed', 'AADSTS700016']);
    const wrongAudience = await failure(azureAccessToken(testEnv, options({ audience: 'api://other' }), { fetcher: fakeTokenEndpoint(TRUST).fetcher }));
    expect(wrongAudience.kind).toBe('auth-failed');
    // An assertion minted by a clock far behind Entra's is outside its valid time range.
    const skewed = await failure(azureAccessToken(testEnv, options(), { fetcher: fakeTokenEndpoint(TRUST).fetcher, now: () => Date.now() - 3600_000 }));
    expect([skewed.kind, skewed.stsCode]).toEqual(['auth-failed', 'AADSTS700024']);
    const busy = fakeTokenEndpoint(TRUST, { fail: () => Response.json({ error: 'temporarily_unavailable', error_description: 'AADSTS50196: The server is temporarily unavailable.', error_codes: [50196] }, { status: 503 }) });
    expect((await failure(azureAccessToken(testEnv, options(), { fetcher: busy.fetcher }))).kind).toBe('unavailable');
    const throttled = fakeTokenEndpoint(TRUST, { fail: () => new Response('', { status: 429 }) });
    expect((await failure(azureAccessToken(testEnv, options(), { fetcher: throttled.fetcher }))).kind).toBe('throttled');
  });

  it('never puts the assertion into an error it reports', async () => {
    // A malformed-assertion answer that quotes what it was sent.
    let sent = '';
    const echoing = (async (input: RequestInfo | URL, init?: RequestInit) => {
      sent = new URLSearchParams(String(init?.body)).get('client_assertion') ?? '';
      return Response.json({ error: 'invalid_client', error_description: `AADSTS50027: JWT token is invalid or malformed: ${sent}`, error_codes: [50027] }, { status: 400 });
    }) as typeof fetch;
    const error = await failure(azureAccessToken(testEnv, options(), { fetcher: echoing }));
    expect(sent.length).toBeGreaterThan(100);
    expect(`${error.message} ${error.detail}`).not.toContain(sent);
    expect(error.detail).toContain('[assertion]');
  });

  it('refuses a token endpoint the SSRF guard refuses, a redirect, and an answer that is not a bearer token', async () => {
    const aad = fakeTokenEndpoint(TRUST);
    for (const tokenEndpoint of ['https://169.254.169.254/t/oauth2/v2.0/token', 'http://login.microsoftonline.com/t/oauth2/v2.0/token', 'https://localhost/token']) {
      expect((await failure(azureAccessToken(testEnv, options({ tokenEndpoint }), { fetcher: aad.fetcher }))).kind, tokenEndpoint).toBe('misconfigured');
    }
    expect(aad.calls).toHaveLength(0);
    const redirect = (async () => new Response(null, { status: 302, headers: { location: 'http://169.254.169.254/' } })) as unknown as typeof fetch;
    expect((await failure(azureAccessToken(testEnv, options(), { fetcher: redirect }))).kind).toBe('misconfigured');
    const notBearer = (async () => Response.json({ token_type: 'pop', expires_in: 3599, access_token: 'x' })) as unknown as typeof fetch;
    expect((await failure(azureAccessToken(testEnv, options(), { fetcher: notBearer }))).kind).toBe('unavailable');
  });
});

describe('the token cache', () => {
  it('reuses the token until shortly before expiry, then exchanges once more', async () => {
    let now = Date.now();
    const aad = fakeTokenEndpoint(TRUST, { clock: () => now });
    const opts = options();
    const first = await azureAccessToken(testEnv, opts, { fetcher: aad.fetcher, now: () => now });
    now += 3599_000 - REFRESH_AHEAD_MS - 1000;
    expect(await azureAccessToken(testEnv, opts, { fetcher: aad.fetcher, now: () => now })).toEqual(first);
    expect(aad.calls).toHaveLength(1);
    now += 2000;
    const second = await azureAccessToken(testEnv, opts, { fetcher: aad.fetcher, now: () => now });
    expect(second.token).toBe('eyJ0eXAi.access-2');
    expect(aad.calls).toHaveLength(2);
  });

  it('refreshes single-flight: requests arriving during a refresh keep the current token instead of exchanging too', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let now = Date.now();
    const aad = fakeTokenEndpoint(TRUST, { clock: () => now });
    let gated = false;
    const slow = (async (input: RequestInfo | URL, init?: RequestInit) => {
      if (gated) await gate;
      return aad.fetcher(input, init);
    }) as typeof fetch;
    const opts = options();
    const first = await azureAccessToken(testEnv, opts, { fetcher: slow, now: () => now });
    now += 3599_000 - REFRESH_AHEAD_MS + 1000; // due for refresh, still valid
    gated = true;
    const refreshing = azureAccessToken(testEnv, opts, { fetcher: slow, now: () => now });
    const meanwhile = await Promise.all(Array.from({ length: 5 }, () => azureAccessToken(testEnv, opts, { fetcher: slow, now: () => now })));
    expect(meanwhile.every((t) => t.token === first.token)).toBe(true);
    release();
    expect((await refreshing).token).toBe('eyJ0eXAi.access-2');
    expect(aad.calls).toHaveLength(2);
  });

  it('keeps each connection and subject apart', async () => {
    const aad = fakeTokenEndpoint(TRUST);
    const base = `conn-${crypto.randomUUID()}`;
    await azureAccessToken(testEnv, options({ connectionId: `${base}/photos` }), { fetcher: aad.fetcher });
    await azureAccessToken(testEnv, options({ connectionId: `${base}/other`, subject: 'photos' }), { fetcher: aad.fetcher });
    expect(aad.calls).toHaveLength(2);
  });
});
