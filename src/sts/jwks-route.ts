import type { Env } from '../env';
import { publicJwks, stsKeyring } from './keys';

/**
 * GET /.well-known/jwks.json: the public keys of every accepted session-token key version, so
 * anyone can verify a session token offline. Cached for five minutes: a verifier that meets a
 * token with an unknown `kid` (a version just added) refetches, as OIDC relying parties do.
 */
export async function sessionTokenJwks(env: Env): Promise<Response> {
  const jwks = publicJwks(await stsKeyring(env));
  return new Response(JSON.stringify(jwks), {
    headers: { 'content-type': 'application/jwk-set+json', 'cache-control': 'public, max-age=300' },
  });
}
