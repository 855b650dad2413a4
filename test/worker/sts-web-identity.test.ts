import { env } from 'cloudflare:test';
import { base64url, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { admin } from './admin-client';
import { hashClientIp } from '../../src/sts/audit';
import { ACCOUNT, assumeRole, createRole, githubClaims, type Issuer, newIssuer, registerIdp, stsCall } from './helpers/sts';

/**
 * AssumeRoleWithWebIdentity's token checks, each answered with the AWS error code and no
 * credentials.
 */

let idp: Issuer;
let role: Record<string, any>;

beforeAll(async () => {
  idp = await newIssuer();
  await registerIdp(idp.issuer);
  role = await createRole(idp.issuer, [{ effect: 'allow', actions: ['s3:GetObject'], resources: ['x/*'] }], { maxSessionDuration: 7200 });
});

const now = () => Math.floor(Date.now() / 1000);

function replacePayload(token: string, edit: (p: Record<string, unknown>) => void): string {
  const [h, p, s] = token.split('.');
  const payload = JSON.parse(new TextDecoder().decode(base64url.decode(p!)));
  edit(payload);
  return `${h}.${base64url.encode(JSON.stringify(payload))}.${s}`;
}

async function refused(token: string, code: string, extra: Record<string, string> = {}, roleName = role.name): Promise<string> {
  const { answer, credentials } = await assumeRole(roleName, token, extra);
  expect(answer.code, answer.text).toBe(code);
  expect(credentials).toBeUndefined();
  expect(answer.text).not.toContain('<Credentials>');
  expect(answer.doc.ErrorResponse.Error.Type).toBe('Sender');
  expect(answer.doc.ErrorResponse.RequestId).toMatch(/^[0-9a-f-]{36}$/);
  return answer.doc.ErrorResponse.Error.Message as string;
}

async function accepted(token: string, extra: Record<string, string> = {}, roleName = role.name): Promise<void> {
  const { answer, credentials } = await assumeRole(roleName, token, extra);
  expect(answer.status, answer.text).toBe(200);
  expect(credentials?.accessKeyId).toMatch(/^ASIA/);
}

describe('signature algorithms', () => {
  it.each(['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'EdDSA'])('accepts %s', async (alg) => {
    await accepted(await idp.token(githubClaims(idp.issuer), { alg }));
  });

  it('refuses alg "none"', async () => {
    const [, payload] = (await idp.token(githubClaims(idp.issuer))).split('.');
    const none = `${base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${payload}.`;
    expect(await refused(none, 'InvalidIdentityToken')).toMatch(/unsupported algorithm/);
  });

  it('refuses HS256 signed with the public key (algorithm confusion)', async () => {
    const rsa = (await idp.jwks()).keys.find((k) => k.kty === 'RSA')!;
    for (const secret of [JSON.stringify(rsa), rsa.n!]) {
      const token = await new SignJWT(githubClaims(idp.issuer)).setProtectedHeader({ alg: 'HS256', kid: rsa.kid }).sign(new TextEncoder().encode(secret));
      await refused(token, 'InvalidIdentityToken');
    }
  });

  it('refuses a key of the wrong type for the algorithm', async () => {
    const ec = (await idp.jwks()).keys.find((k) => k.kty === 'EC' && k.crv === 'P-256')!;
    // Signed with the RSA key, but naming the EC key: the EC key can never verify an RS256 token.
    const token = await idp.token(githubClaims(idp.issuer), { alg: 'RS256', header: {} });
    const relabelled = `${base64url.encode(JSON.stringify({ alg: 'RS256', kid: ec.kid, typ: 'JWT' }))}.${token.split('.').slice(1).join('.')}`;
    await refused(relabelled, 'InvalidIdentityToken');
  });

  it('refuses a tampered payload', async () => {
    const token = replacePayload(await idp.token(githubClaims(idp.issuer, { repository: 'org/other' })), (p) => {
      p.repository = 'org/repo';
    });
    await refused(token, 'InvalidIdentityToken');
  });

  it('refuses an unknown kid after one refetch of the JWKS, and refetches at most once per interval', async () => {
    const own = await newIssuer();
    await registerIdp(own.issuer);
    const r = await createRole(own.issuer, [{ effect: 'allow', actions: ['s3:GetObject'], resources: ['x/*'] }]);
    await accepted(await own.token(githubClaims(own.issuer)), {}, r.name);
    const hidden = await own.addKey({ alg: 'RS256', publish: false });
    const before = await own.stats();
    await refused(await own.token(githubClaims(own.issuer), { kid: hidden }), 'InvalidIdentityToken', {}, r.name);
    await refused(await own.token(githubClaims(own.issuer), { kid: hidden }), 'InvalidIdentityToken', {}, r.name);
    const after = await own.stats();
    expect(after.jwks - before.jwks).toBe(1);
  });

  it('follows a key rotation at the IdP: a new kid triggers a refetch', async () => {
    const rotating = await newIssuer();
    await registerIdp(rotating.issuer);
    const r = await createRole(rotating.issuer, [{ effect: 'allow', actions: ['s3:GetObject'], resources: ['x/*'] }]);
    expect((await assumeRole(r.name, await rotating.token(githubClaims(rotating.issuer)))).answer.status).toBe(200);
    const kid = await rotating.addKey({ alg: 'ES256' });
    const { answer } = await assumeRole(r.name, await rotating.token(githubClaims(rotating.issuer), { alg: 'ES256', kid }));
    expect(answer.status, answer.text).toBe(200);
  });

  it('refuses what is not a signed JWT', async () => {
    await refused('not-a-token', 'InvalidIdentityToken');
    await refused('a.b.c.d.e', 'InvalidIdentityToken');
  });
});

describe('claims', () => {
  it('refuses a wrong audience', async () => {
    expect(await refused(await idp.token(githubClaims(idp.issuer, { aud: 'sts.amazonaws.com' })), 'InvalidIdentityToken')).toBe('Incorrect token audience');
  });

  it('refuses a token from an issuer with no registered provider', async () => {
    const stranger = await newIssuer();
    expect(await refused(await stranger.token(githubClaims(stranger.issuer)), 'InvalidIdentityToken')).toMatch(/No OpenIDConnect provider found/);
  });

  it('refuses a token whose iss is not the provider it was signed for', async () => {
    const other = await newIssuer();
    // Signed by another issuer's key, claiming our issuer: no key of ours matches.
    await refused(await other.token(githubClaims(idp.issuer)), 'InvalidIdentityToken');
  });

  it('refuses an expired token with ExpiredTokenException, allowing 60 s of skew', async () => {
    await refused(await idp.token(githubClaims(idp.issuer, { iat: now() - 900, nbf: now() - 900, exp: now() - 120 })), 'ExpiredTokenException');
    await accepted(await idp.token(githubClaims(idp.issuer, { iat: now() - 900, nbf: now() - 900, exp: now() - 30 })));
  });

  it('refuses nbf in the future, allowing 60 s of skew', async () => {
    expect(await refused(await idp.token(githubClaims(idp.issuer, { nbf: now() + 300 })), 'InvalidIdentityToken')).toMatch(/nbf/);
    await accepted(await idp.token(githubClaims(idp.issuer, { nbf: now() + 30 })));
  });

  it('refuses iat in the future and a token without exp or sub', async () => {
    await refused(await idp.token(githubClaims(idp.issuer, { iat: now() + 300 })), 'InvalidIdentityToken');
    await refused(await idp.token(githubClaims(idp.issuer, { exp: undefined })), 'InvalidIdentityToken');
    await refused(await idp.token(githubClaims(idp.issuer, { sub: undefined })), 'InvalidIdentityToken');
  });

  it('refuses a token whose claims do not meet the role trust, without revealing the constraints', async () => {
    for (const overrides of [{ repository: 'org/other' }, { ref: 'refs/heads/feature' }, { repository: undefined }]) {
      const message = await refused(await idp.token(githubClaims(idp.issuer, overrides)), 'AccessDenied');
      expect(message).toBe('Not authorized to perform sts:AssumeRoleWithWebIdentity');
    }
  });

  it('answers a role that does not exist like a trust that does not hold', async () => {
    const message = await refused(await idp.token(githubClaims(idp.issuer)), 'AccessDenied', {}, 'no-such-role');
    expect(message).toBe('Not authorized to perform sts:AssumeRoleWithWebIdentity');
  });

  it('refuses tokens of a disabled provider', async () => {
    const off = await newIssuer();
    const provider = await registerIdp(off.issuer);
    const r = await createRole(off.issuer, [{ effect: 'allow', actions: ['s3:GetObject'], resources: ['x/*'] }]);
    expect((await admin('PATCH', `/idps/${provider.id}`, { enabled: false })).status).toBe(200);
    await refused(await off.token(githubClaims(off.issuer)), 'InvalidIdentityToken', {}, r.name);
  });
});

describe('DurationSeconds', () => {
  it('defaults to an hour and may go up to the role maximum', async () => {
    const { credentials } = await assumeRole(role.name, await idp.token(githubClaims(idp.issuer)));
    expect(Date.parse(credentials!.expiration) - Date.now()).toBeGreaterThan(3590_000);
    await accepted(await idp.token(githubClaims(idp.issuer)), { DurationSeconds: '7200' });
  });

  it.each(['899', '43201'])('refuses %s with ValidationError', async (duration) => {
    await refused(await idp.token(githubClaims(idp.issuer)), 'ValidationError', { DurationSeconds: duration });
  });

  it('refuses more than the role maximum with ValidationError', async () => {
    expect(await refused(await idp.token(githubClaims(idp.issuer)), 'ValidationError', { DurationSeconds: '7201' })).toMatch(/MaxSessionDuration/);
  });
});

describe('audit of refusals', () => {
  it('counts refused calls per client, minute and code, with the particulars of the latest (adrs/0014)', async () => {
    const subject = `repo:org/repo:ref:refs/heads/audit-${crypto.randomUUID()}`;
    const ip = `192.0.2.${crypto.randomUUID().slice(0, 8)}`;
    const call = async (token: string) =>
      stsCall(
        { Action: 'AssumeRoleWithWebIdentity', RoleArn: `arn:aws:iam::${ACCOUNT}:role/${role.name}`, RoleSessionName: 'ci-run', WebIdentityToken: token },
        { headers: { 'cf-connecting-ip': ip } },
      );
    expect((await call(await idp.token(githubClaims(idp.issuer, { sub: subject, aud: 'wrong' })))).code).toBe('InvalidIdentityToken');
    expect((await call(await idp.token(githubClaims(idp.issuer, { sub: subject, ref: 'refs/heads/x' })))).code).toBe('AccessDenied');
    const hash = await hashClientIp(env, ip, new Date());
    let rows: Record<string, any>[] = [];
    for (let i = 0; i < 50 && rows.length < 2; i++) {
      ({ results: rows } = await env.DB.prepare('SELECT code, count, last_detail FROM sts_failures WHERE client_hash = ? ORDER BY code').bind(hash).all<Record<string, any>>());
      if (rows.length < 2) await new Promise((r) => setTimeout(r, 20));
    }
    expect(rows.map((r) => [r.code, r.count])).toEqual([['AccessDenied', 1], ['InvalidIdentityToken', 1]]);
    // The wrong-audience token never verified, so its subject is unknown; the trust failure is recorded under it.
    expect(JSON.parse(rows[0]!.last_detail)).toMatchObject({
      target: role.name,
      actor: `${idp.issuer}#${subject}`,
      subject,
      reason: 'Not authorized to perform sts:AssumeRoleWithWebIdentity',
    });
    expect(JSON.parse(rows[1]!.last_detail).subject).toBeUndefined();
  });
});
