import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { env, SELF } from 'cloudflare:test';
import { AwsClient } from 'aws4fetch';
import { base64url } from 'jose';
import { XMLParser } from 'fast-xml-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { stsKeyring } from '../../src/sts/keys';
import { mintSessionCredentials } from '../../src/sts/session-credentials';
import { admin } from './admin-client';
import { bucketOwnerStatements, createAccessKey, createBucket } from './helpers/fixtures';
import { s3Client, sdkError } from './helpers/s3-client';
import { assumeRole, createRole, githubClaims, type Issuer, newIssuer, registerIdp, type SessionCredentials, sessionS3Client } from './helpers/sts';

/** Session credentials on S3 and on GetCallerIdentity: every way they can be wrong, and revocation. */

let idp: Issuer;
let bucket: string;
let owner: S3Client;

beforeAll(async () => {
  idp = await newIssuer();
  await registerIdp(idp.issuer);
  bucket = await createBucket('sts-sessions');
  owner = s3Client(await createAccessKey(bucketOwnerStatements(bucket)));
  await owner.send(new PutObjectCommand({ Bucket: bucket, Key: 'data/readme.txt', Body: 'hello' }));
});

const readWrite = () => [{ effect: 'allow' as const, actions: ['s3:GetObject', 's3:PutObject'], resources: [`${bucket}/data/*`] }];

async function session(statements = readWrite(), claims: Record<string, unknown> = {}): Promise<{ role: Record<string, any>; creds: SessionCredentials }> {
  const role = await createRole(idp.issuer, statements);
  const { answer, credentials } = await assumeRole(role.name, await idp.token(githubClaims(idp.issuer, claims)));
  if (!credentials) throw new Error(answer.text);
  return { role, creds: credentials };
}

const s3Error = async (call: Promise<unknown>): Promise<string> => (await sdkError(call)).code;

const read = (c: Pick<SessionCredentials, 'accessKeyId' | 'secretAccessKey' | 'sessionToken'>) =>
  sessionS3Client(c).send(new GetObjectCommand({ Bucket: bucket, Key: 'data/readme.txt' }));

/** Attempts a write with these credentials, then checks with the owner's key that nothing was written. */
async function writeRefused(c: Pick<SessionCredentials, 'accessKeyId' | 'secretAccessKey' | 'sessionToken'>): Promise<string> {
  const key = `data/${crypto.randomUUID()}.txt`;
  const code = await s3Error(sessionS3Client(c).send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'x' })));
  expect(await s3Error(owner.send(new HeadObjectCommand({ Bucket: bucket, Key: key })))).toBe('NotFound');
  return code;
}

function tamper(token: string, edit: (p: Record<string, any>) => void): string {
  const [h, p, s] = token.split('.');
  const payload = JSON.parse(new TextDecoder().decode(base64url.decode(p!)));
  edit(payload);
  return `${h}.${base64url.encode(JSON.stringify(payload))}.${s}`;
}

