import { errors as joseErrors, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { PolicyStatement } from '../registry/schemas';
import { z } from 'zod';
import { randomBase32 } from '../core/ids';
import { MAX_KEY_VERSION, type StsKeyring, type StsKeyVersion } from './keys';

/**
 * Session credentials, stateless: nothing is stored per session.
 *
 *   AccessKeyId     = "ASIA" + key version (2 base-36 digits) + 14 random base-32 characters
 *   SecretAccessKey = base64(HMAC-SHA256(STS secret[version], AccessKeyId))
 *   SessionToken    = ES256 JWT (kid = version) binding the AccessKeyId to the role, subject,
 *                     issuer, session name and permissions ceiling, with jti and exp.
 *
 * A request signed with session credentials is checked by verifying the token, re-deriving the
 * secret from the AccessKeyId the token names, and then verifying SigV4 with that secret.
 */

export const SESSION_TOKEN_ISSUER = 'urn:bucketgate:sts';
export const SESSION_TOKEN_AUDIENCE = 'urn:bucketgate:s3';
const SESSION_TOKEN_TYPE = 'bucketgate-session+jwt';

const ACCESS_KEY_ID = /^ASIA([0-9A-Z]{2})[A-Z2-7]{14}$/;

/** What a session token asserts, as the rest of the gateway reads it. */
export interface SessionClaims {
  accessKeyId: string;
  /** The key version that signed the token and whose HMAC secret the SecretAccessKey came from. */
  keyVersion: number;
  jti: string;
  roleId: string;
  roleName: string;
  account: string;
  sessionName: string;
  /** `sub` and `iss` of the web identity token the session was minted from. */
  subject: string;
  issuer: string;
  /**
   * The id of the IdP record that accepted the web identity token: the session lives only while
   * that record exists and is enabled, so re-creating an IdP for the same issuer revives nothing.
   * Undefined for tokens minted before the claim existed (they are checked by issuer only).
   */
  idpId?: string | undefined;
  /** The role's statements when minted, with `${claim}` templates already filled in. */
  ceiling: PolicyStatement[];
  /** Token claims the role's templates may name, kept to fill them in as the role is now. */
  templateClaims: Record<string, string>;
  issuedAt: Date;
  expiresAt: Date;
}

export type SessionGrant = Omit<SessionClaims, 'accessKeyId' | 'keyVersion' | 'jti'>;

export interface SessionCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
  claims: SessionClaims;
}

/** Why a session token is refused. Callers answer it in their dialect (S3 InvalidToken/ExpiredToken, STS ...). */
export class SessionTokenError extends Error {
  override readonly name = 'SessionTokenError';
  constructor(
    readonly reason: 'malformed' | 'expired' | 'unknown-key-version' | 'revoked' | 'access-key-mismatch',
    message: string,
  ) {
    super(message);
  }
}

const TokenPayload = z.object({
  jti: z.string().min(16).max(64),
  sub: z.string().min(1),
  iat: z.number().int(),
  exp: z.number().int(),
  akid: z.string().regex(ACCESS_KEY_ID),
  rid: z.string().min(1),
  role: z.string().min(1),
  acct: z.string(),
  sn: z.string().min(1),
  idp: z.string().min(1),
  iid: z.string().min(1).max(64).optional(),
  ceil: z.array(PolicyStatement),
  ctx: z.record(z.string(), z.string()),
});

export async function mintSessionCredentials(keyring: StsKeyring, grant: SessionGrant): Promise<SessionCredentials> {
  const key = keyring.current;
  const accessKeyId = newAccessKeyId(key.version);
  const jti = randomBase32(26);
  const payload = {
    akid: accessKeyId,
    rid: grant.roleId,
    role: grant.roleName,
    acct: grant.account,
    sn: grant.sessionName,
    idp: grant.issuer,
    ...(grant.idpId === undefined ? {} : { iid: grant.idpId }),
    ceil: grant.ceiling,
    ctx: grant.templateClaims,
  } satisfies JWTPayload;
  const sessionToken = await new SignJWT(payload)
    .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: SESSION_TOKEN_TYPE })
    .setIssuer(SESSION_TOKEN_ISSUER)
    .setAudience(SESSION_TOKEN_AUDIENCE)
    .setSubject(grant.subject)
    .setJti(jti)
    .setIssuedAt(Math.floor(grant.issuedAt.getTime() / 1000))
    .setExpirationTime(Math.floor(grant.expiresAt.getTime() / 1000))
    .sign(key.signingKey);
  return {
    accessKeyId,
    secretAccessKey: await sessionSecret(key, accessKeyId),
    sessionToken,
    expiration: grant.expiresAt,
    claims: { ...grant, accessKeyId, keyVersion: key.version, jti },
  };
}

