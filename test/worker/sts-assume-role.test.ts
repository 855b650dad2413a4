import { sdkError } from './helpers/s3-client';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { env, SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { createBucket } from './helpers/fixtures';
import { ACCOUNT, assumeRole, AUDIENCE, createRole, githubClaims, type Issuer, newIssuer, registerIdp, sessionS3Client, stsCall } from './helpers/sts';

let idp: Issuer;
let bucket: string;
let role: Record<string, any>;

beforeAll(async () => {
  idp = await newIssuer();
  await registerIdp(idp.issuer);
  bucket = await createBucket('sts-flow');
  role = await createRole(idp.issuer, [
    { effect: 'allow', actions: ['s3:GetObject', 's3:PutObject'], resources: [`${bucket}/ci/\${repository}/*`] },
    { effect: 'allow', actions: ['s3:ListBucket'], resources: [bucket] },
  ]);
});

const s3Error = async (call: Promise<unknown>): Promise<string> => (await sdkError(call)).code;

describe('AssumeRoleWithWebIdentity → S3 → GetCallerIdentity', () => {
  it('answers the AWS document with credentials that work on S3 within the role', async () => {
    const token = await idp.token(githubClaims(idp.issuer));
    const { answer, credentials } = await assumeRole(role.name, token, { DurationSeconds: '900' });
    expect(answer.status, answer.text).toBe(200);
    const response = answer.doc.AssumeRoleWithWebIdentityResponse;
    expect(response['@_xmlns']).toBe('https://sts.amazonaws.com/doc/2011-06-15/');
    const result = response.AssumeRoleWithWebIdentityResult;
    expect(result.SubjectFromWebIdentityToken).toBe('repo:org/repo:ref:refs/heads/main');
    expect(result.Audience).toBe(AUDIENCE);
    expect(result.Provider).toBe(idp.issuer);
    expect(result.AssumedRoleUser).toEqual({
      Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${role.name}/ci-run`,
      AssumedRoleId: `${role.id}:ci-run`,
    });
    expect(response.ResponseMetadata.RequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(credentials!.accessKeyId).toMatch(/^ASIA01[A-Z2-7]{14}$/);
    expect(credentials!.expiration).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const lifetime = Date.parse(credentials!.expiration) - Date.now();
    expect(lifetime).toBeGreaterThan(890_000);
    expect(lifetime).toBeLessThanOrEqual(900_000);

    const s3 = sessionS3Client(credentials!);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'ci/org/repo/build.txt', Body: 'built' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'ci/org/repo/build.txt' }));
    expect(await got.Body!.transformToString()).toBe('built');
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'ci/' }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual(['ci/org/repo/build.txt']);

    // Outside the templated prefix: refused, and nothing written.
    expect(await s3Error(s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'ci/org/other/x.txt', Body: 'no' })))).toBe('AccessDenied');
    const after = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'ci/org/other/' }));
    expect(after.KeyCount).toBe(0);
  });

  it('answers GetCallerIdentity for the session, signed with the session credentials', async () => {
    const { credentials } = await assumeRole(role.name, await idp.token(githubClaims(idp.issuer)));
    const answer = await signedStsCall(credentials!, 'Action=GetCallerIdentity&Version=2011-06-15');
    expect(answer.status, answer.text).toBe(200);
    expect(answer.doc.GetCallerIdentityResponse.GetCallerIdentityResult).toEqual({
      Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${role.name}/ci-run`,
      UserId: `${role.id}:ci-run`,
      Account: ACCOUNT,
    });
  });

  it('accepts the call on POST / (an SDK whose STS endpoint is the root) and as a GET query', async () => {
    const token = await idp.token(githubClaims(idp.issuer));
    const params = { Action: 'AssumeRoleWithWebIdentity', RoleArn: `arn:aws:iam::${ACCOUNT}:role/${role.name}`, RoleSessionName: 'root', WebIdentityToken: token };
    for (const options of [{ path: '/' }, { path: '/.sts/' }, { method: 'GET' as const }]) {
      const answer = await stsCall(params, options);
      expect(answer.status, `${JSON.stringify(options)}: ${answer.text}`).toBe(200);
    }
  });

  it('publishes the session-token keys at /.well-known/jwks.json', async () => {
    const response = await SELF.fetch('https://gateway.test/.well-known/jwks.json');
    expect(response.status).toBe(200);
    const jwks = (await response.json()) as { keys: Record<string, string>[] };
    // Beside it, the federation key (adrs/0020; test/worker/federation-discovery.test.ts).
    const session = jwks.keys.filter((k) => k.kid?.startsWith('bucketgate-sts-'));
    expect(session).toHaveLength(1);
    expect(session[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', kid: 'bucketgate-sts-v1' });
    expect(session[0]).not.toHaveProperty('d');
  });

  it('audits the call with the role, issuer, subject and outcome, never the credentials', async () => {
    const token = await idp.token(githubClaims(idp.issuer, { sub: 'repo:org/repo:ref:refs/heads/main' }));
    const { credentials } = await assumeRole(role.name, token);
    const row = await waitForAudit(credentials!.accessKeyId);
    expect(row).toMatchObject({ action: 'sts.AssumeRoleWithWebIdentity', target: role.name, outcome: 'success' });
    const detail = JSON.parse(row.detail!);
    expect(detail).toMatchObject({ issuer: idp.issuer, subject: 'repo:org/repo:ref:refs/heads/main', sessionName: 'ci-run', accessKeyId: credentials!.accessKeyId });
    expect(row.detail).not.toContain(credentials!.secretAccessKey);
    expect(row.detail).not.toContain(credentials!.sessionToken);
    expect(row.detail).not.toContain(token);
    // A typical role's session token stays small enough for any header limit.
    expect(credentials!.sessionToken.length).toBeLessThan(2048);
  });

  it('stores the client IP only as a salted hash', async () => {
    const token = await idp.token(githubClaims(idp.issuer));
    const form = new URLSearchParams({ Action: 'AssumeRoleWithWebIdentity', Version: '2011-06-15', RoleArn: `arn:aws:iam::${ACCOUNT}:role/${role.name}`, RoleSessionName: 'ip', WebIdentityToken: token });
    const response = await SELF.fetch('https://gateway.test/.sts', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'cf-connecting-ip': '203.0.113.7' }, body: form });
    const accessKeyId = /<AccessKeyId>([^<]+)</.exec(await response.text())![1]!;
    const row = await waitForAudit(accessKeyId);
    expect(JSON.parse(row.detail!).clientIpHash).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.stringify(row)).not.toContain('203.0.113.7');
  });
});

async function waitForAudit(accessKeyId: string): Promise<Record<string, string>> {
  for (let i = 0; i < 50; i++) {
    const row = await env.DB.prepare("SELECT * FROM audit_log WHERE action = 'sts.AssumeRoleWithWebIdentity' AND json_extract(detail, '$.accessKeyId') = ?")
      .bind(accessKeyId)
      .first<Record<string, string>>();
    if (row) return row;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('no audit row');
}

/** A SigV4-signed STS call (service sts), as the AWS SDKs sign GetCallerIdentity. */
async function signedStsCall(credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }, body: string) {
  const { AwsClient } = await import('aws4fetch');
  const client = new AwsClient({ ...credentials, service: 'sts', region: 'us-east-1' });
  const request = await client.sign('https://gateway.test/.sts/', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body });
  const response = await SELF.fetch(request);
  const text = await response.text();
  const { XMLParser } = await import('fast-xml-parser');
  return { status: response.status, text, doc: new XMLParser({ parseTagValue: false }).parse(text) };
}
