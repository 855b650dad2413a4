import { beforeEach, describe, expect, it } from 'vitest';
import { stsKeyring } from '../../src/sts/keys';
import { mintSessionCredentials, type SessionGrant, SessionTokenError } from '../../src/sts/session-credentials';
import { forgetVerifiedSessions, verifiedSession } from '../../src/sts/verified-sessions';

/**
 * The isolate's memory of verified session tokens (adrs/0026) must answer exactly as a fresh
 * verification would: the clock, the AccessKeyId and the keyring are asked again on every use.
 */
const MASTER_KEY = 'unit-master-key-0123456789abcdef0123456789abcdef';
const NOW = new Date('2026-05-01T12:00:00Z');
const EXPIRES = new Date(NOW.getTime() + 900_000);

const grant: SessionGrant = {
  roleId: 'AROAABCDEFGHIJKLMNOPQ',
  roleName: 'reader',
  account: '123456789012',
  sessionName: 'bench',
  subject: 'bench',
  issuer: 'https://issuer.example',
  ceiling: [{ effect: 'allow', actions: ['s3:GetObject'], resources: ['*'] }],
  templateClaims: {},
  issuedAt: NOW,
  expiresAt: EXPIRES,
};

async function reason(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SessionTokenError) return error.reason;
    throw error;
  }
  return 'accepted';
}

describe('verified session tokens kept in isolate memory', () => {
  beforeEach(() => forgetVerifiedSessions());

  it('answers a kept token with the claims and the secret of its first verification', async () => {
    const ring = await stsKeyring({ MASTER_KEY, STS_KEY_VERSIONS: '1' });
    const creds = await mintSessionCredentials(ring, grant);
    const first = await verifiedSession(ring, creds.sessionToken, creds.accessKeyId, NOW);
    const again = await verifiedSession(ring, creds.sessionToken, creds.accessKeyId, new Date(NOW.getTime() + 1_000));
    expect(first.secretAccessKey).toBe(creds.secretAccessKey);
    expect(again).toEqual(first);
  });

  it('refuses a kept token once it has expired, at the second jose would', async () => {
    const ring = await stsKeyring({ MASTER_KEY, STS_KEY_VERSIONS: '1' });
    const creds = await mintSessionCredentials(ring, grant);
    await verifiedSession(ring, creds.sessionToken, creds.accessKeyId, NOW);
    expect(await reason(verifiedSession(ring, creds.sessionToken, creds.accessKeyId, new Date(EXPIRES.getTime() - 1_000)))).toBe('accepted');
    expect(await reason(verifiedSession(ring, creds.sessionToken, creds.accessKeyId, new Date(EXPIRES.getTime() + 999)))).toBe('expired');
    // Forgotten once expired: a later call verifies afresh and is refused the same way.
    expect(await reason(verifiedSession(ring, creds.sessionToken, creds.accessKeyId, new Date(EXPIRES.getTime() + 60_000)))).toBe('expired');
  });

  it('refuses a kept token presented with another AccessKeyId', async () => {
    const ring = await stsKeyring({ MASTER_KEY, STS_KEY_VERSIONS: '1' });
    const a = await mintSessionCredentials(ring, grant);
    const b = await mintSessionCredentials(ring, grant);
    await verifiedSession(ring, a.sessionToken, a.accessKeyId, NOW);
    expect(await reason(verifiedSession(ring, a.sessionToken, b.accessKeyId, NOW))).toBe('access-key-mismatch');
  });

  it('verifies a kept token again under another keyring (a retired key version ends it)', async () => {
    const old = await stsKeyring({ MASTER_KEY, STS_KEY_VERSIONS: '1' });
    const creds = await mintSessionCredentials(old, grant);
    await verifiedSession(old, creds.sessionToken, creds.accessKeyId, NOW);
    const rotated = await stsKeyring({ MASTER_KEY, STS_KEY_VERSIONS: '2' });
    expect(await reason(verifiedSession(rotated, creds.sessionToken, creds.accessKeyId, NOW))).toBe('unknown-key-version');
  });
});
