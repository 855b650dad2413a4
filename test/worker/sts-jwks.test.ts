import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { createIdp } from '../../src/registry/idps';
import { RegistryValidationError } from '../../src/registry/errors';
import { StsError } from '../../src/sts/errors';
import { forgetIsolateJwks, idpJwks } from '../../src/sts/jwks';
import { assumeRole, createRole, githubClaims, newIssuer, registerIdp } from './helpers/sts';

/** Discovery and JWKS caching against the local issuer: tiers, staleness, limits, failures. */

const HOUR = 3600_000;

function options(now = new Date()) {
  const background: Promise<unknown>[] = [];
  return { now, waitUntil: (p: Promise<unknown>) => void background.push(p), settled: () => Promise.allSettled(background) };
}

async function communicationError(promise: Promise<unknown>): Promise<void> {
  await expect(promise).rejects.toSatisfy((e) => e instanceof StsError && e.code === 'IDPCommunicationError');
}

describe('idpJwks', () => {
  it('discovers the JWKS and serves it from isolate memory, then from KV', async () => {
    const idp = await newIssuer();
    const source = { issuer: idp.issuer, jwksUri: null };
    const first = await idpJwks(env, source, options());
    expect(await idp.stats()).toEqual({ discovery: 1, jwks: 1 });

    await idpJwks(env, source, options());
    forgetIsolateJwks();
    expect(await idpJwks(env, source, options())).toEqual(first);
    expect(await idp.stats()).toEqual({ discovery: 1, jwks: 1 });
    expect(first.keys.map((k) => k.kid)).toEqual((await idp.jwks()).keys.map((k) => k.kid));
  });

  it('uses the JWKS URI override without discovery', async () => {
    const idp = await newIssuer();
    await idpJwks(env, { issuer: idp.issuer, jwksUri: `${idp.issuer}/jwks` }, options());
    expect(await idp.stats()).toEqual({ discovery: 0, jwks: 1 });
  });

  it('serves a stale set while the IdP is down and refreshes in the background', async () => {
    const idp = await newIssuer();
    const source = { issuer: idp.issuer, jwksUri: null };
    const cached = await idpJwks(env, source, options());
    await idp.setMode('down');
    const later = options(new Date(Date.now() + 2 * HOUR));
    expect(await idpJwks(env, source, later)).toEqual(cached);
    await later.settled();
    expect((await idp.stats()).discovery).toBe(2); // the background refresh tried, and failed quietly

    await idp.setMode('ok');
    const recovered = options(new Date(Date.now() + 2 * HOUR));
    await idpJwks(env, source, recovered);
    await recovered.settled();
    expect((await idp.stats()).jwks).toBe(2);
  });

  it('gives up on a set older than a day when the IdP is down', async () => {
    const idp = await newIssuer();
    const source = { issuer: idp.issuer, jwksUri: null };
    await idpJwks(env, source, options());
    await idp.setMode('down');
    await communicationError(idpJwks(env, source, options(new Date(Date.now() + 25 * HOUR))));
  });

  it('times out after 3 s', async () => {
    const idp = await newIssuer();
    await idp.setMode('slow');
    const started = Date.now();
    await communicationError(idpJwks(env, { issuer: idp.issuer, jwksUri: null }, options()));
    expect(Date.now() - started).toBeGreaterThanOrEqual(2900);
    expect(Date.now() - started).toBeLessThan(4900);
  });

  it('refuses an oversized JWKS and a discovery document naming another issuer', async () => {
    const huge = await newIssuer();
    await huge.setMode('huge');
    await communicationError(idpJwks(env, { issuer: huge.issuer, jwksUri: null }, options()));
    const impostor = await newIssuer();
    await impostor.setMode('wrong-issuer');
    await communicationError(idpJwks(env, { issuer: impostor.issuer, jwksUri: null }, options()));
    expect((await impostor.stats()).jwks).toBe(0);
  });

  it('refuses http issuers unless ALLOW_INSECURE_ISSUERS is set', async () => {
    const idp = await newIssuer();
    const strict = { ...env, ALLOW_INSECURE_ISSUERS: undefined };
    await communicationError(idpJwks(strict, { issuer: idp.issuer, jwksUri: null }, options()));
    expect(await idp.stats()).toEqual({ discovery: 0, jwks: 0 });
    await expect(createIdp(strict, { issuer: idp.issuer, audiences: ['a'] }, 'test')).rejects.toSatisfy(
      (e) => e instanceof RegistryValidationError && 'issuer' in e.fields,
    );
    await expect(createIdp(env, { issuer: 'http://idp.example.com', audiences: ['a'] }, 'test')).rejects.toBeInstanceOf(RegistryValidationError);
  });
});

describe('AssumeRoleWithWebIdentity when the IdP cannot be reached', () => {
  it('answers IDPCommunicationError', async () => {
    const idp = await newIssuer();
    await registerIdp(idp.issuer);
    const role = await createRole(idp.issuer, [{ effect: 'allow', actions: ['s3:GetObject'], resources: ['x/*'] }]);
    await idp.setMode('down');
    const { answer, credentials } = await assumeRole(role.name, await idp.token(githubClaims(idp.issuer)));
    expect(answer.code, answer.text).toBe('IDPCommunicationError');
    expect(answer.status).toBe(400);
    expect(credentials).toBeUndefined();
  });
});
