import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListPartsCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { env } from 'cloudflare:test';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { COPY_LIMITS } from '../../src/s3/copy-engine';
import { bucketWithClient, createAccessKey, createBucket } from './helpers/fixtures';
import { type Credentials, errorCode, md5Hex, s3Client, sdkError, signedFetch } from './helpers/s3-client';

const MiB = 1024 * 1024;
const DEFAULT_LIMITS = { ...COPY_LIMITS };

let bucket: string;
let s3: S3Client;
let credentials: Credentials;
/** A bucket on the second R2 binding (another backend), and a key allowed everything in both. */
let remote: string;
let both: S3Client;

beforeAll(async () => {
  ({ bucket, s3, credentials } = await bucketWithClient('copy'));
  remote = await createBucket('copy-b', { backend: { type: 'r2', binding: 'STORAGE_B', prefix: `copy-tests/${crypto.randomUUID()}/` } });
  both = s3Client(await createAccessKey([{ effect: 'allow', actions: ['s3:*'], resources: [bucket, `${bucket}/*`, remote, `${remote}/*`] }]));
});

afterEach(() => Object.assign(COPY_LIMITS, DEFAULT_LIMITS));

const source = (b: string, key: string) => `${b}/${encodeURIComponent(key)}`;

async function text(client: S3Client, b: string, key: string): Promise<string> {
  return (await client.send(new GetObjectCommand({ Bucket: b, Key: key }))).Body!.transformToString();
}

async function absent(b: string, key: string): Promise<boolean> {
  const r = await sdkError(both.send(new HeadObjectCommand({ Bucket: b, Key: key })));
  return r.status === 404;
}

/** `size` random bytes as a stream, and the SHA-256 of what it yielded (known once it has been read). */
function randomStream(size: number): { stream: ReadableStream<Uint8Array>; sha256: Promise<string> } {
  const digest = new crypto.DigestStream('SHA-256');
  const writer = digest.getWriter();
  let left = size;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (left === 0) {
        await writer.close();
        controller.close();
        return;
      }
      const chunk = crypto.getRandomValues(new Uint8Array(Math.min(left, 65_536)));
      left -= chunk.byteLength;
      await writer.write(chunk);
      controller.enqueue(chunk);
    },
  });
  return { stream, sha256: digest.digest.then(hex) };
}

