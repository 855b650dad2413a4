import type { CredentialStore } from '../auth/identity';
import type { Principal } from '../auth/principal';
import type { Env } from '../env';
import { accessKeyCredentialStore } from '../registry/access-keys';
import { findIdpByIssuer } from '../registry/idps';
import { findRevocation } from '../registry/revocations';
import { findRoleById } from '../registry/roles';
import { S3Error } from '../core/s3-error';
import { stsKeyring } from './keys';
import { SessionTokenError } from './session-credentials';
import { fillTemplates } from './templates';
import { verifiedSession } from './verified-sessions';

/**
 * Session credentials as the SigV4 verifier sees them. The token is verified (signature by an
 * accepted key version, expiry, binding to this AccessKeyId), checked against the deny-list, and
 * the secret re-derived; the principal's permissions are the token's ceiling ∩ the role as it is
 * now (a deleted role leaves the second set empty, so nothing is allowed). The IdP that accepted
 * the web identity token must still exist, be enabled and be the same record (adrs/0009): a
 * disabled, deleted or deleted-and-re-created IdP ends its sessions, within the registry cache's
 * reach (adrs/0002).
 */
export async function resolveSession(env: Env, accessKeyId: string, sessionToken: string, now: Date): Promise<{ secretAccessKey: string; principal: Extract<Principal, { kind: 'session' }> }> {
  const keyring = await stsKeyring(env);
  const { claims, secretAccessKey } = await verifiedSession(keyring, sessionToken, accessKeyId, now);
  const [revocation, role, idp] = await Promise.all([
    findRevocation(env, { jti: claims.jti, roleId: claims.roleId, idpId: claims.idpId, issuer: claims.issuer, subject: claims.subject, issuedAt: claims.issuedAt }),
    findRoleById(env, claims.roleId),
    findIdpByIssuer(env, claims.issuer),
  ]);
  if (revocation) throw new SessionTokenError('revoked', 'The security token has been revoked');
  // Tokens minted before sessions named their IdP record (no `iid`) are held to the issuer alone.
  if (!idp || !idp.enabled || (claims.idpId !== undefined && claims.idpId !== idp.id)) {
    throw new SessionTokenError('revoked', 'The identity provider that issued the web identity token is disabled or deleted');
  }
  const roleNow = role ? fillTemplates(role.statements, claims.templateClaims) : [];
  return {
    secretAccessKey,
    principal: {
      kind: 'session',
      accessKeyId,
      displayName: `${claims.roleName}/${claims.sessionName}`,
      policies: [claims.ceiling, roleNow],
      session: {
        roleId: claims.roleId,
        roleName: claims.roleName,
        sessionName: claims.sessionName,
        account: claims.account,
        subject: claims.subject,
        issuer: claims.issuer,
        jti: claims.jti,
        expiresAt: claims.expiresAt,
      },
    },
  };
}

/** Session credentials for S3 requests: token problems are S3's InvalidToken / ExpiredToken. */
export function sessionCredentialStore(env: Env): CredentialStore {
  return {
    async lookup(accessKeyId, sessionToken) {
      if (!sessionToken) return null;
      try {
        return await resolveSession(env, accessKeyId, sessionToken, new Date());
      } catch (error) {
        if (!(error instanceof SessionTokenError)) throw error;
        if (error.reason === 'expired') throw new S3Error('ExpiredToken', 'The provided token has expired.');
        throw new S3Error('InvalidToken', error.reason === 'revoked' ? 'The provided token has been revoked.' : 'The provided token is malformed or otherwise invalid.');
      }
    },
  };
}

/** Every credential the gateway accepts: session credentials when a token comes along, static keys otherwise. */
export function credentialStore(env: Env): CredentialStore {
  const sessions = sessionCredentialStore(env);
  const staticKeys = accessKeyCredentialStore(env);
  return {
    lookup: (accessKeyId, sessionToken) => (sessionToken ? sessions.lookup(accessKeyId, sessionToken) : staticKeys.lookup(accessKeyId)),
  };
}
