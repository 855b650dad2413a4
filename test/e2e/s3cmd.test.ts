import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3cmd as locateS3cmd, type Client } from './support/clients';
import { digestFile, KiB, MiB, removeDir, sha256File, tempDir, writeRandomFile } from './support/files';
import { gateway, objectPath, signedFetch, uniqueBucket } from './support/gateway';
import { run, succeed } from './support/process';

const cli: Client = await locateS3cmd();

describe(`${cli.label} (SigV4)`, () => {
  let work: string;
  let bucket: string;
  let config: string;

  // s3cmd 2.3 retries failed requests itself (5 times, sleeping 3–15 s) and has no option to stop that.
  const s3cmd = (...args: string[]) => succeed(cli.path, ['-c', config, ...args]);
  const s3cmdMayFail = (...args: string[]) => run(cli.path, ['-c', config, ...args]);

  beforeAll(async () => {
    work = await tempDir('s3cmd');
    bucket = uniqueBucket('s3cmd');
    const { endpoint, accessKeyId, secretAccessKey } = gateway();
    const host = new URL(endpoint).host;
    config = join(work, 's3cfg');
    // The README's recipe: path-style (host_bucket without %(bucket)s), plain HTTP, SigV4.
    await writeFile(
      config,
      [
        '[default]',
        `access_key = ${accessKeyId}`,
        `secret_key = ${secretAccessKey}`,
        `host_base = ${host}`,
        `host_bucket = ${host}`,
        'bucket_location = us-east-1',
        'use_https = False',
        'signature_v2 = False',
        '',
      ].join('\n'),
    );
    await s3cmd('mb', `s3://${bucket}`);
  });
  afterAll(() => removeDir(work));

  it('ls lists the bucket it made', async () => {
    expect((await s3cmd('ls')).stdout).toContain(`s3://${bucket}`);
  });

  it('put, ls, get and del one object byte-identical', async () => {
    const source = join(work, 'notes 2024.txt');
    const digest = await writeRandomFile(source, 10 * KiB);
    await s3cmd('put', source, `s3://${bucket}/docs/notes 2024.txt`);

    const listing = (await s3cmd('ls', `s3://${bucket}/docs/`)).stdout;
    expect(listing).toMatch(new RegExp(`\\b${10 * KiB}\\s+s3://${bucket}/docs/notes 2024\\.txt`));

    await s3cmd('get', `s3://${bucket}/docs/notes 2024.txt`, join(work, 'notes.down'));
    expect(await sha256File(join(work, 'notes.down'))).toBe(digest);

    await s3cmd('del', `s3://${bucket}/docs/notes 2024.txt`);
    expect((await s3cmd('ls', `s3://${bucket}/docs/`)).stdout.trim()).toBe('');
    const gone = await s3cmdMayFail('get', `s3://${bucket}/docs/notes 2024.txt`, join(work, 'gone.down'));
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toMatch(/does not exist|404/); // s3cmd's words for a 404 on its HEAD
  });

  it('put of 20 MiB in 5 MiB parts (multipart) and get it back byte-identical', async () => {
    const source = join(work, 'big.bin');
    const digest = await writeRandomFile(source, 20 * MiB);
    await s3cmd('put', '--multipart-chunk-size-mb=5', source, `s3://${bucket}/big.bin`);
    const head = await signedFetch(objectPath(bucket, 'big.bin'), { method: 'HEAD' });
    expect(head.headers.get('etag')).toMatch(/^"[0-9a-f]{32}-4"$/);
    // s3cmd keeps the whole file's MD5 in x-amz-meta-s3cmd-attrs; info reads it back.
    const info = (await s3cmd('info', `s3://${bucket}/big.bin`)).stdout;
    expect(info).toMatch(new RegExp(`MD5 sum:\\s+${await digestFile(source, 'md5')}`));
    await s3cmd('get', `s3://${bucket}/big.bin`, join(work, 'big.down'));
    expect(await sha256File(join(work, 'big.down'))).toBe(digest);
  });
});
