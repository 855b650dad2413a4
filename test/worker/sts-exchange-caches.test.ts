import { env } from 'cloudflare:test';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { hashClientIp } from '../../src/sts/audit';
import { forgetIsolateJwks } from '../../src/sts/jwks';
import { verifyWebIdentityToken } from '../../src/sts/web-identity';
import { githubClaims, newIssuer, registerIdp } from './helpers/sts';

/**
 * What the STS exchange no longer redoes per call (adrs/0014, "The exchange's hot path"): the IdP's
 * public key is imported once per cached key set, and a client address is hashed once per month's
 * key. Counted at WebCrypto, so each test fails on code that redoes the work per call.
 */

function options() {
  return { now: new Date(), waitUntil: (_p: Promise<unknown>) => undefined };
}

afterEach(() => vi.restoreAllMocks());

describe('STS exchange caches', () => {
  it("imports an IdP's public key once while its key set stays cached, not once per token", async () => {
    const idp = await newIssuer();
    await registerIdp(idp.issuer);
    const [published] = (await idp.jwks()).keys;
    const tokens = await Promise.all([1, 2, 3, 4].map(() => idp.token(githubClaims(idp.issuer))));
    forgetIsolateJwks();

    const importKey = vi.spyOn(crypto.subtle, 'importKey');
    const subjects: string[] = [];
    for (const token of tokens) subjects.push((await verifyWebIdentityToken(env, token, options())).subject);

    expect(subjects).toEqual(tokens.map(() => 'repo:org/repo:ref:refs/heads/main'));
    const importsOfIdpKey = importKey.mock.calls.filter(([format, keyData]) => format === 'jwk' && (keyData as JsonWebKey).n === published!.n);
    expect(importsOfIdpKey).toHaveLength(1);
  });

  it('imports the new key after the IdP rotates (a refreshed set brings its own keys)', async () => {
    const idp = await newIssuer();
    await registerIdp(idp.issuer);
    forgetIsolateJwks();
    await verifyWebIdentityToken(env, await idp.token(githubClaims(idp.issuer)), options());

    const kid = await idp.addKey({ alg: 'RS256' });
    const rotated = await idp.token(githubClaims(idp.issuer), { kid });
    // An unknown kid forces one refetch; the new set's key verifies the token.
    expect((await verifyWebIdentityToken(env, rotated, options())).subject).toBe('repo:org/repo:ref:refs/heads/main');
  });

  it("hashes a client address once per month's key; another month gives another hash", async () => {
    const sign = vi.spyOn(crypto.subtle, 'sign');
    const ip = `198.51.100.${Math.floor(Math.random() * 200) + 1}`;
    const now = new Date('2026-11-15T12:00:00Z');
    const first = await hashClientIp(env, ip, now);
    const second = await hashClientIp(env, ip, now);
    expect(second).toBe(first);
    expect(first).toMatch(/^[0-9a-f]{32}$/);
    expect(sign.mock.calls.filter(([algorithm]) => algorithm === 'HMAC')).toHaveLength(1);

    const nextMonth = await hashClientIp(env, ip, new Date('2026-12-01T00:00:00Z'));
    expect(nextMonth).not.toBe(first);
    // Back to November: its key (and its hashes) are derived afresh, and agree with the first.
    expect(await hashClientIp(env, ip, now)).toBe(first);
  });
});
