import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from './clients';
import { KiB, md5, MiB, removeDir, sha256, sha256File, tempDir, treeDigest, writeManyFiles, writeRandomFile, writeSampleTree } from './files';
import { gateway, uniqueBucket } from './gateway';
import { clientEnv, run, succeed } from './process';

/**
 * The aws cli suite, declared once and run by one test file per generation (aws-cli-v1.test.ts,
 * aws-cli-v2.test.ts) so the two run in parallel: v1 (botocore 1.4x) and v2.9 sign payloads and
 * presign URLs differently.
 */
export const describeAwsCli = (cli: Client) => describe(cli.label, () => {
  const gen = cli.version.startsWith('1.') ? 'v1' : 'v2';
  let work: string;
  let bucket: string;
  let env: NodeJS.ProcessEnv;

  const aws = (...args: string[]) => succeed(cli.path, ['--endpoint-url', gateway().endpoint, ...args], { env });
  const awsMayFail = (...args: string[]) => run(cli.path, ['--endpoint-url', gateway().endpoint, ...args], { env });
  const headObject = async (key: string) => JSON.parse((await aws('s3api', 'head-object', '--bucket', bucket, '--key', key)).stdout);

  beforeAll(async () => {
    work = await tempDir(`awscli-${gen}`);
    const { accessKeyId, secretAccessKey } = gateway();
    // 12 requests in flight keep the 1100-key test short. (Chosen when wrangler 4.86 never answered
    // `Expect: 100-continue` and botocore waited 1 s before each PUT body, and many more in flight
    // made its proxy answer 503; ADR 0005, ADR 0012.)
    await writeFile(join(work, 'config'), '[default]\ns3 =\n  max_concurrent_requests = 12\n');
    env = clientEnv({
      AWS_ACCESS_KEY_ID: accessKeyId,
      AWS_SECRET_ACCESS_KEY: secretAccessKey,
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      // Nothing from the machine's ~/.aws may change what is tested.
      AWS_CONFIG_FILE: join(work, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(work, 'no-credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_PAGER: '',
      // One try per request: botocore's retries would hide a failing one.
      AWS_MAX_ATTEMPTS: '1',
    });
    bucket = uniqueBucket(`awscli-${gen}`);
    await aws('s3', 'mb', `s3://${bucket}`);
  });
  afterAll(() => removeDir(work));

  it('s3 mb creates a bucket; s3 rb refuses while it holds objects and removes it once empty', async () => {
    const name = uniqueBucket(`mb-${gen}`);
    expect((await aws('s3', 'mb', `s3://${name}`)).stdout).toContain(`make_bucket: ${name}`);
    await aws('s3api', 'head-bucket', '--bucket', name);
    expect((await aws('s3', 'ls')).stdout).toContain(name);

    await writeFile(join(work, 'mb.txt'), 'keeps the bucket busy');
    await aws('s3', 'cp', join(work, 'mb.txt'), `s3://${name}/mb.txt`);
    const refused = await awsMayFail('s3', 'rb', `s3://${name}`);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('BucketNotEmpty');
    await aws('s3api', 'head-object', '--bucket', name, '--key', 'mb.txt'); // still there

    await aws('s3', 'rm', `s3://${name}/mb.txt`);
    expect((await aws('s3', 'rb', `s3://${name}`)).stdout).toContain(`remove_bucket: ${name}`);
    const gone = await awsMayFail('s3api', 'head-bucket', '--bucket', name);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toMatch(/404|Not Found/);
  });

  it('s3 cp uploads and downloads 1 KiB byte-identical', async () => {
    const source = join(work, 'small.bin');
    const digest = await writeRandomFile(source, KiB);
    await aws('s3', 'cp', source, `s3://${bucket}/small/small.bin`);
    await aws('s3', 'cp', `s3://${bucket}/small/small.bin`, join(work, 'small.down'));
    expect(await sha256File(join(work, 'small.down'))).toBe(digest);

    const head = await headObject('small/small.bin');
    expect(head.ContentLength).toBe(KiB);
    expect(head.ETag).toBe(`"${md5(await readFile(source))}"`);
  });

  it('s3 cp sends 20 MiB as a multipart upload and gets it back byte-identical', async () => {
    const source = join(work, 'big.bin');
    const digest = await writeRandomFile(source, 20 * MiB);
    await aws('s3', 'cp', source, `s3://${bucket}/big/big.bin`);
    // The CLI's 8 MiB parts: 8 + 8 + 4 → an ETag of the form "<md5 of part md5s>-3".
    expect((await headObject('big/big.bin')).ETag).toMatch(/^"[0-9a-f]{32}-3"$/);
    await aws('s3', 'cp', `s3://${bucket}/big/big.bin`, join(work, 'big.down'));
    expect(await sha256File(join(work, 'big.down'))).toBe(digest);
    await rm(join(work, 'big.down'));
  });

  it('s3 sync mirrors a tree up and back down, then only transfers what changed', async () => {
    const up = join(work, 'tree-up');
    const digest = await writeSampleTree(up);
    await aws('s3', 'sync', up, `s3://${bucket}/tree/`);
    const down = join(work, 'tree-down');
    await aws('s3', 'sync', `s3://${bucket}/tree/`, down);
    expect(await treeDigest(down)).toEqual(digest);

    expect((await aws('s3', 'sync', up, `s3://${bucket}/tree/`)).stdout.trim()).toBe('');
    await rm(join(up, 'docs/a+b=c&d.txt'));
    const deleted = await aws('s3', 'sync', '--delete', up, `s3://${bucket}/tree/`);
    expect(deleted.stdout).toContain('delete: s3://');
    expect(deleted.stdout.trim().split('\n')).toHaveLength(1);
    const listing = (await aws('s3', 'ls', '--recursive', `s3://${bucket}/tree/`)).stdout;
    expect(listing).not.toContain('a+b=c&d.txt');
    expect(listing.trim().split('\n')).toHaveLength(Object.keys(digest).length - 1);
  });

  it('s3 ls --recursive pages through 1100 keys and s3 rm --recursive removes them all', async () => {
    const names = await writeManyFiles(join(work, 'many'), 1100);
    await aws('s3', 'sync', join(work, 'many'), `s3://${bucket}/many/`);
    const listed = (await aws('s3', 'ls', '--recursive', `s3://${bucket}/many/`)).stdout.trim().split('\n');
    expect(listed.map((line) => line.split(/\s+/).at(-1))).toEqual(names.map((n) => `many/${n}`));

    const removed = (await aws('s3', 'rm', '--recursive', `s3://${bucket}/many/`)).stdout.trim().split('\n');
    expect(removed.filter((line) => line.startsWith('delete: '))).toHaveLength(1100);
    const after = await awsMayFail('s3', 'ls', '--recursive', `s3://${bucket}/many/`);
    expect(after.stdout.trim()).toBe('');
    expect(after.code).toBe(1); // the CLI's "nothing listed"
  });

  it('s3api head-object returns the stored headers and get-object --range returns exactly the range', async () => {
    const source = join(work, 'ranged.bin');
    await writeRandomFile(source, KiB);
    const bytes = await readFile(source);
    await aws('s3', 'cp', source, `s3://${bucket}/ranged.bin`, '--content-type', 'application/x-test', '--metadata', 'color=blue,owner=e2e');

    const head = await headObject('ranged.bin');
    expect(head).toMatchObject({ ContentLength: KiB, ContentType: 'application/x-test', Metadata: { color: 'blue', owner: 'e2e' } });

    const out = join(work, 'range.out');
    const ranged = JSON.parse(
      (await aws('s3api', 'get-object', '--bucket', bucket, '--key', 'ranged.bin', '--range', 'bytes=100-199', out)).stdout,
    );
    expect(ranged).toMatchObject({ ContentLength: 100, ContentRange: `bytes 100-199/${KiB}` });
    expect(sha256(await readFile(out))).toBe(sha256(bytes.subarray(100, 200)));

    const suffix = JSON.parse((await aws('s3api', 'get-object', '--bucket', bucket, '--key', 'ranged.bin', '--range', 'bytes=-24', out)).stdout);
    expect(suffix.ContentRange).toBe(`bytes 1000-1023/${KiB}`);
    expect(sha256(await readFile(out))).toBe(sha256(bytes.subarray(1000)));

    const missing = await awsMayFail('s3api', 'head-object', '--bucket', bucket, '--key', 'no/such/key');
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/404|Not Found/);
  });

  it(`s3 presign gives a ${gen === 'v1' ? 'SigV2' : 'SigV4'} URL that serves the object until it expires`, async () => {
    const source = join(work, 'presigned.txt');
    const digest = await writeRandomFile(source, 3 * KiB);
    await aws('s3', 'cp', source, `s3://${bucket}/shared/presigned file.txt`);

    const url = (await aws('s3', 'presign', `s3://${bucket}/shared/presigned file.txt`, '--expires-in', '300')).stdout.trim();
    expect(url).toContain(gen === 'v1' ? 'AWSAccessKeyId=' : 'X-Amz-Algorithm=AWS4-HMAC-SHA256');
    const fresh = await fetch(url);
    expect(fresh.status).toBe(200);
    expect(sha256(new Uint8Array(await fresh.arrayBuffer()))).toBe(digest);

    const shortLived = (await aws('s3', 'presign', `s3://${bucket}/shared/presigned file.txt`, '--expires-in', '1')).stdout.trim();
    await new Promise((r) => setTimeout(r, 2_100));
    const expired = await fetch(shortLived);
    expect(expired.status).toBe(403);
    expect(await expired.text()).toContain('<Code>AccessDenied</Code>');

    const tampered = await fetch(url.replace('presigned%20file', 'presigned%20fil'));
    expect(tampered.status).toBe(403);
  });
});
