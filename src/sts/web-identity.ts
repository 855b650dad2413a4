import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import type { Env } from '../env';
import { findIdpByIssuer } from '../registry/idps';
import type { IdentityProvider } from '../registry/sts-schemas';
import { StsError } from './errors';
import { idpJwks, refetchIdpJwks, type JwksOptions } from './jwks';

/**
 * Verifies a web identity token (an OIDC ID token, e.g. GitHub Actions') against the registered
 * IdP its `iss` names: signature with an allowed asymmetric algorithm and a key of the matching
 * type, then `iss`, `aud`, `exp`, `nbf` and `iat` with 60 s of clock skew.
 */

/** Asymmetric only: `none` and HMAC algorithms (whose "key" a client could take from the JWKS) never verify. */
export const ALLOWED_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'EdDSA'] as const;
export const CLOCK_SKEW_SECONDS = 60;

export interface WebIdentity {
  idp: IdentityProvider;
  issuer: string;
  subject: string;
  /** The token's audiences that the IdP accepts. */
  audiences: string[];
  issuedAt: Date | undefined;
  claims: JWTPayload;
}

const INVALID = 'The web identity token that was passed could not be validated. Get a new identity token from the identity provider and then retry the request.';

export async function verifyWebIdentityToken(env: Env, token: string, options: JwksOptions): Promise<WebIdentity> {
  const { alg, issuer } = peek(token);
  if (!(ALLOWED_ALGORITHMS as readonly string[]).includes(alg)) {
    throw new StsError('InvalidIdentityToken', `The web identity token is signed with an unsupported algorithm (${alg.slice(0, 16)}).`);
  }
  const idp = await findIdpByIssuer(env, issuer);
  if (!idp || !idp.enabled) {
    throw new StsError('InvalidIdentityToken', `No OpenIDConnect provider found for ${issuer.slice(0, 256)}`);
  }

  let payload: JWTPayload;
  try {
    payload = await verifyWith(token, await idpJwks(env, idp, options), idp, options.now);
  } catch (error) {
    if (!(error instanceof errors.JWKSNoMatchingKey)) throw mapJoseError(error, options.now);
    // The IdP may have rotated its keys since we cached them.
    const refreshed = await refetchIdpJwks(env, idp, options.now.getTime());
    if (!refreshed) throw new StsError('InvalidIdentityToken', 'No key of the identity provider matches the token (kid and key type).');
    try {
      payload = await verifyWith(token, refreshed, idp, options.now);
    } catch (retryError) {
      throw mapJoseError(retryError, options.now);
    }
  }

  if (typeof payload.sub !== 'string' || payload.sub.length === 0) {
    throw new StsError('InvalidIdentityToken', 'The web identity token has no subject (sub).');
  }
  if (payload.iat !== undefined && payload.iat > options.now.getTime() / 1000 + CLOCK_SKEW_SECONDS) {
    throw new StsError('InvalidIdentityToken', 'The web identity token was issued in the future (iat).');
  }
  const tokenAudiences = typeof payload.aud === 'string' ? [payload.aud] : (payload.aud ?? []);
  return {
    idp,
    issuer: idp.issuer,
    subject: payload.sub,
    audiences: tokenAudiences.filter((a) => idp.audiences.includes(a)),
    issuedAt: payload.iat === undefined ? undefined : new Date(payload.iat * 1000),
    claims: payload,
  };
}

/** Header `alg` and payload `iss`, read before verification only to choose the checks and the IdP. */
function peek(token: string): { alg: string; issuer: string } {
  // JWS compact serialisation only: three parts (a JWE has five).
  if (token.split('.').length !== 3) throw new StsError('InvalidIdentityToken', 'The web identity token is not a signed JWT.');
  try {
    const { alg } = decodeProtectedHeader(token);
    const { iss } = decodeJwt(token);
    if (typeof alg !== 'string' || typeof iss !== 'string') throw new Error('alg or iss missing');
    return { alg, issuer: iss };
  } catch {
    throw new StsError('InvalidIdentityToken', 'The web identity token could not be parsed; it needs a JOSE header with alg and a payload with iss.');
  }
}

/**
 * One key selector per cached JWKS object: createLocalJWKSet picks keys by kid and by the key type
 * (and curve) the algorithm needs, and keeps each key it imported, so an IdP's public key is
 * imported once per isolate while its set stays cached (jwks.ts hands out the same object until
 * it refreshes it), not once per exchange. Weakly held: a replaced set takes its keys with it.
 * What jose keeps is a CryptoKey (its import promise resolves without I/O), never a request's I/O.
 */
const keySelectors = new WeakMap<JSONWebKeySet, ReturnType<typeof createLocalJWKSet>>();

function keySelectorFor(jwks: JSONWebKeySet): ReturnType<typeof createLocalJWKSet> {
  let selector = keySelectors.get(jwks);
  if (!selector) {
    selector = createLocalJWKSet(jwks);
    keySelectors.set(jwks, selector);
  }
  return selector;
}

async function verifyWith(token: string, jwks: JSONWebKeySet, idp: IdentityProvider, now: Date): Promise<JWTPayload> {
  const { payload } = await jwtVerify(token, keySelectorFor(jwks), {
    algorithms: [...ALLOWED_ALGORITHMS],
    issuer: idp.issuer,
    audience: idp.audiences,
    clockTolerance: CLOCK_SKEW_SECONDS,
    currentDate: now,
    requiredClaims: ['exp', 'sub'],
  });
  return payload;
}

function mapJoseError(error: unknown, now: Date): StsError {
  if (error instanceof StsError) return error;
  if (error instanceof errors.JWTExpired) {
    const exp = typeof error.payload.exp === 'number' ? new Date(error.payload.exp * 1000).toISOString() : 'unknown';
    return new StsError('ExpiredTokenException', `Token expired: current date/time ${now.toISOString()} must be before the expiration date/time ${exp}`);
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return new StsError('InvalidIdentityToken', 'Incorrect token audience');
    if (error.claim === 'iss') return new StsError('InvalidIdentityToken', 'Incorrect token issuer');
    if (error.claim === 'nbf') return new StsError('InvalidIdentityToken', 'The web identity token is not valid yet (nbf).');
    return new StsError('InvalidIdentityToken', `The web identity token has an invalid ${error.claim} claim.`);
  }
  if (error instanceof errors.JWKSNoMatchingKey) return new StsError('InvalidIdentityToken', 'No key of the identity provider matches the token (kid and key type).');
  if (error instanceof errors.JOSEAlgNotAllowed) return new StsError('InvalidIdentityToken', 'The web identity token is signed with an unsupported algorithm.');
  if (error instanceof errors.JOSEError) return new StsError('InvalidIdentityToken', INVALID);
  throw error;
}