function hex(buffer: ArrayBuffer): string {
  return [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

async function sha256Of(client: S3Client, b: string, key: string): Promise<string> {
  const got = await client.send(new GetObjectCommand({ Bucket: b, Key: key }));
  const digest = new crypto.DigestStream('SHA-256');
  await got.Body!.transformToWebStream().pipeTo(digest);
  return hex(await digest.digest);
}

/**
 * Stores `size` random bytes as `key` of a bucket created with the default backend (STORAGE, prefix
 * `buckets/<name>/`), streamed straight into R2: setup only, so the copy is what the test measures.
 */
async function putRandom(b: string, key: string, size: number): Promise<string> {
  const random = randomStream(size);
  const fixed = new FixedLengthStream(size);
  const piping = random.stream.pipeTo(fixed.writable);
  await env.STORAGE.put(`buckets/${b}/${key}`, fixed.readable);
  await piping;
  return random.sha256;
}

describe('CopyObject', () => {
  it('copies body and metadata (COPY) and answers CopyObjectResult', async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'src/a.txt', Body: 'copy me', ContentType: 'text/plain', Metadata: { colour: 'red' } }));
    const r = await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'dst/a.txt', CopySource: source(bucket, 'src/a.txt') }));
    expect(r.CopyObjectResult?.ETag).toBe(`"${await md5Hex('copy me')}"`);
    expect(r.CopyObjectResult?.LastModified).toBeInstanceOf(Date);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'dst/a.txt' }));
    expect(head.ContentType).toBe('text/plain');
    expect(head.Metadata).toEqual({ colour: 'red' });
    expect(await text(s3, bucket, 'dst/a.txt')).toBe('copy me');
  });

  it('replaces metadata with REPLACE, and accepts a leading slash, an encoded key and versionId=null', async () => {
    const key = 'src/ünï cödé+?&.txt';
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'odd key', Metadata: { old: '1' } }));
    await s3.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: 'dst/odd.txt',
        CopySource: `/${source(bucket, key)}?versionId=null`,
        MetadataDirective: 'REPLACE',
        ContentType: 'application/x-new',
        Metadata: { new: '2' },
      }),
    );
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'dst/odd.txt' }));
    expect(head.ContentType).toBe('application/x-new');
    expect(head.Metadata).toEqual({ new: '2' });
    expect(await text(s3, bucket, 'dst/odd.txt')).toBe('odd key');
  });

  it('refuses to copy an object onto itself without REPLACE, and allows it with REPLACE', async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'self.txt', Body: 'self', Metadata: { v: '1' } }));
    const refused = await sdkError(s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'self.txt', CopySource: source(bucket, 'self.txt') })));
    expect(refused).toEqual({ code: 'InvalidRequest', status: 400 });
    expect((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'self.txt' }))).Metadata).toEqual({ v: '1' });
    await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'self.txt', CopySource: source(bucket, 'self.txt'), MetadataDirective: 'REPLACE', Metadata: { v: '2' } }));
    expect((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'self.txt' }))).Metadata).toEqual({ v: '2' });
    expect(await text(s3, bucket, 'self.txt')).toBe('self');
  });

  it('keeps the stored checksum of the source', async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'sum/src', Body: 'summed', ChecksumAlgorithm: 'SHA256' }));
    await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'sum/dst', CopySource: source(bucket, 'sum/src') }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'sum/dst', ChecksumMode: 'ENABLED' }));
    expect(head.ChecksumSHA256).toBe(put.ChecksumSHA256);
  });

  it('answers NoSuchKey for a missing source and writes nothing', async () => {
    expect(await sdkError(s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'dst/none', CopySource: source(bucket, 'no/such') })))).toEqual({
      code: 'NoSuchKey',
      status: 404,
    });
    expect(await absent(bucket, 'dst/none')).toBe(true);
  });

  it('refuses a source the caller may not read (AccessDenied) and writes nothing, whether or not the bucket exists', async () => {
    const other = await createBucket('copy-other');
    await both.send(new PutObjectCommand({ Bucket: remote, Key: 'secret', Body: 'not yours' }));
    for (const from of [source(remote, 'secret'), source(other, 'secret'), source('no-such-bucket-x1', 'secret')]) {
      expect(await sdkError(s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'dst/stolen', CopySource: from })))).toEqual({ code: 'AccessDenied', status: 403 });
    }
    expect(await absent(bucket, 'dst/stolen')).toBe(true);
    // A caller who could read it learns that the bucket does not exist.
    const all = s3Client(await createAccessKey([{ effect: 'allow', actions: ['s3:*'], resources: ['*'] }]));
    expect(await sdkError(all.send(new CopyObjectCommand({ Bucket: bucket, Key: 'dst/stolen', CopySource: source('no-such-bucket-x1', 'k') })))).toEqual({
      code: 'NoSuchBucket',
      status: 404,
    });
  });

  it('refuses a destination the caller may not write, reading nothing', async () => {
    const readOnly = s3Client(await createAccessKey([{ effect: 'allow', actions: ['s3:GetObject'], resources: [`${bucket}/*`] }]));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'ro/src', Body: 'x' }));
    expect(await sdkError(readOnly.send(new CopyObjectCommand({ Bucket: bucket, Key: 'ro/dst', CopySource: source(bucket, 'ro/src') })))).toEqual({
      code: 'AccessDenied',
      status: 403,
    });
    expect(await absent(bucket, 'ro/dst')).toBe(true);
  });

  it('answers 412 for each failed x-amz-copy-source-if-* condition and writes nothing', async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'cond/src', Body: 'conditional' }));
    const future = new Date(Date.now() + 3_600_000);
    const past = new Date(Date.now() - 3_600_000);
    const failing = [{ CopySourceIfMatch: '"0123"' }, { CopySourceIfNoneMatch: put.ETag }, { CopySourceIfModifiedSince: future }, { CopySourceIfUnmodifiedSince: past }];
    for (const condition of failing) {
      const r = await sdkError(s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'cond/dst', CopySource: source(bucket, 'cond/src'), ...condition })));
      expect(r, JSON.stringify(condition)).toEqual({ code: 'PreconditionFailed', status: 412 });
    }
    expect(await absent(bucket, 'cond/dst')).toBe(true);
    // If-Match holding wins over a failing If-Unmodified-Since, as in S3.
    await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'cond/dst', CopySource: source(bucket, 'cond/src'), CopySourceIfMatch: put.ETag, CopySourceIfUnmodifiedSince: past }));
    expect(await text(s3, bucket, 'cond/dst')).toBe('conditional');
  });

  it.each([
    ['a version id other than null', (b: string) => `${b}/v/src?versionId=3HL4kqtJlcpXroDTDmJ`],
    ['a source without a key', (b: string) => `${b}`],
    ['a source with an empty key', (b: string) => `${b}/`],
  ])('refuses %s with InvalidArgument and writes nothing', async (_label, from) => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'v/src', Body: 'v' }));
    expect(await sdkError(s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'v/dst', CopySource: from(bucket) })))).toEqual({ code: 'InvalidArgument', status: 400 });
    expect(await absent(bucket, 'v/dst')).toBe(true);
  });

  it('refuses an unknown metadata directive', async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'md/src', Body: 'm' }));
    const r = await signedFetch(credentials, 'PUT', `/${bucket}/md/dst`, { headers: { 'x-amz-copy-source': `${bucket}/md/src`, 'x-amz-metadata-directive': 'MERGE' } });
    expect(r.status).toBe(400);
    expect(await errorCode(r)).toBe('InvalidArgument');
    expect(await absent(bucket, 'md/dst')).toBe(true);
  });

  it('copies across backends (STORAGE → STORAGE_B), in parts above the multipart threshold', async () => {
    COPY_LIMITS.multipartThreshold = 5 * MiB;
    COPY_LIMITS.partSize = 5 * MiB;
    const size = 12 * MiB + 123;
    const sha = await putRandom(bucket, 'x/big', size);
    const there = await both.send(new CopyObjectCommand({ Bucket: remote, Key: 'x/big', CopySource: source(bucket, 'x/big') }));
    // Three parts: the ETag S3 gives a multipart object.
    expect(there.CopyObjectResult?.ETag).toMatch(/-3"$/);
    expect(await sha256Of(both, remote, 'x/big')).toBe(sha);
    expect((await both.send(new HeadObjectCommand({ Bucket: remote, Key: 'x/big' }))).ContentLength).toBe(size);
  });

  it('copies a 150 MiB object to another backend and back, byte-identical', async () => {
    const size = 150 * MiB;
    const sha = await putRandom(bucket, 'huge/original', size);
    await both.send(new CopyObjectCommand({ Bucket: remote, Key: 'huge/copy', CopySource: source(bucket, 'huge/original') }));
    const back = await both.send(new CopyObjectCommand({ Bucket: bucket, Key: 'huge/round-trip', CopySource: source(remote, 'huge/copy') }));
    expect(back.CopyObjectResult?.ETag).toMatch(/-\d+"$/);
    expect(await sha256Of(both, remote, 'huge/copy')).toBe(sha);
    expect(await sha256Of(both, bucket, 'huge/round-trip')).toBe(sha);
  }, 180_000);
});

