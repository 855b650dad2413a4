import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { bucketWithClient } from './helpers/fixtures';
import { errorCode, md5Hex, sdkError, signedFetch } from './helpers/s3-client';
import { MiB, patternBytes, useMultipartBucket } from './helpers/multipart';

const mpu = useMultipartBucket('mpu-retry');
const { start, uploadPart } = mpu;

describe('re-uploading a part number', () => {
  it('keeps only the last upload of the part, which Complete then assembles', async () => {
    const key = 'reupload/object';
    const uploadId = await start(key);
    await uploadPart(key, uploadId, 1, patternBytes(5 * MiB, 1));
    await uploadPart(key, uploadId, 2, patternBytes(100, 2));
    const again = await uploadPart(key, uploadId, 1, patternBytes(5 * MiB, 3));
    const listed = await mpu.s3.send(new ListPartsCommand({ Bucket: mpu.bucket, Key: key, UploadId: uploadId }));
    expect(listed.Parts!.map((p) => [p.PartNumber, p.ETag])).toEqual([
      [1, again.ETag],
      [2, `"${await md5Hex(patternBytes(100, 2))}"`],
    ]);
    const done = await mpu.s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: mpu.bucket,
        Key: key,
        UploadId: uploadId,
        MultipartUpload: { Parts: [again, { PartNumber: 2, ETag: `"${await md5Hex(patternBytes(100, 2))}"` }] },
      }),
    );
    expect(done.ETag).toMatch(/-2"$/);
    const got = await mpu.s3.send(new GetObjectCommand({ Bucket: mpu.bucket, Key: key }));
    const body = await got.Body!.transformToByteArray();
    expect(body.length).toBe(5 * MiB + 100);
    expect(await md5Hex(body.slice(0, 5 * MiB))).toBe(await md5Hex(patternBytes(5 * MiB, 3)));
  });
});

describe('a retried CompleteMultipartUpload', () => {
  it('answers the first result again for the same part list', async () => {
    const key = 'retry/object';
    const uploadId = await start(key);
    const parts = [await uploadPart(key, uploadId, 1, patternBytes(5 * MiB, 4)), await uploadPart(key, uploadId, 2, patternBytes(10, 5))];
    const input = { Bucket: mpu.bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } };
    const first = await mpu.s3.send(new CompleteMultipartUploadCommand(input));
    const second = await mpu.s3.send(new CompleteMultipartUploadCommand(input));
    expect([second.Location, second.Bucket, second.Key, second.ETag]).toEqual([first.Location, first.Bucket, first.Key, first.ETag]);
    expect((await mpu.s3.send(new HeadObjectCommand({ Bucket: mpu.bucket, Key: key }))).ETag).toBe(first.ETag);
  });

  it('refuses a retry with another part list with NoSuchUpload, and changes nothing', async () => {
    const key = 'retry/other-list';
    const uploadId = await start(key);
    const parts = [await uploadPart(key, uploadId, 1, patternBytes(5 * MiB, 6)), await uploadPart(key, uploadId, 2, patternBytes(10, 7))];
    const first = await mpu.s3.send(new CompleteMultipartUploadCommand({ Bucket: mpu.bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } }));
    const e = await sdkError(
      mpu.s3.send(new CompleteMultipartUploadCommand({ Bucket: mpu.bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: [parts[1]!] } })),
    );
    expect(e).toEqual({ code: 'NoSuchUpload', status: 404 });
    const head = await mpu.s3.send(new HeadObjectCommand({ Bucket: mpu.bucket, Key: key }));
    expect([head.ETag, head.ContentLength]).toEqual([first.ETag, 5 * MiB + 10]);
  });

  it('does not answer a retry for another key', async () => {
    const key = 'retry/keyed';
    const uploadId = await start(key);
    const parts = [await uploadPart(key, uploadId, 1, patternBytes(10, 8))];
    await mpu.s3.send(new CompleteMultipartUploadCommand({ Bucket: mpu.bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } }));
    const r = await signedFetch(mpu.credentials, 'POST', `/${mpu.bucket}/retry/elsewhere?uploadId=${encodeURIComponent(uploadId)}`, {
      body: `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${parts[0]!.ETag}</ETag></Part></CompleteMultipartUpload>`,
    });
    expect(r.status).toBe(404);
    expect(await errorCode(r)).toBe('NoSuchUpload');
    expect(await sdkError(mpu.s3.send(new HeadObjectCommand({ Bucket: mpu.bucket, Key: 'retry/elsewhere' })))).toMatchObject({ status: 404 });
  });
});

