import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCliV2, rclone as locateRclone, s3cmd as locateS3cmd } from './support/clients';
import { removeDir, tempDir } from './support/files';
import { gateway, objectPath, uniqueBucket } from './support/gateway';
import { awsClientEnv, clientEnv, run, succeed } from './support/process';

/**
 * The ways real tools publish a bucket with canned ACLs (adrs/0016), each proven by what an
 * anonymous HTTP client (no credentials at all) can then read.
 */

const [aws, s3cmd, rclone] = await Promise.all([awsCliV2(), locateS3cmd(), locateRclone()]);
const BODY = 'published through a canned ACL\n';

/** Status and body of an unsigned GET, as a browser or curl would see the object. */
async function anonymousGet(bucket: string, key: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`${gateway().endpoint}${objectPath(bucket, key)}`);
  return { status: response.status, body: await response.text() };
}

let work: string;
let file: string;

beforeAll(async () => {
  work = await tempDir('canned-acl');
  file = join(work, 'hello.txt');
  await writeFile(file, BODY);
});
afterAll(() => removeDir(work));

describe(`${aws.label}: s3api create-bucket / put-bucket-acl --acl`, () => {
  const awsMayFail = (...args: string[]) => run(aws.path, ['--endpoint-url', gateway().endpoint, ...args], { env: awsEnv() });
  const awsOk = (...args: string[]) => succeed(aws.path, ['--endpoint-url', gateway().endpoint, ...args], { env: awsEnv() });
  const awsEnv = () => {
    const { accessKeyId, secretAccessKey } = gateway();
    return awsClientEnv(work, { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_DEFAULT_REGION: 'us-east-1', AWS_PAGER: '', AWS_MAX_ATTEMPTS: '1' });
  };

  it('create-bucket --acl public-read publishes the bucket; get-bucket-acl shows AllUsers READ', async () => {
    const bucket = uniqueBucket('acl-awscli');
    await awsOk('s3api', 'create-bucket', '--bucket', bucket, '--acl', 'public-read');
    await awsOk('s3api', 'put-object', '--bucket', bucket, '--key', 'hello.txt', '--body', file);
    expect(await anonymousGet(bucket, 'hello.txt')).toEqual({ status: 200, body: BODY });
    const acl = JSON.parse((await awsOk('s3api', 'get-bucket-acl', '--bucket', bucket)).stdout);
    expect(acl.Grants).toContainEqual({ Grantee: { Type: 'Group', URI: 'http://acs.amazonaws.com/groups/global/AllUsers' }, Permission: 'READ' });
  });

  it('put-bucket-acl --acl private closes it, public-read opens it, public-read-write is refused and changes nothing', async () => {
    const bucket = uniqueBucket('acl-awscli-put');
    await awsOk('s3api', 'create-bucket', '--bucket', bucket);
    await awsOk('s3api', 'put-object', '--bucket', bucket, '--key', 'hello.txt', '--body', file);
    expect((await anonymousGet(bucket, 'hello.txt')).status).toBe(403);

    await awsOk('s3api', 'put-bucket-acl', '--bucket', bucket, '--acl', 'public-read');
    expect(await anonymousGet(bucket, 'hello.txt')).toEqual({ status: 200, body: BODY });

    const refused = await awsMayFail('s3api', 'put-bucket-acl', '--bucket', bucket, '--acl', 'public-read-write');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('AccessControlListNotSupported');
    expect((await anonymousGet(bucket, 'hello.txt')).status).toBe(200);

    await awsOk('s3api', 'put-bucket-acl', '--bucket', bucket, '--acl', 'private');
    expect((await anonymousGet(bucket, 'hello.txt')).status).toBe(403);
  });
});

describe(`${s3cmd.label}: setacl --acl-public / --acl-private`, () => {
  let config: string;
  const s3cmdOk = (...args: string[]) => succeed(s3cmd.path, ['-c', config, ...args], { env: clientEnv() });

  beforeAll(async () => {
    const { endpoint, accessKeyId, secretAccessKey } = gateway();
    const host = new URL(endpoint).host;
    config = join(work, 's3cfg');
    await writeFile(
      config,
      ['[default]', `access_key = ${accessKeyId}`, `secret_key = ${secretAccessKey}`, `host_base = ${host}`, `host_bucket = ${host}`, 'bucket_location = us-east-1', 'use_https = False', 'signature_v2 = False', ''].join('\n'),
    );
  });

  it('setacl --acl-public on the bucket (GET ?acl, then PUT ?acl with the edited policy) publishes it; --acl-private withdraws it', async () => {
    const bucket = uniqueBucket('acl-s3cmd');
    await s3cmdOk('mb', `s3://${bucket}`);
    await s3cmdOk('put', file, `s3://${bucket}/hello.txt`);
    expect((await anonymousGet(bucket, 'hello.txt')).status).toBe(403);

    await s3cmdOk('setacl', '--acl-public', `s3://${bucket}`);
    expect(await anonymousGet(bucket, 'hello.txt')).toEqual({ status: 200, body: BODY });
    expect((await s3cmdOk('info', `s3://${bucket}`)).stdout).toMatch(/ACL:\s+\*anon\*: READ/);

    await s3cmdOk('setacl', '--acl-private', `s3://${bucket}`);
    expect((await anonymousGet(bucket, 'hello.txt')).status).toBe(403);
  });
});

describe(`${rclone.label}: --s3-bucket-acl / --s3-acl public-read`, () => {
  const flags = ['--retries', '1', '--low-level-retries', '1', '--stats', '0'];
  const rcloneOk = (...args: string[]) => succeed(rclone.path, [...args, ...flags], { env: rcloneEnv() });
  const rcloneEnv = () => {
    const { endpoint, accessKeyId, secretAccessKey } = gateway();
    return clientEnv({
      RCLONE_CONFIG: join(work, 'rclone.conf'),
      RCLONE_CONFIG_GW_TYPE: 's3',
      RCLONE_CONFIG_GW_PROVIDER: 'Other',
      RCLONE_CONFIG_GW_ACCESS_KEY_ID: accessKeyId,
      RCLONE_CONFIG_GW_SECRET_ACCESS_KEY: secretAccessKey,
      RCLONE_CONFIG_GW_ENDPOINT: endpoint,
      RCLONE_CONFIG_GW_REGION: 'us-east-1',
      RCLONE_CONFIG_GW_FORCE_PATH_STYLE: 'true',
    });
  };

  beforeAll(() => writeFile(join(work, 'rclone.conf'), ''));

  it('mkdir --s3-bucket-acl public-read creates a public bucket', async () => {
    const bucket = uniqueBucket('acl-rclone-b');
    await rcloneOk('mkdir', `gw:${bucket}`, '--s3-bucket-acl', 'public-read');
    await rcloneOk('copyto', file, `gw:${bucket}/hello.txt`);
    expect(await anonymousGet(bucket, 'hello.txt')).toEqual({ status: 200, body: BODY });
  });

  it('copyto --s3-acl public-read creates the bucket with that ACL and uploads with it (a no-op on a public bucket)', async () => {
    const bucket = uniqueBucket('acl-rclone-o');
    await rcloneOk('copyto', file, `gw:${bucket}/hello.txt`, '--s3-acl', 'public-read');
    expect(await anonymousGet(bucket, 'hello.txt')).toEqual({ status: 200, body: BODY });
  });
});
