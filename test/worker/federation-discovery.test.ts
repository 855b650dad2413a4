import { env, SELF } from 'cloudflare:test';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { describe, expect, it } from 'vitest';
import { federationKid, FEDERATION_TOKEN_LIFETIME_SECONDS, mintFederationToken } from '../../src/sts/federation-token';
import { openidConfiguration } from '../../src/sts/openid-configuration';
import { stsKeyring } from '../../src/sts/keys';
import { SessionTokenError, verifySessionToken } from '../../src/sts/session-credentials';

/** The gateway as an OIDC issuer (adrs/0020): discovery document, published keys, minted tokens. */

async function publishedJwks(): Promise<JSONWebKeySet> {
  const response = await SELF.fetch('https://gateway.test/.well-known/jwks.json');
  expect(response.status).toBe(200);
  return (await response.json()) as JSONWebKeySet;
}

describe('/.well-known/openid-configuration', () => {
  it('is an OIDC discovery document for the request origin when ISSUER_URL is unset', async () => {
    const response = await SELF.fetch('https://gateway.test/.well-known/openid-configuration');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(await response.json()).toEqual({
      issuer: 'https://gateway.test',
      jwks_uri: 'https://gateway.test/.well-known/jwks.json',
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['ES256'],
      claims_supported: ['iss', 'sub', 'aud', 'exp', 'iat', 'nbf', 'jti'],
    });
  });

  it('names ISSUER_URL whatever host the request came in on', async () => {
    const response = openidConfiguration({ ...env, ISSUER_URL: 'https://s3.example.com' }, new Request('https://other.workers.dev/.well-known/openid-configuration'));
    const document = (await response.json()) as Record<string, unknown>;
    expect(document.issuer).toBe('https://s3.example.com');
    expect(document.jwks_uri).toBe('https://s3.example.com/.well-known/jwks.json');
  });

  it('refuses an ISSUER_URL it could not serve discovery under (a path, http, a query)', async () => {
    for (const ISSUER_URL of ['https://s3.example.com/oidc', 'http://s3.example.com', 'https://s3.example.com/?x=1', 'not a url']) {
      const response = openidConfiguration({ ...env, ISSUER_URL }, new Request('https://gateway.test/.well-known/openid-configuration'));
      expect(response.status, ISSUER_URL).toBe(500);
      expect(await response.json()).toEqual({ error: 'issuer_not_configured' });
    }
  });
});

describe('federation tokens', () => {
  it('publishes the federation key beside the session-token key, with distinct kids', async () => {
    const jwks = await publishedJwks();
    expect(jwks.keys.map((k) => k.kid).sort()).toEqual(['bucketgate-federation-v1', 'bucketgate-sts-v1']);
    for (const key of jwks.keys) {
      expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
      expect(key).not.toHaveProperty('d');
    }
    const session = jwks.keys.find((k) => k.kid === 'bucketgate-sts-v1')!;
    const federation = jwks.keys.find((k) => k.kid === 'bucketgate-federation-v1')!;
    expect(federation.x).not.toBe(session.x); // a key derived for this purpose, not the session key reused
  });

  it('mints a token that verifies against the published JWKS with the claims an upstream checks', async () => {
    const now = new Date();
    const token = await mintFederationToken(env, { issuer: 'https://gateway.test', subject: 'photos', audience: 'sts.amazonaws.com', now });
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'ES256', kid: federationKid(1), typ: 'JWT' });
    const { payload } = await jwtVerify(token, createLocalJWKSet(await publishedJwks()), {
      issuer: 'https://gateway.test',
      audience: 'sts.amazonaws.com',
      algorithms: ['ES256'],
    });
    expect(payload.sub).toBe('photos');
    expect(payload.exp! - payload.iat!).toBe(FEDERATION_TOKEN_LIFETIME_SECONDS);
    expect(payload.iat).toBe(Math.floor(now.getTime() / 1000));
    expect(payload.jti).toMatch(/^[A-Z2-7]{26}$/);
  });

  it('does not verify against another audience or issuer', async () => {
    const token = await mintFederationToken(env, { issuer: 'https://gateway.test', subject: 'photos', audience: 'sts.amazonaws.com' });
    const keys = createLocalJWKSet(await publishedJwks());
    await expect(jwtVerify(token, keys, { audience: 'minio' })).rejects.toThrow(/aud/);
    await expect(jwtVerify(token, keys, { issuer: 'https://gateway.test.evil' })).rejects.toThrow(/iss/);
  });

  it('is never accepted as an S3 session token by this gateway (separate keys)', async () => {
    const token = await mintFederationToken(env, { issuer: 'https://gateway.test', subject: 'photos', audience: 'urn:bucketgate:s3' });
    const refusal = await verifySessionToken(await stsKeyring(env), token, 'ASIA01AAAAAAAAAAAAAA', new Date()).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(SessionTokenError);
    expect((refusal as SessionTokenError).reason).toBe('unknown-key-version');
  });

  it('follows FEDERATION_KEY_VERSIONS: the highest signs, all are published', async () => {
    const rotated = { ...env, FEDERATION_KEY_VERSIONS: '1,2' };
    const token = await mintFederationToken(rotated, { issuer: 'https://gateway.test', subject: 'photos', audience: 'a' });
    expect(decodeProtectedHeader(token).kid).toBe('bucketgate-federation-v2');
  });
});
