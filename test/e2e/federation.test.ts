import { AwsClient } from 'aws4fetch';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FederationError } from '../../src/storage/s3/federated-credentials';
import { forgetFederatedCredentials } from '../../src/storage/s3/federated-credentials-cache';
import { federatedCredentials, type FederationOptions } from '../../src/sts/federation';
import { type GatewayProcess, startGateway } from '../storage/upstreams/gateway-process';
import { gateway } from './support/gateway';

/**
 * Keyless federation between two real bucketgate instances (adrs/0020), with no static key anywhere:
 * instance A (global-setup.ts) is the issuer — its /.well-known/openid-configuration and JWKS are what
 * B fetches; instance B (started here) registers A's issuer as an IdP and a role trusting `sub` =
 * the virtual bucket "photos" with s3 permissions on one of B's buckets. A's federation code mints a
 * token (with A's MASTER_KEY: both instances run from this checkout's .dev.vars), exchanges it at B's
 * /.sts and the credentials put and get an object in B.
 *
 * The minting and exchange run here in the test process, not inside A's Worker: until connections
 * (auth mode `federation`) land, no request to A reaches this code. The S3 calls use aws4fetch
 * directly for the same reason (the s3 driver needs workerd's FixedLengthStream).
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const AUDIENCE = 'bucketgate-federation-e2e';
const ACCOUNT = '123456789012';
const SUBJECT = 'photos';
const TARGET_BUCKET = 'fed-target';

function devVar(name: string): string {
  const text = readFileSync(`${ROOT}.dev.vars`, 'utf8');
  const value = new RegExp(`^\\s*${name}\\s*=\\s*"?([^"\\n]*)"?\\s*$`, 'm').exec(text)?.[1];
  if (!value) throw new Error(`${name} missing from .dev.vars`);
  return value;
}

describe('keyless federation: bucketgate A → bucketgate B', () => {
  let b: GatewayProcess;
  let roleArn: string;
  const a = () => gateway();

  async function adminB(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
    const response = await fetch(`${b.info.endpoint}/admin/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${b.info.adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, json: text ? JSON.parse(text) : undefined };
  }

  /** A's side: its root secret and allow-list, as A's Worker has them. */
  const envA = () => ({ MASTER_KEY: devVar('MASTER_KEY'), ALLOW_INSECURE_ISSUERS: 'true', ALLOWED_UPSTREAM_HOSTS: '127.0.0.1' });
  const optionsFor = (extra: Partial<FederationOptions> = {}): FederationOptions => ({
    connectionId: `e2e-${crypto.randomUUID()}`,
    roleArn,
    stsEndpoint: `${b.info.endpoint}/.sts`,
    audience: AUDIENCE,
    sessionDuration: 900,
    subject: SUBJECT,
    // A's issuer is its origin (no ISSUER_URL set), exactly what A's discovery document names.
    requestOrigin: a().endpoint,
    ...extra,
  });

  beforeAll(async () => {
    // B fetches A's discovery document and JWKS over http on 127.0.0.1.
    b = await startGateway({ vars: ['ALLOW_INSECURE_ISSUERS:true'], log: 'e2e-federation-upstream.log' });
    expect((await adminB('POST', '/buckets', { name: TARGET_BUCKET })).status).toBe(201);
    expect((await adminB('POST', '/idps', { issuer: a().endpoint, audiences: [AUDIENCE] })).status).toBe(201);
    const role = await adminB('POST', '/roles', {
      name: 'bucketgate-a-photos',
      trust: [{ issuer: a().endpoint, audience: AUDIENCE, claims: [{ claim: 'sub', operator: 'equals', value: SUBJECT }] }],
      statements: [{ effect: 'allow', actions: ['s3:GetObject', 's3:PutObject', 's3:ListBucket'], resources: [TARGET_BUCKET, `${TARGET_BUCKET}/*`] }],
      maxSessionDuration: 3600,
    });
    expect(role.status, JSON.stringify(role.json)).toBe(201);
    roleArn = `arn:aws:iam::${ACCOUNT}:role/bucketgate-a-photos`;
  });

  afterAll(async () => {
    forgetFederatedCredentials();
    await b?.stop();
  });

  it('A publishes a discovery document naming its own origin', async () => {
    const document = (await (await fetch(`${a().endpoint}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(document).toMatchObject({ issuer: a().endpoint, jwks_uri: `${a().endpoint}/.well-known/jwks.json`, id_token_signing_alg_values_supported: ['ES256'] });
  });

  it('exchanges a token A mints at B and uses the credentials to put and get an object in B', async () => {
    const credentials = await federatedCredentials(envA(), optionsFor());
    expect(credentials.accessKeyId).toMatch(/^ASIA/);
    expect(credentials.expiresAt.getTime()).toBeGreaterThan(Date.now() + 10 * 60_000);

    const s3 = new AwsClient({ ...credentials, service: 's3', region: 'us-east-1' });
    const url = `${b.info.endpoint}/${TARGET_BUCKET}/from-a/hello.txt`;
    const put = await s3.fetch(url, { method: 'PUT', body: 'hello from A', headers: { 'content-type': 'text/plain' } });
    expect(put.status, await put.clone().text()).toBe(200);
    const get = await s3.fetch(url);
    expect(get.status).toBe(200);
    expect(await get.text()).toBe('hello from A');

    // The role grants nothing outside its bucket: B's seeded `demo` bucket is refused.
    const elsewhere = await s3.fetch(`${b.info.endpoint}/${b.info.bucket}/x`, { method: 'PUT', body: 'x' });
    expect(elsewhere.status).toBe(403);
    // And the object really is in B: B's own demo key (s3:* on *) reads it.
    const owner = new AwsClient({ accessKeyId: b.info.accessKeyId, secretAccessKey: b.info.secretAccessKey, service: 's3', region: 'us-east-1' });
    expect(await (await owner.fetch(url)).text()).toBe('hello from A');
  });

  it('B refuses a token for another virtual bucket (the trust policy on sub)', async () => {
    const error = await federatedCredentials(envA(), optionsFor({ subject: 'other-bucket' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FederationError);
    expect(error).toMatchObject({ kind: 'auth-failed', stsCode: 'AccessDenied' });
  });

  it('B refuses a token signed by a key A does not publish', async () => {
    const impostor = { ...envA(), MASTER_KEY: `${devVar('MASTER_KEY')}-not-A` };
    const error = await federatedCredentials(impostor, optionsFor()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FederationError);
    expect(error).toMatchObject({ kind: 'auth-failed', stsCode: 'InvalidIdentityToken' });
  });

  it('B refuses a token for another audience', async () => {
    const error = await federatedCredentials(envA(), optionsFor({ audience: 'sts.amazonaws.com' })).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'auth-failed', stsCode: 'InvalidIdentityToken' });
  });
});
