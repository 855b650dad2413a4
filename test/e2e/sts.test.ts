import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OidcIssuer, startOidcIssuer } from '../oidc/issuer';
import { awsCliV1, boto3Current, rclone as locateRclone } from './support/clients';
import { removeDir, tempDir } from './support/files';
import { admin, gateway, uniqueBucket } from './support/gateway';
import { recordSecrets } from './support/secrets';
import { awsClientEnv, clientEnv, run, succeed } from './support/process';

/**
 * STS with the real clients: a local OIDC issuer (GitHub Actions-shaped tokens) trusted by a role,
 * AssumeRoleWithWebIdentity from aws cli / the CI-job environment / boto3, and the session
 * credentials used by aws cli, boto3 and rclone against the gateway started by global-setup.ts.
 */

const [awsV1, python, rcloneCli] = await Promise.all([awsCliV1(), boto3Current(), locateRclone()]);
const BOTO3_SCRIPT = fileURLToPath(new URL('python/sts_boto3.py', import.meta.url));
const AUDIENCE = 'https://bucketgate.e2e';
const ACCOUNT = '123456789012';

describe('STS with real clients', () => {
  let oidc: OidcIssuer;
  let issuer: string;
  let work: string;
  let bucket: string;
  let roleArn: string;
  let tokenFile: string;

  /** A GitHub Actions-shaped token for org/repo on main from the local issuer. */
  async function mintToken(overrides: Record<string, unknown> = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      iss: issuer, aud: AUDIENCE, sub: 'repo:org/repo:ref:refs/heads/main', repository: 'org/repo', repository_owner: 'org',
      ref: 'refs/heads/main', job_workflow_ref: 'org/repo/.github/workflows/ci.yml@refs/heads/main', iat: now, nbf: now, exp: now + 600, ...overrides,
    };
    const response = await fetch(`${issuer}/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ claims }) });
    const { token } = (await response.json()) as { token: string };
    recordSecrets(token);
    return token;
  }

  /** An environment with no credentials at all: only the web identity token can get any. */
  const bareEnv = (extra: Record<string, string> = {}) =>
    awsClientEnv(work, {
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_PAGER: '',
      AWS_MAX_ATTEMPTS: '1',
      ...extra,
    });

  beforeAll(async () => {
    oidc = await startOidcIssuer();
    issuer = ((await (await fetch(`${oidc.url}/tenants`, { method: 'POST' })).json()) as { issuer: string }).issuer;
    work = await tempDir('sts');
    bucket = uniqueBucket('sts');
    expect((await admin('POST', '/buckets', { name: bucket })).status).toBe(201);
    expect((await admin('POST', '/idps', { issuer, audiences: [AUDIENCE] })).status).toBe(201);
    const role = await admin('POST', '/roles', {
      name: `e2e-${bucket}`,
      trust: [{ issuer, audience: AUDIENCE, claims: [{ claim: 'sub', operator: 'glob', value: 'repo:org/repo:ref:refs/heads/*' }] }],
      statements: [
        { effect: 'allow', actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], resources: [`${bucket}/ci/\${repository}/*`] },
        { effect: 'allow', actions: ['s3:ListBucket'], resources: [bucket] },
      ],
    });
    expect(role.status).toBe(201);
    roleArn = `arn:aws:iam::${ACCOUNT}:role/${role.json.name}`;
    tokenFile = join(work, 'token');
    // As GitHub Actions' helpers write it: with a trailing newline.
    await writeFile(tokenFile, `${await mintToken()}\n`);
  });
  afterAll(async () => {
    await oidc?.close();
    await removeDir(work);
  });

  it(`${awsV1.label}: sts assume-role-with-web-identity, then s3 cp with the returned credentials`, async () => {
    const assumed = await succeed(awsV1.path, [
      'sts', 'assume-role-with-web-identity', '--endpoint-url', `${gateway().endpoint}/.sts`,
      '--role-arn', roleArn, '--role-session-name', 'cli', '--web-identity-token', `file://${tokenFile}`, '--duration-seconds', '900', '--output', 'json',
    ], { env: bareEnv() });
    const result = JSON.parse(assumed.stdout);
    expect(result.AssumedRoleUser.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/e2e-${bucket}/cli`);
    expect(result.SubjectFromWebIdentityToken).toBe('repo:org/repo:ref:refs/heads/main');
    const { AccessKeyId, SecretAccessKey, SessionToken } = result.Credentials;
    recordSecrets(SecretAccessKey, SessionToken);
    const env = bareEnv({ AWS_ACCESS_KEY_ID: AccessKeyId, AWS_SECRET_ACCESS_KEY: SecretAccessKey, AWS_SESSION_TOKEN: SessionToken });
    const s3 = (...args: string[]) => succeed(awsV1.path, ['--endpoint-url', gateway().endpoint, 's3', ...args], { env });

    await writeFile(join(work, 'up.txt'), 'uploaded with session credentials');
    await s3('cp', join(work, 'up.txt'), `s3://${bucket}/ci/org/repo/up.txt`);
    await s3('cp', `s3://${bucket}/ci/org/repo/up.txt`, join(work, 'down.txt'));
    expect(await readFile(join(work, 'down.txt'), 'utf8')).toBe('uploaded with session credentials');

    const outside = await run(awsV1.path, ['--endpoint-url', gateway().endpoint, 's3', 'cp', join(work, 'up.txt'), `s3://${bucket}/elsewhere.txt`], { env });
    expect(outside.code).not.toBe(0);
    expect(outside.stderr).toContain('AccessDenied');
  });

  it(`${awsV1.label}: refuses a token for another audience with InvalidIdentityToken`, async () => {
    const wrong = join(work, 'wrong-token');
    await writeFile(wrong, await mintToken({ aud: 'sts.amazonaws.com' }));
    const refused = await run(awsV1.path, [
      'sts', 'assume-role-with-web-identity', '--endpoint-url', `${gateway().endpoint}/.sts`,
      '--role-arn', roleArn, '--role-session-name', 'cli', '--web-identity-token', `file://${wrong}`,
    ], { env: bareEnv() });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('InvalidIdentityToken');
  });

  // The CI-job flow: no code, only the environment a workflow sets up.
  for (const [label, endpoints] of [
    ['AWS_ENDPOINT_URL_STS + AWS_ENDPOINT_URL_S3', () => ({ AWS_ENDPOINT_URL_STS: `${gateway().endpoint}/.sts`, AWS_ENDPOINT_URL_S3: gateway().endpoint })],
    ['AWS_ENDPOINT_URL (STS at the root)', () => ({ AWS_ENDPOINT_URL: gateway().endpoint })],
  ] as const) {
    it(`${awsV1.label}: AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE with ${label}: s3 ls and sts get-caller-identity`, async () => {
      const env = bareEnv({ AWS_ROLE_ARN: roleArn, AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile, AWS_ROLE_SESSION_NAME: 'ci-job', ...endpoints() });
      await writeFile(join(work, 'ci.txt'), 'ci');
      await succeed(awsV1.path, ['s3', 'cp', join(work, 'ci.txt'), `s3://${bucket}/ci/org/repo/ci.txt`], { env });
      const listed = await succeed(awsV1.path, ['s3', 'ls', `s3://${bucket}/ci/org/repo/`], { env });
      expect(listed.stdout).toContain('ci.txt');
      const identity = JSON.parse((await succeed(awsV1.path, ['sts', 'get-caller-identity', '--output', 'json'], { env })).stdout);
      expect(identity).toMatchObject({ Account: ACCOUNT, Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/e2e-${bucket}/ci-job` });
    });
  }

  it(`${python.label}: assume_role_with_web_identity, then S3 and get_caller_identity with the session`, async () => {
    const { stdout } = await succeed(python.path, [BOTO3_SCRIPT, gateway().endpoint, roleArn, tokenFile, bucket, 'ci/org/repo/boto3.txt'], { env: bareEnv() });
    const r = JSON.parse(stdout);
    expect(r.accessKeyId).toMatch(/^ASIA/);
    expect(r.subject).toBe('repo:org/repo:ref:refs/heads/main');
    expect(r.body).toBe('from boto3 with a session');
    expect(r.metadata).toEqual({ via: 'sts' });
    expect(r.keys).toContain('ci/org/repo/boto3.txt');
    expect(r.outside).toBe('AccessDenied');
    expect(r.callerArn).toBe(r.assumedRoleArn);
    const lifetime = Date.parse(r.expiration) - Date.now();
    expect(lifetime).toBeGreaterThan(800_000);
    expect(lifetime).toBeLessThanOrEqual(900_000);
  });

  it(`${rcloneCli.label}: upload, list and download with session credentials (session_token)`, async () => {
    const assumed = await succeed(awsV1.path, [
      'sts', 'assume-role-with-web-identity', '--endpoint-url', `${gateway().endpoint}/.sts`,
      '--role-arn', roleArn, '--role-session-name', 'rclone', '--web-identity-token', `file://${tokenFile}`, '--output', 'json',
    ], { env: bareEnv() });
    const { AccessKeyId, SecretAccessKey, SessionToken } = JSON.parse(assumed.stdout).Credentials;
    recordSecrets(SecretAccessKey, SessionToken);
    await writeFile(join(work, 'rclone.conf'), '');
    const env = clientEnv({
      RCLONE_CONFIG: join(work, 'rclone.conf'),
      RCLONE_CONFIG_STS_TYPE: 's3',
      RCLONE_CONFIG_STS_PROVIDER: 'Other',
      RCLONE_CONFIG_STS_ACCESS_KEY_ID: AccessKeyId,
      RCLONE_CONFIG_STS_SECRET_ACCESS_KEY: SecretAccessKey,
      RCLONE_CONFIG_STS_SESSION_TOKEN: SessionToken,
      RCLONE_CONFIG_STS_ENDPOINT: gateway().endpoint,
      RCLONE_CONFIG_STS_REGION: 'us-east-1',
      RCLONE_CONFIG_STS_FORCE_PATH_STYLE: 'true',
      // The role may not create buckets; without this rclone tries CreateBucket before uploading.
      RCLONE_CONFIG_STS_NO_CHECK_BUCKET: 'true',
    });
    const flags = ['--retries', '1', '--low-level-retries', '1', '--stats', '0'];
    await writeFile(join(work, 'rclone.txt'), 'via rclone');
    await succeed(rcloneCli.path, ['copyto', join(work, 'rclone.txt'), `sts:${bucket}/ci/org/repo/rclone.txt`, ...flags], { env });
    const listed = await succeed(rcloneCli.path, ['lsf', `sts:${bucket}/ci/org/repo/`, ...flags], { env });
    expect(listed.stdout.split('\n')).toContain('rclone.txt');
    await succeed(rcloneCli.path, ['copyto', `sts:${bucket}/ci/org/repo/rclone.txt`, join(work, 'rclone-down.txt'), ...flags], { env });
    expect(await readFile(join(work, 'rclone-down.txt'), 'utf8')).toBe('via rclone');
    const outside = await run(rcloneCli.path, ['copyto', join(work, 'rclone.txt'), `sts:${bucket}/outside.txt`, ...flags], { env });
    expect(outside.code).not.toBe(0);
  });
});
