import type { Env } from '../env';

/**
 * Issuers and JWKS URIs must be https. With ALLOW_INSECURE_ISSUERS=true (local tests only) http
 * is allowed too, but only on a loopback host, so the flag cannot open a path to a network IdP.
 */
export function insecureIssuersAllowed(env: Pick<Env, 'ALLOW_INSECURE_ISSUERS'>): boolean {
  return env.ALLOW_INSECURE_ISSUERS === 'true' || env.ALLOW_INSECURE_ISSUERS === '1';
}

export function isAllowedIssuerUrl(env: Pick<Env, 'ALLOW_INSECURE_ISSUERS'>, value: string): boolean {
  const url = parseUrl(value);
  if (!url) return false;
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && insecureIssuersAllowed(env) && isLoopback(url.hostname);
}

export function parseUrl(value: string): URL | null {
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}