describe('session credentials on S3', () => {
  it('refuses a tampered session token with InvalidToken', async () => {
    const { creds } = await session();
    const wider = tamper(creds.sessionToken, (p) => (p.ceil = [{ effect: 'allow', actions: ['s3:*'], resources: ['*'] }]));
    expect(await writeRefused({ ...creds, sessionToken: wider })).toBe('InvalidToken');
    expect(await writeRefused({ ...creds, sessionToken: creds.sessionToken.slice(0, -4) + 'AAAA' })).toBe('InvalidToken');
  });

  it('refuses an expired session token with ExpiredToken', async () => {
    const { role, creds } = await session();
    const issuedAt = new Date(Date.now() - 2 * 3600_000);
    const expired = await mintSessionCredentials(await stsKeyring(env), {
      roleId: role.id,
      roleName: role.name,
      account: '123456789012',
      sessionName: 'old',
      subject: 'repo:org/repo:ref:refs/heads/main',
      issuer: idp.issuer,
      ceiling: readWrite(),
      templateClaims: {},
      issuedAt,
      expiresAt: new Date(issuedAt.getTime() + 3600_000),
    });
    expect(await writeRefused(expired)).toBe('ExpiredToken');
    expect(creds.accessKeyId).not.toBe(expired.accessKeyId);
  });

  it('refuses a token from a key version the deployment does not accept with InvalidToken', async () => {
    const { role } = await session();
    const future = await mintSessionCredentials(await stsKeyring({ MASTER_KEY: env.MASTER_KEY, STS_KEY_VERSIONS: '1,2' }), {
      roleId: role.id,
      roleName: role.name,
      account: '123456789012',
      sessionName: 'v2',
      subject: 'repo:org/repo:ref:refs/heads/main',
      issuer: idp.issuer,
      ceiling: readWrite(),
      templateClaims: {},
      issuedAt: new Date(),
      expiresAt: new Date(Date.now() + 3600_000),
    });
    expect(future.accessKeyId.slice(0, 6)).toBe('ASIA02');
    expect(await writeRefused(future)).toBe('InvalidToken');
  });

  it('refuses a secret derived for another AccessKeyId with SignatureDoesNotMatch', async () => {
    const { creds: a } = await session();
    const { creds: b } = await session();
    expect(await writeRefused({ ...a, secretAccessKey: b.secretAccessKey })).toBe('SignatureDoesNotMatch');
  });

  it('refuses a token presented with another session AccessKeyId with InvalidToken', async () => {
    const { creds: a } = await session();
    const { creds: b } = await session();
    expect(await writeRefused({ ...b, sessionToken: a.sessionToken })).toBe('InvalidToken');
  });

  it('refuses session AccessKeyIds without their token', async () => {
    const { creds } = await session();
    const plain = s3Client({ accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey });
    expect(await s3Error(plain.send(new GetObjectCommand({ Bucket: bucket, Key: 'data/readme.txt' })))).toBe('InvalidAccessKeyId');
  });

  it('works with presigned URLs carrying X-Amz-Security-Token', async () => {
    const { creds } = await session();
    const signer = new AwsClient({ ...creds, service: 's3', region: 'us-east-1' });
    const signed = await signer.sign(`https://gateway.test/${bucket}/data/readme.txt?X-Amz-Expires=300`, { aws: { signQuery: true } });
    expect(new URL(signed.url).searchParams.get('X-Amz-Security-Token')).toBe(creds.sessionToken);
    const response = await SELF.fetch(signed.url);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('hello');
  });
});

describe('permissions: the token ceiling ∩ the role as it is now', () => {
  it('refuses what the ceiling does not cover even after the role grows', async () => {
    const { role, creds } = await session();
    const grown = [...readWrite(), { effect: 'allow' as const, actions: ['s3:DeleteObject'], resources: [`${bucket}/*`] }];
    expect((await admin('PATCH', `/roles/${role.name}`, { statements: grown })).status).toBe(200);
    const code = await s3Error(sessionS3Client(creds).send(new DeleteObjectCommand({ Bucket: bucket, Key: 'data/readme.txt' })));
    expect(code).toBe('AccessDenied');
    expect((await read(creds)).ContentLength).toBe(5);
  });

  it('applies a narrowed role to sessions already minted', async () => {
    const { role, creds } = await session();
    expect((await read(creds)).ContentLength).toBe(5);
    const narrowed = [{ effect: 'allow' as const, actions: ['s3:GetObject'], resources: [`${bucket}/data/*`] }];
    expect((await admin('PATCH', `/roles/${role.name}`, { statements: narrowed })).status).toBe(200);
    expect(await writeRefused(creds)).toBe('AccessDenied');
    expect((await read(creds)).ContentLength).toBe(5);
  });

  it('gives a session nothing once its role is deleted, even if re-created under the same name', async () => {
    const { role, creds } = await session();
    expect((await admin('DELETE', `/roles/${role.name}`)).status).toBe(204);
    expect(await s3Error(read(creds))).toBe('AccessDenied');
    const again = await admin('POST', '/roles', { name: role.name, trust: role.trust, statements: readWrite() });
    expect(again.status).toBe(201);
    expect(await s3Error(read(creds))).toBe('AccessDenied');
    expect(await writeRefused(creds)).toBe('AccessDenied');
  });
});

