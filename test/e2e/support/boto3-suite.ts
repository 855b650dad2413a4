import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from './clients';
import { MiB, removeDir, tempDir } from './files';
import { admin, gateway, uniqueBucket } from './gateway';
import { awsClientEnv, succeed } from './process';

const SCRIPT = fileURLToPath(new URL('../python/boto3_checks.py', import.meta.url));

/**
 * The boto3 suite, declared once and run by one test file per interpreter (boto3-current.test.ts,
 * boto3-legacy.test.ts): boto3 1.26 (Debian) signs payloads only; ≥ 1.36 adds CRC checksums by default.
 * The Python script runs every check and prints JSON; each test asserts on one check's record.
 */
export const describeBoto3 = (python: Client) => describe(python.label, () => {
  const legacy = python.version.startsWith('1.2');
  let work: string;
  let results: Record<string, any>;

  /** The script's record of one check; a check that raised fails here with its traceback. */
  const check = (name: string) => {
    const result = results[name];
    if (result?.error) throw new Error(`${name} raised ${result.error}\n${result.traceback}`);
    return result;
  };

  beforeAll(async () => {
    work = await tempDir('boto3');
    const bucket = uniqueBucket(legacy ? 'boto3-legacy' : 'boto3');
    expect((await admin('POST', '/buckets', { name: bucket })).status).toBe(201);
    const { endpoint, accessKeyId, secretAccessKey } = gateway();
    const env = awsClientEnv(work, { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_MAX_ATTEMPTS: '1' });
    const { stdout } = await succeed(python.path, [SCRIPT, endpoint, bucket, work], { env });
    results = JSON.parse(stdout);
  });
  afterAll(() => removeDir(work));

  it('is the generation the test is named after', () => {
    expect(results.versions.boto3).toBe(python.version);
  });

  it('put_object / get_object round-trip body, headers and metadata', () => {
    const r = check('metadata');
    expect(r.putEtag).toBe(r.expectedEtag);
    expect(r).toMatchObject({
      body: 'metadata round trip\n',
      etag: r.expectedEtag,
      contentType: 'text/plain; charset=utf-8',
      cacheControl: 'max-age=60',
      contentDisposition: 'attachment; filename="object.txt"',
      metadata: { color: 'blue', owner: 'e2e' },
      contentLength: 20,
    });
  });

  it('upload_file with a 5 MiB TransferConfig uploads 12 MiB in 3 parts; download_file gets it back', () => {
    const r = check('multipart');
    expect(r.etag).toMatch(/^"[0-9a-f]{32}-3"$/);
    expect(r.size).toBe(12 * MiB);
    expect(r.downloaded).toBe(r.uploaded);
  });

  it('the list_objects_v2 paginator walks 1050 keys in order, 1000 per page at most', () => {
    const r = check('paginator');
    expect(r.pageSizes).toEqual([1000, 50]);
    expect(r.truncated).toEqual([true, false]);
    expect(r.listedCount).toBe(r.written);
    expect(r.listedInOrder).toBe(true);
    expect(r.smallPageSizes).toEqual([400, 400, 250]);
  });

  it(`generate_presigned_url works with the default signer (${legacy ? 'SigV2' : 'as configured'}) and with s3v4`, () => {
    const r = check('presignedGet');
    if (legacy) expect(r.default.signature).toBe('v2');
    expect(r.default).toMatchObject({ status: 200, bodyMatches: true });
    expect(r.s3v4).toEqual({ signature: 'v4', status: 200, bodyMatches: true });
  });

  it('a presigned PUT executed by requests stores the body', () => {
    const r = check('presignedPut');
    expect(r.default).toMatchObject({ status: 200, stored: true });
    expect(r.s3v4).toEqual({ signature: 'v4', status: 200, stored: true });
  });

  it("put_object with If-None-Match: * succeeds once; the second is refused 412 and changes nothing", () => {
    const r = check('conditionalPut');
    expect(r.via).toBe(legacy ? 'event hook' : 'parameter');
    expect(r.firstStatus).toBe(200);
    expect(r.second).toEqual({ status: 412, code: 'PreconditionFailed' });
    expect(r.bodyAfter).toBe('first');
  });
});
