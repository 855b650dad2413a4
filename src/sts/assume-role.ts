import type { Env } from '../env';
import { findRevocation } from '../registry/revocations';
import { findRoleByName } from '../registry/roles';
import { parseAssumeRoleInput, type AssumeRoleInput, DEFAULT_DURATION_SECONDS } from './assume-role-input';
import { StsError } from './errors';
import type { StsTrace } from './handler';
import type { JwksOptions } from './jwks';
import { stsKeyring } from './keys';
import { stsTimestamp } from './protocol';
import { mintSessionCredentials } from './session-credentials';
import { fillTemplates, templateClaimsFor } from './templates';
import { isTrusted } from './trust';
import { verifyWebIdentityToken, type WebIdentity } from './web-identity';

const NOT_AUTHORIZED = 'Not authorized to perform sts:AssumeRoleWithWebIdentity';

/**
 * AssumeRoleWithWebIdentity: token first (so nothing about roles is revealed to a caller without
 * a valid token), then the role's trust, then the duration against the role's maximum. A role
 * that does not exist and a trust that does not hold get the same answer.
 */
export async function assumeRoleWithWebIdentity(
  env: Env,
  params: URLSearchParams,
  options: JwksOptions,
  trace: StsTrace,
): Promise<Record<string, unknown>> {
  const input = parseAssumeRoleInput(params);
  trace.role = input.roleName;
  trace.sessionName = input.roleSessionName;

  const identity = await verifyWebIdentityToken(env, input.webIdentityToken, options);
  trace.issuer = identity.issuer;
  trace.subject = identity.subject;

  // Two independent reads, in parallel: the deny-list (KV, read on every exchange: a revocation
  // applies at once where it was written) and the role (isolate memory within the registry TTL).
  // Both come after the token verified, so a caller without a valid token learns nothing of roles
  // and cannot make the gateway look names up; the revocation still wins over any role answer.
  const [revoked, role] = await Promise.all([
    findRevocation(env, { issuer: identity.issuer, subject: identity.subject, issuedAt: identity.issuedAt }),
    findRoleByName(env, input.roleName),
  ]);
  if (revoked) throw new StsError('IDPRejectedClaim', 'The web identity token was issued before its subject was revoked.');

  if (!role || !isTrusted(role.trust, identity.issuer, identity.audiences, identity.claims)) {
    throw new StsError('AccessDenied', NOT_AUTHORIZED);
  }
  const durationSeconds = sessionDuration(input, role.maxSessionDuration);

  const templateClaims = templateClaimsFor(role.statements, identity.claims);
  const issuedAt = new Date(Math.floor(options.now.getTime() / 1000) * 1000);
  const credentials = await mintSessionCredentials(await stsKeyring(env), {
    roleId: role.id,
    roleName: role.name,
    account: input.account,
    sessionName: input.roleSessionName,
    subject: identity.subject,
    issuer: identity.issuer,
    idpId: identity.idp.id,
    ceiling: fillTemplates(role.statements, templateClaims),
    templateClaims,
    issuedAt,
    expiresAt: new Date(issuedAt.getTime() + durationSeconds * 1000),
  });
  trace.accessKeyId = credentials.accessKeyId;
  trace.jti = credentials.claims.jti;
  trace.expiration = stsTimestamp(credentials.expiration);

  // Element order as in the AWS API reference.
  return {
    SubjectFromWebIdentityToken: identity.subject,
    Audience: audienceOf(identity),
    AssumedRoleUser: {
      Arn: `arn:aws:sts::${input.account}:assumed-role/${role.name}/${input.roleSessionName}`,
      AssumedRoleId: `${role.id}:${input.roleSessionName}`,
    },
    Credentials: {
      AccessKeyId: credentials.accessKeyId,
      SecretAccessKey: credentials.secretAccessKey,
      SessionToken: credentials.sessionToken,
      Expiration: stsTimestamp(credentials.expiration),
    },
    Provider: identity.issuer,
  };
}

function sessionDuration(input: AssumeRoleInput, roleMaximum: number): number {
  if (input.durationSeconds === null) return Math.min(DEFAULT_DURATION_SECONDS, roleMaximum);
  if (input.durationSeconds > roleMaximum) {
    throw new StsError('ValidationError', 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
  }
  return input.durationSeconds;
}

/** The audience the token was accepted for (the first the IdP allows, as tokens usually carry one). */
function audienceOf(identity: WebIdentity): string {
  return identity.audiences[0] ?? '';
}
