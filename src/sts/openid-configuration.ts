import { log } from '../core/log';
import { textBody } from '../core/text-body';
import type { Env } from '../env';
import { gatewayIssuer, IssuerConfigError } from './gateway-issuer';

/**
 * GET /.well-known/openid-configuration: OpenID Connect Discovery 1.0 for the gateway as the issuer
 * of its outbound federation tokens (adrs/0020). Upstream STSes (AWS IAM, MinIO, Ceph, bucketgate)
 * read `jwks_uri` here and require `issuer` to equal the token's `iss` exactly. The gateway has no
 * authorization endpoint (it only issues tokens about itself), so the document carries the fields
 * relying parties read to verify ID tokens, with the REQUIRED ones present.
 */
export function openidConfiguration(env: Env, request: Request): Response {
  let issuer: string;
  try {
    issuer = gatewayIssuer(env, new URL(request.url).origin);
  } catch (error) {
    if (!(error instanceof IssuerConfigError)) throw error;
    // An operator error: say so in the log, and give relying parties nothing they could cache as valid.
    log.error('openid-configuration: bad issuer URL', { error: error.message });
    return Response.json({ error: 'issuer_not_configured' }, { status: 500, headers: { 'cache-control': 'no-store' } });
  }
  const document = {
    issuer,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    // Required by the spec; the gateway runs no authorization endpoint, so this names the one kind of token it issues.
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['ES256'],
    claims_supported: ['iss', 'sub', 'aud', 'exp', 'iat', 'nbf', 'jti'],
  };
  const headers = new Headers({ 'content-type': 'application/json', 'cache-control': 'public, max-age=300' });
  return new Response(textBody(JSON.stringify(document), headers), { headers });
}
