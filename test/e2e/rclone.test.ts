import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rclone as locateRclone, type Client } from './support/clients';
import { MiB, removeDir, sha256File, tempDir, treeDigest, writeRandomFile, writeSampleTree } from './support/files';
import { gateway, objectPath, signedFetch, uniqueBucket } from './support/gateway';
import { clientEnv, run, succeed } from './support/process';

const cli: Client = await locateRclone();

describe(cli.label, () => {
  let work: string;
  let bucket: string;
  let env: NodeJS.ProcessEnv;
  let remote: (path?: string) => string;

  // One try per operation: rclone's retries would hide a failing request.
  const flags = ['--retries', '1', '--low-level-retries', '1', '--stats', '0'];
  const rclone = (...args: string[]) => succeed(cli.path, [...args, ...flags], { env });
  const rcloneMayFail = (...args: string[]) => run(cli.path, [...args, ...flags], { env });
  const lsf = async (path: string) =>
    (await rclone('lsf', '-R', '--files-only', remote(path))).stdout.split('\n').filter(Boolean).sort();

  beforeAll(async () => {
    work = await tempDir('rclone');
    bucket = uniqueBucket('rclone');
    remote = (path = '') => `gw:${bucket}/${path}`;
    const { endpoint, accessKeyId, secretAccessKey } = gateway();
    await writeFile(join(work, 'rclone.conf'), '');
    // The remote exactly as a user would configure it, through rclone's env-var config (AWS_CA_BUNDLE unset by clientEnv).
    env = clientEnv({
      RCLONE_CONFIG: join(work, 'rclone.conf'),
      RCLONE_CONFIG_GW_TYPE: 's3',
      RCLONE_CONFIG_GW_PROVIDER: 'Other',
      RCLONE_CONFIG_GW_ACCESS_KEY_ID: accessKeyId,
      RCLONE_CONFIG_GW_SECRET_ACCESS_KEY: secretAccessKey,
      RCLONE_CONFIG_GW_ENDPOINT: endpoint,
      RCLONE_CONFIG_GW_REGION: 'us-east-1',
      RCLONE_CONFIG_GW_FORCE_PATH_STYLE: 'true',
    });
  });
  afterAll(() => removeDir(work));

  it('mkdir creates the bucket through S3 CreateBucket', async () => {
    await rclone('mkdir', `gw:${bucket}`);
    const buckets = (await rclone('lsf', '--dirs-only', 'gw:')).stdout.split('\n');
    expect(buckets).toContain(`${bucket}/`);
  });

  it('copy uploads a tree, lsf -R lists every file, check finds all hashes equal', async () => {
    const local = join(work, 'tree');
    const digest = await writeSampleTree(local);
    await rclone('copy', local, remote('tree'));
    expect(await lsf('tree')).toEqual(Object.keys(digest).sort());

    const checked = await rclone('check', local, remote('tree'));
    expect(checked.stderr).toContain('0 differences found');
    expect(checked.stderr).toContain(`${Object.keys(digest).length} matching files`);
    expect(checked.stderr).not.toMatch(/hashes could not be checked|No common hash/);

    // check can fail: a remote file with other content of the same size is a difference.
    await writeRandomFile(join(work, 'other', 'readme.txt'), 1024);
    await rclone('copyto', join(work, 'other', 'readme.txt'), remote('tree/readme.txt'));
    const differs = await rcloneMayFail('check', local, remote('tree'));
    expect(differs.code).not.toBe(0);
    expect(differs.stderr).toContain('1 differences found');
  });

  it('sync makes the remote equal to the local tree, deleting what the local side no longer has', async () => {
    const local = join(work, 'synced');
    await writeSampleTree(local);
    await rclone('sync', local, remote('synced'));
    await rm(join(local, 'docs', '100% done.txt'));
    await writeRandomFile(join(local, 'added later.txt'), 2048);
    await writeRandomFile(join(local, 'readme.txt'), 4096); // changed content and size
    await rclone('sync', local, remote('synced'));

    const digest = await treeDigest(local);
    expect(await lsf('synced')).toEqual(Object.keys(digest).sort());
    expect((await rclone('check', local, remote('synced'))).stderr).toContain('0 differences found');
    const down = join(work, 'synced-down');
    await rclone('sync', remote('synced'), down);
    expect(await treeDigest(down)).toEqual(digest);
  });

  it('a 50 MiB file goes up as a multipart upload and comes back byte-identical', async () => {
    const source = join(work, 'big', 'fifty.bin');
    const digest = await writeRandomFile(source, 50 * MiB);
    await rclone('copy', join(work, 'big'), remote('big'), '--s3-upload-cutoff', '5M', '--s3-chunk-size', '5M');

    const head = await signedFetch(objectPath(bucket, 'big/fifty.bin'), { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('etag')).toMatch(/^"[0-9a-f]{32}-10"$/);
    expect(head.headers.get('content-length')).toBe(String(50 * MiB));

    expect((await rclone('check', join(work, 'big'), remote('big'))).stderr).toContain('1 matching files');
    await rclone('copy', remote('big'), join(work, 'big-down'));
    expect(await sha256File(join(work, 'big-down', 'fifty.bin'))).toBe(digest);
    await removeDir(join(work, 'big-down'));
  });

  it('deletefile removes exactly one object and fails for a missing one', async () => {
    const before = await lsf('tree');
    await rclone('deletefile', remote('tree/docs/a+b=c&d.txt'));
    expect(await lsf('tree')).toEqual(before.filter((f) => f !== 'docs/a+b=c&d.txt'));
    const missing = await rcloneMayFail('deletefile', remote('tree/docs/a+b=c&d.txt'));
    expect(missing.code).not.toBe(0);
  });
});
