import { beforeAll, describe, expect, it } from 'vitest';
import { forgetIsolateJwks } from '../../src/sts/jwks';
import { assumeRole, createRole, githubClaims, type Issuer, newIssuer, registerIdp } from './helpers/sts';

/**
 * Issue 7 item 10b: an IdP fetch that fails at the connection level ("Network connection lost")
 * is retried once, and does not arm the forced-refetch back-off. The local issuer drops the
 * connection of the next N discovery/JWKS requests (test/oidc/issuer.ts, POST /drop).
 */

beforeAll(() => forgetIsolateJwks());

async function issuerWithRole(): Promise<{ idp: Issuer; role: string }> {
  const idp = await newIssuer();
  await registerIdp(idp.issuer);
  const role = await createRole(idp.issuer, [{ effect: 'allow', actions: ['s3:GetObject'], resources: ['x/*'] }]);
  return { idp, role: role.name };
}

describe('IdP fetches that lose their connection', () => {
  it('are retried once: the exchange succeeds when the first discovery connection drops', async () => {
    const { idp, role } = await issuerWithRole();
    await idp.dropConnections(1);
    const { answer, credentials } = await assumeRole(role, await idp.token(githubClaims(idp.issuer)));
    expect(answer.status, answer.text).toBe(200);
    expect(credentials?.accessKeyId).toMatch(/^ASIA/);
    expect(await idp.stats()).toEqual({ discovery: 2, jwks: 1 }); // the dropped one and its retry
  });

  it('are retried only once, then answer IDPCommunicationError', async () => {
    const { idp, role } = await issuerWithRole();
    await idp.dropConnections(3);
    const { answer, credentials } = await assumeRole(role, await idp.token(githubClaims(idp.issuer)));
    expect(answer.code, answer.text).toBe('IDPCommunicationError');
    expect(answer.status).toBe(400);
    expect(credentials).toBeUndefined();
    expect(await idp.stats()).toEqual({ discovery: 2, jwks: 0 });
  });

  it('do not arm the forced-refetch back-off: a rotated key is picked up as soon as the IdP answers', async () => {
    const { idp, role } = await issuerWithRole();
    expect((await assumeRole(role, await idp.token(githubClaims(idp.issuer)))).answer.status).toBe(200); // JWKS cached
    const kid = await idp.addKey({ alg: 'ES256' }); // rotation: the cached set lacks it

    await idp.dropConnections(2); // the forced refetch and its retry both lose their connection
    const lost = await assumeRole(role, await idp.token(githubClaims(idp.issuer), { alg: 'ES256', kid }));
    expect(lost.answer.code, lost.answer.text).toBe('IDPCommunicationError');

    // Well within FORCED_REFETCH_INTERVAL_MS (10 s): the failed refetch must not block this one.
    const { answer, credentials } = await assumeRole(role, await idp.token(githubClaims(idp.issuer), { alg: 'ES256', kid }));
    expect(answer.status, answer.text).toBe(200);
    expect(credentials).toBeDefined();
  });
});
