import { SignJWT, type JWK } from 'jose';
import type { Env } from '../env';
import { randomBase32 } from '../core/ids';
import { type DerivedEs256Key, deriveEs256KeyFromMaster, parseKeyVersions } from './keys';

/**
 * The tokens the gateway mints about itself for outbound (keyless) federation: it presents one to
 * an upstream's STS (AWS, MinIO, Ceph, another bucketgate) in AssumeRoleWithWebIdentity and gets
 * short-lived upstream credentials back. `sub` is the virtual bucket the credentials serve, `aud`
 * the audience the upstream's IdP registration expects, `iss` the gateway's issuer URL.
 *
 * The signing key is its own HKDF subkey of MASTER_KEY (`federation-signing/v<v>`), not the
 * session-token key (adrs/0020): the two are rotated for different reasons, and a token of one
 * kind can never verify as the other, whatever the claim checks do.
 */

export const FEDERATION_TOKEN_TYPE = 'JWT';
/** Long enough for one exchange with clock skew; the token is used once, at once. */
export const FEDERATION_TOKEN_LIFETIME_SECONDS = 300;

export function federationKid(version: number): string {
  return `bucketgate-federation-v${version}`;
}

interface FederationKeyring {
  current: DerivedEs256Key & { kid: string };
  all: ReadonlyArray<DerivedEs256Key & { kid: string }>;
}

// Plain values, keyed by what they are derived from: safe to share across requests.
let cached: { masterKey: string; versions: string; keyring: FederationKeyring } | undefined;

export async function federationKeyring(env: Pick<Env, 'MASTER_KEY' | 'FEDERATION_KEY_VERSIONS'>): Promise<FederationKeyring> {
  const spec = env.FEDERATION_KEY_VERSIONS ?? '';
  if (cached && cached.masterKey === env.MASTER_KEY && cached.versions === spec) return cached.keyring;
  const versions = parseKeyVersions(spec, 'FEDERATION_KEY_VERSIONS');
  const all = await Promise.all(
    versions.map(async (v) => ({ kid: federationKid(v), ...(await deriveEs256KeyFromMaster(env.MASTER_KEY, `federation-signing/v${v}`, federationKid(v))) })),
  );
  const keyring: FederationKeyring = { current: all[all.length - 1]!, all };
  cached = { masterKey: env.MASTER_KEY, versions: spec, keyring };
  return keyring;
}

/** The public halves, published beside the session-token keys at /.well-known/jwks.json. */
export async function federationPublicJwks(env: Pick<Env, 'MASTER_KEY' | 'FEDERATION_KEY_VERSIONS'>): Promise<JWK[]> {
  return (await federationKeyring(env)).all.map((k) => k.publicJwk);
}

export interface FederationTokenClaims {
  /** The gateway's issuer URL (see issuer.ts): compared exactly by the upstream. */
  issuer: string;
  /** The virtual bucket the upstream credentials are for. */
  subject: string;
  /** What the upstream's IdP registration lists as client id / audience (`sts.amazonaws.com` on AWS). */
  audience: string;
  now?: Date;
  lifetimeSeconds?: number;
}

/** A signed ES256 JWT; a bearer credential for its few minutes of life, so never logged. */
export async function mintFederationToken(env: Pick<Env, 'MASTER_KEY' | 'FEDERATION_KEY_VERSIONS'>, claims: FederationTokenClaims): Promise<string> {
  const { current } = await federationKeyring(env);
  const iat = Math.floor((claims.now ?? new Date()).getTime() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', kid: current.kid, typ: FEDERATION_TOKEN_TYPE })
    .setIssuer(claims.issuer)
    .setSubject(claims.subject)
    .setAudience(claims.audience)
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(iat + (claims.lifetimeSeconds ?? FEDERATION_TOKEN_LIFETIME_SECONDS))
    .setJti(randomBase32(26))
    .sign(current.signingKey);
}
