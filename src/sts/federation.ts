import { log } from '../core/log';
import { parseAllowList } from '../storage/endpoint-guard';
import { cachedFederatedCredentials } from '../storage/s3/federated-credentials-cache';
import { assumeRoleWithWebIdentity, type FederatedCredentials, FederationError } from '../storage/s3/federated-credentials';
import type { Env } from '../env';
import { mintFederationToken } from './federation-token';
import { gatewayIssuer, IssuerConfigError } from './gateway-issuer';

/**
 * Keyless federation (adrs/0020): upstream credentials for a connection whose auth mode is
 * `federation`, got by presenting a token the gateway mints about itself to the upstream's STS.
 * This is the function a connection's CredentialProvider calls; it returns cached credentials
 * when they have life left and exchanges otherwise. Failures are FederationError.
 */

export interface FederationOptions {
  /** The connection's id: with the role, the cache key. */
  connectionId: string;
  /** The upstream role, e.g. `arn:aws:iam::123456789012:role/bucketgate-photos`. */
  roleArn: string;
  /** The upstream's STS endpoint, e.g. `https://sts.eu-west-1.amazonaws.com`. */
  stsEndpoint: string;
  /** The token's `aud`: what the upstream's IdP registration expects (`sts.amazonaws.com` on AWS). */
  audience: string;
  /** DurationSeconds asked for (900–43200; default 3600). The upstream role's maximum still applies. */
  sessionDuration?: number;
  /** The token's `sub`: the virtual bucket the credentials serve. */
  subject: string;
  /** Origin of the request being served; the issuer when ISSUER_URL is unset (see gateway-issuer.ts). */
  requestOrigin?: string;
}

export const DEFAULT_SESSION_SECONDS = 3600;

type FederationEnv = Pick<Env, 'MASTER_KEY' | 'FEDERATION_KEY_VERSIONS' | 'ISSUER_URL' | 'ALLOW_INSECURE_ISSUERS' | 'ALLOWED_UPSTREAM_HOSTS'>;

export async function federatedCredentials(
  env: FederationEnv,
  options: FederationOptions,
  /** For tests: the fetch and clock to use, and the STS timeout. */
  internals: { fetcher?: typeof fetch; now?: () => number; timeoutMs?: number } = {},
): Promise<FederatedCredentials> {
  const now = internals.now ?? Date.now;
  const exchange = async () => {
    const webIdentityToken = await mintGatewayAssertion(env, { subject: options.subject, audience: options.audience, requestOrigin: options.requestOrigin, now: new Date(now()) });
    return assumeRoleWithWebIdentity(
      {
        stsEndpoint: options.stsEndpoint,
        roleArn: options.roleArn,
        roleSessionName: roleSessionName(options.subject),
        durationSeconds: clampDuration(options.sessionDuration),
        webIdentityToken,
      },
      { allowList: parseAllowList(env.ALLOWED_UPSTREAM_HOSTS), fetcher: internals.fetcher, timeoutMs: internals.timeoutMs },
    );
  };
  return cachedFederatedCredentials({ connectionId: options.connectionId, roleArn: options.roleArn }, exchange, {
    now,
    onRefreshFailure: (error) =>
      log.warn('federation refresh failed; using cached credentials', {
        connection: options.connectionId,
        kind: error instanceof FederationError ? error.kind : 'error',
        error: error instanceof FederationError ? error.detail : String(error),
      }),
  });
}

/**
 * The token the gateway presents about itself (`iss` its issuer URL, `sub` the bucket, `aud` what
 * the upstream's trust expects): AssumeRoleWithWebIdentity's WebIdentityToken, Azure AD's
 * client_assertion. FederationError('misconfigured') when the gateway has no usable issuer URL.
 */
export async function mintGatewayAssertion(
  env: Pick<Env, 'MASTER_KEY' | 'FEDERATION_KEY_VERSIONS' | 'ISSUER_URL' | 'ALLOW_INSECURE_ISSUERS'>,
  claims: { subject: string; audience: string; requestOrigin?: string; now: Date },
): Promise<string> {
  let issuer: string;
  try {
    issuer = gatewayIssuer(env, claims.requestOrigin);
  } catch (error) {
    if (error instanceof IssuerConfigError) throw new FederationError('misconfigured', 'The gateway has no usable issuer URL for federation.', error.message);
    throw error;
  }
  return mintFederationToken(env, { issuer, subject: claims.subject, audience: claims.audience, now: claims.now });
}

/** RoleSessionName allows [\w+=,.@-]{2,64}; it shows in the upstream's CloudTrail, so it names the bucket. */
export function roleSessionName(subject: string): string {
  return `bucketgate-${subject}`.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
}

function clampDuration(seconds: number | undefined): number {
  if (seconds === undefined || !Number.isFinite(seconds)) return DEFAULT_SESSION_SECONDS;
  return Math.min(43_200, Math.max(900, Math.floor(seconds)));
}