describe('revocation', () => {
  it('by jti: that session only, refused with InvalidToken', async () => {
    const { role, creds } = await session();
    const other = (await assumeRole(role.name, await idp.token(githubClaims(idp.issuer)))).credentials!;
    const jti = JSON.parse(new TextDecoder().decode(base64url.decode(creds.sessionToken.split('.')[1]!))).jti;
    const r = await admin('POST', '/revocations', { type: 'session', jti, expiresAt: creds.expiration, reason: 'leaked in a log' });
    expect(r.status, r.text).toBe(201);
    expect(r.json).toMatchObject({ kind: 'session', id: jti, reason: 'leaked in a log' });
    expect(await writeRefused(creds)).toBe('InvalidToken');
    expect((await read(other)).ContentLength).toBe(5);
    expect((await admin('GET', '/revocations')).json.revocations.some((x: any) => x.id === jti)).toBe(true);
  });

  it('by AccessKeyId (through the audit log)', async () => {
    const { creds } = await session();
    let r = await admin('POST', '/revocations', { type: 'session', accessKeyId: creds.accessKeyId });
    for (let i = 0; i < 50 && r.status === 404; i++) {
      await new Promise((res) => setTimeout(res, 20)); // the audit row is written after the response
      r = await admin('POST', '/revocations', { type: 'session', accessKeyId: creds.accessKeyId });
    }
    expect(r.status, r.text).toBe(201);
    expect(await s3Error(read(creds))).toBe('InvalidToken');
  });

  it('by role: every session minted before, not those minted after', async () => {
    const { role, creds } = await session();
    expect((await admin('POST', '/revocations', { type: 'role', role: role.name })).status).toBe(201);
    expect(await s3Error(read(creds))).toBe('InvalidToken');
    await new Promise((r) => setTimeout(r, 1100)); // issued-at has one-second resolution
    const fresh = (await assumeRole(role.name, await idp.token(githubClaims(idp.issuer)))).credentials!;
    expect((await read(fresh)).ContentLength).toBe(5);
  });

  it('by subject: its sessions, and web identity tokens issued before the revocation', async () => {
    const sub = `repo:org/repo:ref:refs/heads/main:run-${crypto.randomUUID()}`;
    const { role, creds } = await session(readWrite(), { sub });
    const oldToken = await idp.token(githubClaims(idp.issuer, { sub, iat: Math.floor(Date.now() / 1000) - 5 }));
    const r = await admin('POST', '/revocations', { type: 'subject', issuer: idp.issuer, subject: sub });
    expect(r.status, r.text).toBe(201);
    expect(await writeRefused(creds)).toBe('InvalidToken');
    const again = await assumeRole(role.name, oldToken);
    expect(again.answer.code).toBe('IDPRejectedClaim');
    expect(again.credentials).toBeUndefined();
    const untouched = (await assumeRole(role.name, await idp.token(githubClaims(idp.issuer)))).credentials!;
    expect((await read(untouched)).ContentLength).toBe(5);
  });

  it('lifts a revocation with DELETE, and validates input', async () => {
    const { role, creds } = await session();
    const r = await admin('POST', '/revocations', { type: 'role', role: role.name });
    expect(await s3Error(read(creds))).toBe('InvalidToken');
    expect((await admin('DELETE', `/revocations/role/${r.json.id}`)).status).toBe(204);
    expect((await read(creds)).ContentLength).toBe(5);
    expect((await admin('DELETE', `/revocations/role/${r.json.id}`)).status).toBe(404);
    expect((await admin('POST', '/revocations', { type: 'role', role: 'no-such-role' })).status).toBe(404);
    const bad = await admin('POST', '/revocations', { type: 'session', jti: 'short' });
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe('InvalidRequest');
  });
});

