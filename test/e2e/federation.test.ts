import { AwsClient } from 'aws4fetch';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FederationError } from '../../src/storage/s3/federated-credentials';
import { forgetFederatedCredentials } from '../../src/storage/s3/federated-credentials-cache';
import { federatedCredentials } from '../../src/sts/federation';
import { type DevGateway, startDevGateway } from './support/dev-gateway';
import { adminOf, connectUpstream, FEDERATION_AUDIENCE, trustDownstream } from './support/federated-upstream';
import { admin, gateway, objectPath, signedFetch, uniqueBucket } from './support/gateway';

/**
 * Keyless federation between two real bucketgate instances (adrs/0020), with no static key anywhere.
 * Instance A (global-setup.ts, ISSUER_URL = its own URL) is the issuer: B (started here) registers
 * A's issuer as an IdP and a role trusting `sub` = one virtual bucket of A with s3 permissions on
 * one of B's buckets. A gets an `s3` connection to B in auth mode `federation` and a bucket on it;
 * a client's PUT and GET through that bucket on A make A mint a token, exchange it at B's /.sts and
 * store the object in B — where B's own key finds it.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TARGET_BUCKET = 'fed-target';
const CONNECTION = 'fed-b';

function devVar(name: string): string {
  const text = readFileSync(`${ROOT}.dev.vars`, 'utf8');
  const value = new RegExp(`^\\s*${name}\\s*=\\s*"?([^"\\n]*)"?\\s*$`, 'm').exec(text)?.[1];
  if (!value) throw new Error(`${name} missing from .dev.vars`);
  return value;
}

describe('keyless federation: a bucket on bucketgate A stored in bucketgate B', () => {
  let b: DevGateway;
  let roleArn: string;
  let connection: string;
  /** The virtual bucket on A that B's role trusts. */
  const trusted = uniqueBucket('photos');
  const a = () => gateway();
  const bClient = () => new AwsClient({ accessKeyId: b.info.accessKeyId, secretAccessKey: b.info.secretAccessKey, service: 's3', region: b.info.region });
  const onB = (key: string) => bClient().fetch(`${b.info.endpoint}${objectPath(TARGET_BUCKET, key)}`);

  beforeAll(async () => {
    // B fetches A's discovery document and JWKS over http on 127.0.0.1.
    b = await startDevGateway({ vars: ['ALLOW_INSECURE_ISSUERS:true'], log: 'e2e-federation-upstream.log' });
    roleArn = await trustDownstream(b.info, a().endpoint, {
      upstreamBucket: TARGET_BUCKET,
      roleName: 'bucketgate-a-photos',
      subject: { operator: 'in', values: [trusted, `connection/${CONNECTION}`] },
    });
    connection = await connectUpstream(a(), b.info, { name: CONNECTION, roleArn, probeBucket: TARGET_BUCKET });
  });

  afterAll(async () => {
    forgetFederatedCredentials();
    await b?.stop();
  });

  it('A publishes a discovery document naming its ISSUER_URL, and its connection holds no key', async () => {
    const document = (await (await fetch(`${a().endpoint}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(document).toMatchObject({ issuer: a().endpoint, jwks_uri: `${a().endpoint}/.well-known/jwks.json`, id_token_signing_alg_values_supported: ['ES256'] });
    const { json } = await admin('GET', `/connections/${connection}`);
    expect(json.auth).toEqual({ mode: 'federation', roleArn, stsEndpoint: `${b.info.endpoint}/.sts`, audience: FEDERATION_AUDIENCE });
    expect(json.status).toBe('active');
  });

  it('a client PUT and GET through the bucket on A land on B: A does the exchange', async () => {
    const created = await admin('POST', '/buckets', { name: trusted, backend: { type: 's3', connection, bucket: TARGET_BUCKET, prefix: 'from-a/' } });
    expect(created.status, JSON.stringify(created.json)).toBe(201);

    const put = await signedFetch(objectPath(trusted, 'hello.txt'), { method: 'PUT', body: 'hello from A', headers: { 'content-type': 'text/plain' } });
    expect(put.status, await put.clone().text()).toBe(200);
    const get = await signedFetch(objectPath(trusted, 'hello.txt'));
    expect(get.status).toBe(200);
    expect(await get.text()).toBe('hello from A');

    // The object really is in B, under the bucket's prefix: B's own demo key (s3:* on *) reads it.
    const direct = await onB('from-a/hello.txt');
    expect(direct.status).toBe(200);
    expect(await direct.text()).toBe('hello from A');
  });

  it('a bucket on A that B does not trust is refused by B: the client gets 503, B stores nothing', async () => {
    const other = uniqueBucket('other');
    // Saving probes as the connection (which B trusts); serving asks for a token about the bucket itself.
    const created = await admin('POST', '/buckets', { name: other, backend: { type: 's3', connection, bucket: TARGET_BUCKET, prefix: `${other}/` } });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    // No client retries: aws4fetch would retry the 503 ten times with backoff.
    const once = new AwsClient({ accessKeyId: a().accessKeyId, secretAccessKey: a().secretAccessKey, region: a().region, service: 's3', retries: 0 });
    const put = await once.fetch(`${a().endpoint}${objectPath(other, 'x.txt')}`, { method: 'PUT', body: 'x' });
    expect(put.status).toBe(503);
    expect(await put.text()).toContain('<Code>ServiceUnavailable</Code>');
    expect((await onB(`${other}/x.txt`)).status).toBe(404);
  });

  it('A refuses to save a federation connection B does not accept (another audience), with the reason', async () => {
    const answer = await adminOf(a(), 'POST', '/connections', {
      kind: 's3',
      name: 'fed-b-wrong-audience',
      endpoint: b.info.endpoint,
      region: b.info.region,
      addressing: 'path',
      probeBucket: TARGET_BUCKET,
      auth: { mode: 'federation', roleArn, stsEndpoint: `${b.info.endpoint}/.sts`, audience: 'sts.amazonaws.com' },
    });
    expect(answer.status, JSON.stringify(answer.json)).toBeGreaterThanOrEqual(400);
    expect(JSON.stringify(answer.json)).toContain('InvalidIdentityToken');
    const { json } = await admin('GET', '/connections');
    expect(json.connections.map((c: { name: string }) => c.name)).not.toContain('fed-b-wrong-audience');
  });

  // A cannot be made to sign with another key, so this one case exchanges from the test process.
  it('B refuses a token signed by a key A does not publish', async () => {
    const impostor = { MASTER_KEY: `${devVar('MASTER_KEY')}-not-A`, ALLOW_INSECURE_ISSUERS: 'true', ALLOWED_UPSTREAM_HOSTS: '127.0.0.1', ISSUER_URL: a().endpoint };
    const error = await federatedCredentials(impostor, {
      connectionId: `e2e-${crypto.randomUUID()}`,
      roleArn,
      stsEndpoint: `${b.info.endpoint}/.sts`,
      audience: FEDERATION_AUDIENCE,
      sessionDuration: 900,
      subject: trusted,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FederationError);
    expect(error).toMatchObject({ kind: 'auth-failed', stsCode: 'InvalidIdentityToken' });
  });
});