describe('UploadPartCopy', () => {
  it('assembles an object from source ranges, recorded in the ledger like UploadPart', async () => {
    const sha = await putRandom(bucket, 'parts/src', 7 * MiB);
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'parts/dst' }));
    const ranges = [`bytes=0-${5 * MiB - 1}`, `bytes=${5 * MiB}-${7 * MiB - 1}`];
    const parts = [];
    for (const [i, range] of ranges.entries()) {
      const r = await s3.send(new UploadPartCopyCommand({ Bucket: bucket, Key: 'parts/dst', UploadId, PartNumber: i + 1, CopySource: source(bucket, 'parts/src'), CopySourceRange: range }));
      expect(r.CopyPartResult?.ETag).toMatch(/^"[0-9a-f]{32}"$/);
      parts.push({ PartNumber: i + 1, ETag: r.CopyPartResult!.ETag! });
    }
    const listed = await s3.send(new ListPartsCommand({ Bucket: bucket, Key: 'parts/dst', UploadId }));
    expect(listed.Parts?.map((p) => [p.PartNumber, p.ETag, p.Size])).toEqual([
      [1, parts[0]!.ETag, 5 * MiB],
      [2, parts[1]!.ETag, 2 * MiB],
    ]);
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: 'parts/dst', UploadId, MultipartUpload: { Parts: parts } }));
    expect(await sha256Of(s3, bucket, 'parts/dst')).toBe(sha);
  });

  it('copies a whole small object into a part when no range is given', async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'parts/small', Body: 'tail part' }));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'parts/one' }));
    const r = await s3.send(new UploadPartCopyCommand({ Bucket: bucket, Key: 'parts/one', UploadId, PartNumber: 1, CopySource: source(bucket, 'parts/small') }));
    expect(r.CopyPartResult?.ETag).toBe(`"${await md5Hex('tail part')}"`);
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: 'parts/one', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: r.CopyPartResult!.ETag! }] } }));
    expect(await text(s3, bucket, 'parts/one')).toBe('tail part');
  });

  it.each([
    ['malformed', 'bytes=5-1', { code: 'InvalidArgument', status: 400 }],
    ['open-ended', 'bytes=0-', { code: 'InvalidArgument', status: 400 }],
    // Well-formed but unsatisfiable: S3's InvalidRange, as a GET of that range would be.
    ['beyond the object', 'bytes=0-999', { code: 'InvalidRange', status: 416 }],
    ['starting past the end', 'bytes=100-200', { code: 'InvalidRange', status: 416 }],
  ])('refuses a %s range and records no part', async (_label, range, expected) => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'parts/ten', Body: '0123456789' }));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'parts/bad' }));
    const r = await sdkError(s3.send(new UploadPartCopyCommand({ Bucket: bucket, Key: 'parts/bad', UploadId, PartNumber: 1, CopySource: source(bucket, 'parts/ten'), CopySourceRange: range })));
    expect(r).toEqual(expected);
    expect((await s3.send(new ListPartsCommand({ Bucket: bucket, Key: 'parts/bad', UploadId }))).Parts ?? []).toEqual([]);
  });

  it('refuses an unreadable source or a failed condition and records no part', async () => {
    await both.send(new PutObjectCommand({ Bucket: remote, Key: 'p/secret', Body: 'nope' }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'parts/c', Body: 'c' }));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'parts/denied' }));
    const base = { Bucket: bucket, Key: 'parts/denied', UploadId, PartNumber: 1 };
    expect(await sdkError(s3.send(new UploadPartCopyCommand({ ...base, CopySource: source(remote, 'p/secret') })))).toEqual({ code: 'AccessDenied', status: 403 });
    expect(await sdkError(s3.send(new UploadPartCopyCommand({ ...base, CopySource: source(bucket, 'parts/c'), CopySourceIfMatch: '"ffff"' })))).toEqual({
      code: 'PreconditionFailed',
      status: 412,
    });
    expect(await sdkError(s3.send(new UploadPartCopyCommand({ ...base, CopySource: source(bucket, 'parts/missing') })))).toEqual({ code: 'NoSuchKey', status: 404 });
    expect((await s3.send(new ListPartsCommand({ Bucket: bucket, Key: 'parts/denied', UploadId }))).Parts ?? []).toEqual([]);
  });

  it('answers NoSuchUpload for an unknown upload id', async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'parts/u', Body: 'u' }));
    const r = await sdkError(s3.send(new UploadPartCopyCommand({ Bucket: bucket, Key: 'parts/u2', UploadId: 'nope', PartNumber: 1, CopySource: source(bucket, 'parts/u') })));
    expect(r).toEqual({ code: 'NoSuchUpload', status: 404 });
  });
});
