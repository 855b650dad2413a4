import { base64url, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { stsKeyring } from '../../src/sts/keys';
import {
  deriveSessionSecret,
  keyVersionOf,
  mintSessionCredentials,
  type SessionGrant,
  SessionTokenError,
  verifySessionToken,
} from '../../src/sts/session-credentials';

const MASTER_KEY = 'unit-master-key-0123456789abcdef0123456789abcdef';
const NOW = new Date('2026-05-01T12:00:00Z');

function grant(overrides: Partial<SessionGrant> = {}): SessionGrant {
  return {
    roleId: 'AROAABCDEFGHIJKLMNOPQ',
    roleName: 'ci-deploy',
    account: '123456789012',
    sessionName: 'run-42',
    subject: 'repo:org/repo:ref:refs/heads/main',
    issuer: 'https://token.actions.githubusercontent.com',
    ceiling: [{ effect: 'allow', actions: ['s3:GetObject'], resources: ['ci/org/repo/*'] }],
    templateClaims: { repository: 'org/repo' },
    issuedAt: NOW,
    expiresAt: new Date(NOW.getTime() + 3600_000),
    ...overrides,
  };
}

async function rejection(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SessionTokenError) return error.reason;
    throw error;
  }
  throw new Error('expected a SessionTokenError');
}

/** Replaces the token's payload, keeping header and signature. */
function withPayload(token: string, edit: (p: Record<string, unknown>) => void): string {
  const [h, p, s] = token.split('.');
  const payload = JSON.parse(new TextDecoder().decode(base64url.decode(p!)));
  edit(payload);
  return `${h}.${base64url.encode(JSON.stringify(payload))}.${s}`;
}