/**
 * Verifies a session token (signature by an accepted key version, type, issuer, audience,
 * expiry) and that it was minted for `accessKeyId`. Throws SessionTokenError.
 */
export async function verifySessionToken(keyring: StsKeyring, token: string, accessKeyId: string, now: Date): Promise<SessionClaims> {
  let verified: JWTPayload;
  try {
    const result = await jwtVerify(token, async (header) => keyForKid(keyring, header.kid), {
      algorithms: ['ES256'],
      typ: SESSION_TOKEN_TYPE,
      issuer: SESSION_TOKEN_ISSUER,
      audience: SESSION_TOKEN_AUDIENCE,
      currentDate: now,
      requiredClaims: ['exp', 'iat', 'jti', 'sub'],
    });
    verified = result.payload;
  } catch (error) {
    if (error instanceof SessionTokenError) throw error;
    if (error instanceof joseErrors.JWTExpired) throw new SessionTokenError('expired', 'The security token included in the request is expired');
    throw new SessionTokenError('malformed', 'The security token included in the request is invalid');
  }
  const parsed = TokenPayload.safeParse(verified);
  if (!parsed.success) throw new SessionTokenError('malformed', 'The security token included in the request is invalid');
  const p = parsed.data;
  if (p.akid !== accessKeyId) {
    throw new SessionTokenError('access-key-mismatch', 'The security token was not issued for this access key');
  }
  return {
    accessKeyId: p.akid,
    keyVersion: keyVersionOf(p.akid)!,
    jti: p.jti,
    roleId: p.rid,
    roleName: p.role,
    account: p.acct,
    sessionName: p.sn,
    subject: p.sub,
    issuer: p.idp,
    idpId: p.iid,
    ceiling: p.ceil,
    templateClaims: p.ctx,
    issuedAt: new Date(p.iat * 1000),
    expiresAt: new Date(p.exp * 1000),
  };
}

/** The SecretAccessKey of a session AccessKeyId, or null when its key version is not accepted. */
export async function deriveSessionSecret(keyring: StsKeyring, accessKeyId: string): Promise<string | null> {
  const version = keyVersionOf(accessKeyId);
  const key = version === null ? undefined : keyring.byVersion.get(version);
  return key ? sessionSecret(key, accessKeyId) : null;
}

/** The key version an AccessKeyId was minted under; null when it is not a session AccessKeyId. */
export function keyVersionOf(accessKeyId: string): number | null {
  const m = ACCESS_KEY_ID.exec(accessKeyId);
  if (!m) return null;
  const version = parseInt(m[1]!, 36);
  return version >= 1 && version <= MAX_KEY_VERSION ? version : null;
}

export function isSessionAccessKeyId(accessKeyId: string): boolean {
  return keyVersionOf(accessKeyId) !== null;
}

function keyForKid(keyring: StsKeyring, kid: string | undefined): CryptoKey {
  for (const key of keyring.byVersion.values()) if (key.kid === kid) return key.verifyKey;
  throw new SessionTokenError('unknown-key-version', 'The security token was signed by a key version that is not accepted');
}

async function sessionSecret(key: StsKeyVersion, accessKeyId: string): Promise<string> {
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key.hmacKey, new TextEncoder().encode(accessKeyId)));
  let binary = '';
  for (const b of mac) binary += String.fromCharCode(b);
  return btoa(binary).replace(/=+$/, '');
}

function newAccessKeyId(version: number): string {
  return `ASIA${version.toString(36).toUpperCase().padStart(2, '0')}${randomBase32(14)}`;
}

