import { textBody } from '../core/text-body';
import type { Env } from '../env';
import { federationPublicJwks } from './federation-token';
import { publicJwks, stsKeyring } from './keys';

/**
 * GET /.well-known/jwks.json: the public keys of every accepted session-token key version, so
 * anyone can verify a session token offline, and of every federation key version (the `jwks_uri`
 * of /.well-known/openid-configuration: upstream STSes verify the gateway's federation tokens
 * with it; adrs/0020). The `kid`s tell the two apart. Cached for five minutes: a verifier that meets a
 * token with an unknown `kid` (a version just added) refetches, as OIDC relying parties do.
 */
export async function sessionTokenJwks(env: Env): Promise<Response> {
  const jwks = { keys: [...publicJwks(await stsKeyring(env)).keys, ...(await federationPublicJwks(env))] };
  const headers = new Headers({ 'content-type': 'application/jwk-set+json', 'cache-control': 'public, max-age=300' });
  return new Response(textBody(JSON.stringify(jwks), headers), { headers });
}
