import type { Env } from '../env';
import { isAllowedIssuerUrl, parseUrl } from '../registry/issuer-url';

/**
 * The gateway's own OIDC issuer URL (outbound federation, adrs/0020). An upstream STS compares the
 * token's `iss` with the URL its IdP was registered under, character for character, and finds the
 * keys at `<iss>/.well-known/openid-configuration`, so the issuer must be an origin this Worker
 * answers on with no path.
 *
 * `ISSUER_URL` pins it. Without it the origin of the current request is used: right for a
 * deployment reached under one name (and for local tests), wrong as soon as the same Worker is
 * reached under two (a custom domain and workers.dev): tokens minted while serving one name would
 * not match an IdP registered under the other. Production deployments set ISSUER_URL.
 */

export class IssuerConfigError extends Error {
  override readonly name = 'IssuerConfigError';
}

export function gatewayIssuer(env: Pick<Env, 'ISSUER_URL' | 'ALLOW_INSECURE_ISSUERS'>, requestOrigin?: string): string {
  const configured = env.ISSUER_URL?.trim();
  if (configured) return checkedIssuer(env, configured, 'ISSUER_URL');
  if (requestOrigin === undefined) {
    throw new IssuerConfigError('No issuer URL: set ISSUER_URL (the origin upstream STSes know this gateway by).');
  }
  return checkedIssuer(env, requestOrigin, 'the request origin');
}

function checkedIssuer(env: Pick<Env, 'ALLOW_INSECURE_ISSUERS'>, value: string, what: string): string {
  const url = parseUrl(value);
  // https (or http on loopback with ALLOW_INSECURE_ISSUERS, for local tests): the rule inbound IdPs follow too.
  if (!url || !isAllowedIssuerUrl(env, value)) throw new IssuerConfigError(`${what} is not an https URL usable as an OIDC issuer`);
  if (url.username || url.password || url.search || url.hash || value.includes('?') || value.includes('#')) {
    throw new IssuerConfigError(`${what} must be a bare origin (no credentials, query or fragment)`);
  }
  if (url.pathname !== '/') throw new IssuerConfigError(`${what} must be an origin without a path: discovery is served at /.well-known/ only`);
  return url.origin;
}
