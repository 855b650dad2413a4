import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boto3Current } from './support/clients';
import { MiB, removeDir, tempDir } from './support/files';
import { admin, gateway, uniqueBucket } from './support/gateway';
import { awsClientEnv, succeed } from './support/process';

const SCRIPT = fileURLToPath(new URL('./python/boto3_multipart_parts.py', import.meta.url));

/**
 * Multipart behaviours of real clients against the dev gateway, with boto3 ≥ 1.36: part downloads
 * by PartNumber, a Complete sent twice, CRC32 multipart checksums, a wrong checksum (BadDigest).
 */
describe('multipart parts and checksums, boto3', () => {
  let work: string;
  let results: Record<string, any>;
  let version: string;

  const check = (name: string) => {
    const result = results[name];
    if (result?.error && result.traceback) throw new Error(`${name} raised ${result.error}\n${result.traceback}`);
    return result;
  };

  beforeAll(async () => {
    const python = await boto3Current();
    version = python.version;
    work = await tempDir('multipart-parts');
    const bucket = uniqueBucket('mpu-parts');
    expect((await admin('POST', '/buckets', { name: bucket })).status).toBe(201);
    const { endpoint, accessKeyId, secretAccessKey } = gateway();
    const env = awsClientEnv(work, { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_MAX_ATTEMPTS: '1' });
    const { stdout } = await succeed(python.path, [SCRIPT, endpoint, bucket], { env });
    results = JSON.parse(stdout);
  });
  afterAll(() => removeDir(work));

  it('runs the boto3 generation it was located for', () => {
    expect(results.versions.boto3).toBe(version);
  });

  it('get_object(PartNumber=2) answers part 2 with 206, Content-Range and PartsCount; part 4 is InvalidPartNumber', () => {
    const r = check('partDownload');
    expect(r).toMatchObject({
      status: 206,
      contentRange: `bytes ${5 * MiB}-${10 * MiB - 1}/${10 * MiB + 1000}`,
      partsCount: 3,
      bodyMatches: true,
      headLength: 1000,
      headPartsCount: 3,
      beyond: { code: 'InvalidPartNumber', status: 416 },
      single: { body: 'single part', partsCount: null },
    });
  });

  it('complete_multipart_upload called twice answers the same result; another part list is NoSuchUpload', () => {
    const r = check('completeTwice');
    expect(r.first.ETag).toMatch(/^"[0-9a-f]{32}-3"$/);
    expect(r.second).toEqual(r.first);
    expect(r.headEtag).toBe(r.first.ETag);
    expect(r.otherList).toEqual({ code: 'NoSuchUpload', status: 404 });
  });

  it('a CRC32 upload completes with the COMPOSITE checksum of its parts, reported again by head_object', () => {
    const r = check('compositeCrc32');
    expect([r.complete, r.completeType, r.head, r.headType]).toEqual([r.expected, 'COMPOSITE', r.expected, 'COMPOSITE']);
  });

  it('put_object with a wrong ChecksumCRC32 is BadDigest and keeps the old object', () => {
    expect(check('badDigest')).toEqual({ error: { code: 'BadDigest', status: 400 }, body: 'original' });
  });
});
