import type { StsKeyring } from './keys';
import { deriveSessionSecret, type SessionClaims, SessionTokenError, verifySessionToken } from './session-credentials';

/**
 * Session tokens already verified by this isolate, with the secret derived for them (adrs/0026).
 * Verifying a token is an ES256 signature check, a zod parse and an HMAC: about the cost of the
 * rest of a GET together, for a result that depends only on the token, the keyring and the clock.
 * So the result is kept per token (for the keyring it was verified under) and only the clock is
 * asked again: a kept token past its `exp` is expired exactly as jose would find it. Revocation,
 * the role and the IdP are not cached here: the caller checks them on every request through the
 * registry cache (adrs/0002, 0009), so revoking a session works as before.
 *
 * Entries are plain values (never in-flight promises, which workerd forbids sharing across
 * requests); the map is bounded and forgets its oldest entries first.
 */
const MAX_ENTRIES = 1000;

interface VerifiedSession {
  keyring: StsKeyring;
  claims: SessionClaims;
  secretAccessKey: string;
}

const verified = new Map<string, VerifiedSession>();

export async function verifiedSession(
  keyring: StsKeyring,
  token: string,
  accessKeyId: string,
  now: Date,
): Promise<{ claims: SessionClaims; secretAccessKey: string }> {
  const hit = verified.get(token);
  if (hit && hit.keyring === keyring && hit.claims.accessKeyId === accessKeyId) {
    // jose's rule: expired when exp <= now, in whole seconds.
    if (hit.claims.expiresAt.getTime() <= Math.floor(now.getTime() / 1000) * 1000) {
      verified.delete(token);
      throw new SessionTokenError('expired', 'The security token included in the request is expired');
    }
    return { claims: hit.claims, secretAccessKey: hit.secretAccessKey };
  }
  const claims = await verifySessionToken(keyring, token, accessKeyId, now);
  const secretAccessKey = await deriveSessionSecret(keyring, accessKeyId);
  if (secretAccessKey === null) throw new SessionTokenError('unknown-key-version', 'The access key was minted under a key version that is not accepted');
  if (verified.size >= MAX_ENTRIES) verified.delete(verified.keys().next().value!);
  verified.set(token, { keyring, claims, secretAccessKey });
  return { claims, secretAccessKey };
}

/** For tests: forget every verified token (what a fresh isolate sees). */
export function forgetVerifiedSessions(): void {
  verified.clear();
}