describe('GetCallerIdentity', () => {
  const xml = new XMLParser({ parseTagValue: false });
  async function call(credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | null, path = '/.sts') {
    const body = 'Action=GetCallerIdentity&Version=2011-06-15';
    const init = { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body };
    const request = credentials
      ? await new AwsClient({ ...credentials, service: 'sts', region: 'us-east-1' }).sign(`https://gateway.test${path}`, init)
      : new Request(`https://gateway.test${path}`, init);
    const response = await SELF.fetch(request);
    const doc = xml.parse(await response.text());
    return { status: response.status, doc, code: doc.ErrorResponse?.Error?.Code as string | undefined };
  }

  it('describes a static key as an IAM user', async () => {
    const key = await createAccessKey([], 'ci uploader');
    const r = await call(key, '/');
    expect(r.status).toBe(200);
    expect(r.doc.GetCallerIdentityResponse.GetCallerIdentityResult).toEqual({ Arn: 'arn:aws:iam::000000000000:user/ci-uploader', UserId: key.accessKeyId, Account: '000000000000' });
  });

  it('refuses unsigned, mis-signed, unknown, tampered, expired and revoked callers', async () => {
    const { role, creds } = await session();
    expect((await call(null)).code).toBe('MissingAuthenticationToken');
    expect((await call({ ...creds, secretAccessKey: 'wrong' })).code).toBe('SignatureDoesNotMatch');
    expect((await call({ accessKeyId: 'AKIAUNKNOWNUNKNOWN00', secretAccessKey: 'x' })).code).toBe('InvalidClientTokenId');
    expect((await call({ ...creds, sessionToken: tamper(creds.sessionToken, (p) => (p.role = 'admin')) })).code).toBe('InvalidClientTokenId');
    const issuedAt = new Date(Date.now() - 7200_000);
    const expired = await mintSessionCredentials(await stsKeyring(env), {
      roleId: role.id, roleName: role.name, account: '1', sessionName: 'x', subject: 's', issuer: idp.issuer,
      ceiling: [], templateClaims: {}, issuedAt, expiresAt: new Date(issuedAt.getTime() + 3600_000),
    });
    expect((await call(expired)).code).toBe('ExpiredToken');
    await admin('POST', '/revocations', { type: 'role', role: role.name });
    expect((await call(creds)).code).toBe('InvalidClientTokenId');
  });

  it('accepts a presigned GET (X-Amz-* query), as Vault-style identity checks send it', async () => {
    const { role, creds } = await session();
    const signer = new AwsClient({ ...creds, service: 'sts', region: 'us-east-1' });
    const signed = await signer.sign('https://gateway.test/.sts?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Expires=60', { aws: { signQuery: true } });
    const response = await SELF.fetch(signed.url);
    const text = await response.text();
    expect(response.status, text).toBe(200);
    expect(text).toContain(`<Arn>arn:aws:sts::123456789012:assumed-role/${role.name}/ci-run</Arn>`);
    const tampered = signed.url.replace('X-Amz-Expires=60', 'X-Amz-Expires=61');
    expect(await (await SELF.fetch(tampered)).text()).toContain('<Code>SignatureDoesNotMatch</Code>');
  });

  it('refuses credentials scoped to another service', async () => {
    const key = await createAccessKey([], 'scoped');
    const request = await new AwsClient({ ...key, service: 's3', region: 'us-east-1' }).sign('https://gateway.test/.sts', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=GetCallerIdentity&Version=2011-06-15',
    });
    const response = await SELF.fetch(request);
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
  });
});