describe('session credentials', () => {
  it('round-trips: the token verifies for its AccessKeyId and the secret re-derives', async () => {
    const ring = await stsKeyring({ MASTER_KEY, STS_KEY_VERSIONS: '1,2' });
    const creds = await mintSessionCredentials(ring, grant());
    expect(creds.accessKeyId).toMatch(/^ASIA02[A-Z2-7]{14}$/);
    expect(keyVersionOf(creds.accessKeyId)).toBe(2);
    expect(creds.secretAccessKey).toMatch(/^[A-Za-z0-9+/]{43}$/);
    expect(await deriveSessionSecret(ring, creds.accessKeyId)).toBe(creds.secretAccessKey);

    const claims = await verifySessionToken(ring, creds.sessionToken, creds.accessKeyId, new Date(NOW.getTime() + 60_000));
    expect(claims).toMatchObject({
      accessKeyId: creds.accessKeyId,
      keyVersion: 2,
      roleId: 'AROAABCDEFGHIJKLMNOPQ',
      roleName: 'ci-deploy',
      sessionName: 'run-42',
      subject: 'repo:org/repo:ref:refs/heads/main',
      ceiling: grant().ceiling,
      templateClaims: { repository: 'org/repo' },
    });
    expect(claims.jti).toMatch(/^[A-Z2-7]{26}$/);
    expect(claims.expiresAt.toISOString()).toBe('2026-05-01T13:00:00.000Z');
  });

  it('secret is HMAC-SHA256 of the AccessKeyId: another id gives another secret', async () => {
    const ring = await stsKeyring({ MASTER_KEY, STS_KEY_VERSIONS: '1' });
    const a = await mintSessionCredentials(ring, grant());
    const b = await mintSessionCredentials(ring, grant());
    expect(a.accessKeyId).not.toBe(b.accessKeyId);
    expect(a.secretAccessKey).not.toBe(b.secretAccessKey);
    const expected = await crypto.subtle.sign('HMAC', ring.current.hmacKey, new TextEncoder().encode(a.accessKeyId));
    expect(a.secretAccessKey).toBe(btoa(String.fromCharCode(...new Uint8Array(expected))).replace(/=+$/, ''));
  });

  it('refuses a token presented with another AccessKeyId', async () => {
    const ring = await stsKeyring({ MASTER_KEY, STS_KEY_VERSIONS: '1' });
    const a = await mintSessionCredentials(ring, grant());
    const b = await mintSessionCredentials(ring, grant());
    expect(await rejection(verifySessionToken(ring, a.sessionToken, b.accessKeyId, NOW))).toBe('access-key-mismatch');
  });

  it('refuses an expired token', async () => {
    const ring = await stsKeyring({ MASTER_KEY, STS_KEY_VERSIONS: '1' });
    const c = await mintSessionCredentials(ring, grant());
    expect(await rejection(verifySessionToken(ring, c.sessionToken, c.accessKeyId, new Date(NOW.getTime() + 3601_000)))).toBe('expired');
  });

  it('refuses a tampered payload (a wider ceiling)', async () => {
    const ring = await stsKeyring({ MASTER_KEY, STS_KEY_VERSIONS: '1' });
    const c = await mintSessionCredentials(ring, grant());
    const tampered = withPayload(c.sessionToken, (p) => {
      p.ceil = [{ effect: 'allow', actions: ['s3:*'], resources: ['*'] }];
    });
    expect(await rejection(verifySessionToken(ring, tampered, c.accessKeyId, NOW))).toBe('malformed');
  });

  it('refuses a token from a retired or unknown key version', async () => {
    const both = await stsKeyring({ MASTER_KEY, STS_KEY_VERSIONS: '1,2' });
    const onlyOne = await stsKeyring({ MASTER_KEY, STS_KEY_VERSIONS: '1' });
    const c = await mintSessionCredentials(both, grant()); // minted by v2
    expect(await rejection(verifySessionToken(onlyOne, c.sessionToken, c.accessKeyId, NOW))).toBe('unknown-key-version');
    expect(await deriveSessionSecret(onlyOne, c.accessKeyId)).toBeNull();
  });

  it('keeps old sessions valid after a rotation adds a version', async () => {
    const before = await stsKeyring({ MASTER_KEY, STS_KEY_VERSIONS: '1' });
    const after = await stsKeyring({ MASTER_KEY, STS_KEY_VERSIONS: '1,2' });
    const old = await mintSessionCredentials(before, grant());
    const claims = await verifySessionToken(after, old.sessionToken, old.accessKeyId, NOW);
    expect(claims.keyVersion).toBe(1);
    expect(await deriveSessionSecret(after, old.accessKeyId)).toBe(old.secretAccessKey);
    expect((await mintSessionCredentials(after, grant())).accessKeyId.slice(0, 6)).toBe('ASIA02');
  });

  it('refuses tokens signed under another MASTER_KEY, with alg none, or with an HMAC', async () => {
    const ring = await stsKeyring({ MASTER_KEY, STS_KEY_VERSIONS: '1' });
    const foreign = await mintSessionCredentials(await stsKeyring({ MASTER_KEY: MASTER_KEY + '!', STS_KEY_VERSIONS: '1' }), grant());
    expect(await rejection(verifySessionToken(ring, foreign.sessionToken, foreign.accessKeyId, NOW))).toBe('malformed');

    const genuine = await mintSessionCredentials(ring, grant());
    const [, payload] = genuine.sessionToken.split('.');
    const none = `${base64url.encode(JSON.stringify({ alg: 'none', kid: ring.current.kid, typ: 'bucketgate-session+jwt' }))}.${payload}.`;
    expect(await rejection(verifySessionToken(ring, none, genuine.accessKeyId, NOW))).toBe('malformed');

    const hs = await new SignJWT(JSON.parse(new TextDecoder().decode(base64url.decode(payload!))))
      .setProtectedHeader({ alg: 'HS256', kid: ring.current.kid, typ: 'bucketgate-session+jwt' })
      .sign(new TextEncoder().encode(JSON.stringify(ring.current.publicJwk)));
    expect(await rejection(verifySessionToken(ring, hs, genuine.accessKeyId, NOW))).toBe('malformed');
  });

  it('reads no key version from ids that are not session ids', () => {
    expect(keyVersionOf('AKIAIOSFODNN7EXAMPLE')).toBeNull();
    expect(keyVersionOf('ASIA00AAAAAAAAAAAAAA')).toBeNull();
    expect(keyVersionOf('ASIA01AAAAAAAAAAAAA')).toBeNull();
    expect(keyVersionOf('ASIA01AAAAAAAAAAAAAA')).toBe(1);
  });
});