describe('checksum mismatches', () => {
  const wrongCrc32 = 'AAAAAA==';

  it('refuses a PutObject whose x-amz-checksum-crc32 header is wrong with BadDigest and keeps the old object', async () => {
    await mpu.s3.send(new PutObjectCommand({ Bucket: mpu.bucket, Key: 'bad/header', Body: 'original' }));
    const e = await sdkError(mpu.s3.send(new PutObjectCommand({ Bucket: mpu.bucket, Key: 'bad/header', Body: 'replacement', ChecksumCRC32: wrongCrc32 })));
    expect(e).toEqual({ code: 'BadDigest', status: 400 });
    expect(await (await mpu.s3.send(new GetObjectCommand({ Bucket: mpu.bucket, Key: 'bad/header' }))).Body!.transformToString()).toBe('original');
  });

  it('refuses a PutObject whose trailing checksum is wrong with BadDigest and the S3 message', async () => {
    const r = await signedFetch(mpu.credentials, 'PUT', `/${mpu.bucket}/bad/trailer`, {
      headers: {
        'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
        'content-encoding': 'aws-chunked',
        'x-amz-decoded-content-length': '5',
        'x-amz-trailer': 'x-amz-checksum-crc32',
      },
      body: `5\r\nhello\r\n0\r\nx-amz-checksum-crc32:${wrongCrc32}\r\n\r\n`,
    });
    expect(r.status).toBe(400);
    const text = await r.text();
    expect(text).toContain('<Code>BadDigest</Code>');
    expect(text).toContain('The CRC32 you specified did not match the calculated checksum.');
    expect(await sdkError(mpu.s3.send(new HeadObjectCommand({ Bucket: mpu.bucket, Key: 'bad/trailer' })))).toMatchObject({ status: 404 });
  });

  it('refuses an UploadPart whose checksum is wrong with BadDigest and records no part', async () => {
    const uploadId = await start('bad/part');
    const e = await sdkError(mpu.s3.send(new UploadPartCommand({ Bucket: mpu.bucket, Key: 'bad/part', UploadId: uploadId, PartNumber: 1, Body: 'part', ChecksumCRC32: wrongCrc32 })));
    expect(e).toEqual({ code: 'BadDigest', status: 400 });
    expect((await mpu.s3.send(new ListPartsCommand({ Bucket: mpu.bucket, Key: 'bad/part', UploadId: uploadId }))).Parts ?? []).toEqual([]);
  });
});

describe('deleting the bucket', () => {
  it('forgets its completion and checksum records, so a namesake bucket inherits none', async () => {
    const other = await bucketWithClient('mpu-forget');
    const { UploadId } = await other.s3.send(new CreateMultipartUploadCommand({ Bucket: other.bucket, Key: 'k', ChecksumAlgorithm: 'CRC32' }));
    const r = await other.s3.send(new UploadPartCommand({ Bucket: other.bucket, Key: 'k', UploadId, PartNumber: 1, Body: 'x', ChecksumAlgorithm: 'CRC32' }));
    await other.s3.send(
      new CompleteMultipartUploadCommand({ Bucket: other.bucket, Key: 'k', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: r.ETag! }] } }),
    );
    // A trailing checksum: kept in object_checksums.
    const trailer = await signedFetch(other.credentials, 'PUT', `/${other.bucket}/p`, {
      headers: {
        'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
        'content-encoding': 'aws-chunked',
        'x-amz-decoded-content-length': '5',
        'x-amz-trailer': 'x-amz-checksum-crc32',
      },
      body: '5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n',
    });
    expect(trailer.status).toBe(200);
    const count = async () => {
      const rows = await Promise.all(
        ['multipart_completions', 'multipart_upload_checksums', 'object_checksums'].map((table) =>
          env.DB.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE bucket = ?`).bind(other.bucket).first<{ n: number }>(),
        ),
      );
      return rows.map((row) => row!.n);
    };
    await other.s3.send(new CreateMultipartUploadCommand({ Bucket: other.bucket, Key: 'pending', ChecksumAlgorithm: 'CRC32' }));
    expect(await count()).toEqual([1, 1, 1]);
    for (const Key of ['k', 'p']) await other.s3.send(new DeleteObjectCommand({ Bucket: other.bucket, Key }));
    await other.s3.send(new DeleteBucketCommand({ Bucket: other.bucket }));
    expect(await count()).toEqual([0, 0, 0]);
  });
});
