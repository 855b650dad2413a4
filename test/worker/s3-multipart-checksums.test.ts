import {
  type ChecksumAlgorithm,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectAttributesCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { createHasher, fromBase64, toBase64 } from '../../src/auth/checksums';
import { errorCode, sdkError, signedFetch } from './helpers/s3-client';
import { MiB, patternBytes, useMultipartBucket } from './helpers/multipart';

const mpu = useMultipartBucket('mpu-checksums');

const data = [patternBytes(5 * MiB, 1), patternBytes(5 * MiB, 2), patternBytes(777, 3)];

async function digest(algorithm: 'crc32' | 'crc32c' | 'sha256', chunks: Uint8Array[]): Promise<Uint8Array> {
  const hasher = createHasher(algorithm);
  for (const chunk of chunks) await hasher.update(chunk);
  return hasher.digest();
}

async function uploadAll(key: string, algorithm: ChecksumAlgorithm, type?: 'COMPOSITE' | 'FULL_OBJECT') {
  const created = await mpu.s3.send(new CreateMultipartUploadCommand({ Bucket: mpu.bucket, Key: key, ChecksumAlgorithm: algorithm, ChecksumType: type }));
  const parts = [];
  for (const [i, Body] of data.entries()) {
    const r = await mpu.s3.send(new UploadPartCommand({ Bucket: mpu.bucket, Key: key, UploadId: created.UploadId, PartNumber: i + 1, Body, ChecksumAlgorithm: algorithm }));
    parts.push({ PartNumber: i + 1, ETag: r.ETag!, ChecksumCRC32: r.ChecksumCRC32, ChecksumCRC32C: r.ChecksumCRC32C, ChecksumSHA256: r.ChecksumSHA256 });
  }
  return { created, uploadId: created.UploadId!, parts };
}

describe('CreateMultipartUpload with a checksum', () => {
  it('echoes the algorithm and the default COMPOSITE type', async () => {
    const r = await mpu.s3.send(new CreateMultipartUploadCommand({ Bucket: mpu.bucket, Key: 'create/crc32', ChecksumAlgorithm: 'CRC32' }));
    expect([r.ChecksumAlgorithm, r.ChecksumType]).toEqual(['CRC32', 'COMPOSITE']);
    const listed = await mpu.s3.send(new ListPartsCommand({ Bucket: mpu.bucket, Key: 'create/crc32', UploadId: r.UploadId }));
    expect([listed.ChecksumAlgorithm, listed.ChecksumType]).toEqual(['CRC32', 'COMPOSITE']);
  });

  it('echoes FULL_OBJECT when asked', async () => {
    const r = await mpu.s3.send(new CreateMultipartUploadCommand({ Bucket: mpu.bucket, Key: 'create/full', ChecksumAlgorithm: 'CRC32C', ChecksumType: 'FULL_OBJECT' }));
    expect([r.ChecksumAlgorithm, r.ChecksumType]).toEqual(['CRC32C', 'FULL_OBJECT']);
  });

  it.each([
    ['FULL_OBJECT with SHA256', { 'x-amz-checksum-algorithm': 'SHA256', 'x-amz-checksum-type': 'FULL_OBJECT' }],
    ['COMPOSITE with CRC64NVME', { 'x-amz-checksum-algorithm': 'CRC64NVME', 'x-amz-checksum-type': 'COMPOSITE' }],
    ['an unknown algorithm', { 'x-amz-checksum-algorithm': 'MD4' }],
    ['a type without an algorithm', { 'x-amz-checksum-type': 'COMPOSITE' }],
  ])('refuses %s with InvalidRequest and starts no upload', async (_label, headers) => {
    const r = await signedFetch(mpu.credentials, 'POST', `/${mpu.bucket}/create/refused?uploads`, { headers });
    expect(r.status).toBe(400);
    expect(await errorCode(r)).toBe('InvalidRequest');
    const uploads = await mpu.s3.send(new ListMultipartUploadsCommand({ Bucket: mpu.bucket, Prefix: 'create/refused' }));
    expect(uploads.Uploads ?? []).toEqual([]);
  });
});

describe('UploadPart under a checksummed upload', () => {
  it('refuses a part without the upload’s checksum and records nothing', async () => {
    const { UploadId } = await mpu.s3.send(new CreateMultipartUploadCommand({ Bucket: mpu.bucket, Key: 'part/missing', ChecksumAlgorithm: 'SHA256' }));
    const r = await signedFetch(mpu.credentials, 'PUT', `/${mpu.bucket}/part/missing?partNumber=1&uploadId=${UploadId}`, { body: 'no checksum' });
    expect(r.status).toBe(400);
    expect(await errorCode(r)).toBe('InvalidRequest');
    const crc = await signedFetch(mpu.credentials, 'PUT', `/${mpu.bucket}/part/missing?partNumber=1&uploadId=${UploadId}`, {
      body: 'other checksum',
      headers: { 'x-amz-checksum-crc32': toBase64(await digest('crc32', [new TextEncoder().encode('other checksum')])) },
    });
    expect(await errorCode(crc)).toBe('InvalidRequest');
    expect((await mpu.s3.send(new ListPartsCommand({ Bucket: mpu.bucket, Key: 'part/missing', UploadId }))).Parts ?? []).toEqual([]);
  });

  it('verifies and records a trailing checksum', async () => {
    const { UploadId } = await mpu.s3.send(new CreateMultipartUploadCommand({ Bucket: mpu.bucket, Key: 'part/trailer', ChecksumAlgorithm: 'CRC32' }));
    const crc = toBase64(await digest('crc32', [new TextEncoder().encode('hello')]));
    const r = await signedFetch(mpu.credentials, 'PUT', `/${mpu.bucket}/part/trailer?partNumber=1&uploadId=${UploadId}`, {
      headers: {
        'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
        'content-encoding': 'aws-chunked',
        'x-amz-decoded-content-length': '5',
        'x-amz-trailer': 'x-amz-checksum-crc32',
      },
      body: `5\r\nhello\r\n0\r\nx-amz-checksum-crc32:${crc}\r\n\r\n`,
    });
    expect(r.status).toBe(200);
    const listed = await mpu.s3.send(new ListPartsCommand({ Bucket: mpu.bucket, Key: 'part/trailer', UploadId }));
    expect(listed.Parts!.map((p) => [p.PartNumber, p.ChecksumCRC32])).toEqual([[1, crc]]);
  });
});

describe('CompleteMultipartUpload checksums', () => {
  it('computes the COMPOSITE CRC32 of the parts and reports it on Complete, HEAD, GET and GetObjectAttributes', async () => {
    const key = 'complete/composite';
    const { uploadId, parts } = await uploadAll(key, 'CRC32');
    const partCrcs = await Promise.all(data.map((d) => digest('crc32', [d])));
    expect(parts.map((p) => p.ChecksumCRC32)).toEqual(partCrcs.map(toBase64));
    const expected = `${toBase64(await digest('crc32', partCrcs))}-3`;

    const done = await mpu.s3.send(new CompleteMultipartUploadCommand({ Bucket: mpu.bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } }));
    expect([done.ChecksumCRC32, done.ChecksumType]).toEqual([expected, 'COMPOSITE']);

    const head = await mpu.s3.send(new HeadObjectCommand({ Bucket: mpu.bucket, Key: key, ChecksumMode: 'ENABLED' }));
    expect([head.ChecksumCRC32, head.ChecksumType]).toEqual([expected, 'COMPOSITE']);
    const part2 = await mpu.s3.send(new GetObjectCommand({ Bucket: mpu.bucket, Key: key, PartNumber: 2, ChecksumMode: 'ENABLED' }));
    expect(part2.ChecksumCRC32).toBe(toBase64(partCrcs[1]!));
    await part2.Body!.transformToByteArray();

    const attributes = await mpu.s3.send(new GetObjectAttributesCommand({ Bucket: mpu.bucket, Key: key, ObjectAttributes: ['Checksum', 'ObjectParts'], MaxParts: 2 }));
    expect([attributes.Checksum?.ChecksumCRC32, attributes.Checksum?.ChecksumType]).toEqual([expected, 'COMPOSITE']);
    expect(attributes.ObjectParts?.TotalPartsCount).toBe(3);
    expect(attributes.ObjectParts?.IsTruncated).toBe(true);
    expect(attributes.ObjectParts?.Parts?.map((p) => [p.PartNumber, p.Size, p.ChecksumCRC32])).toEqual([
      [1, 5 * MiB, toBase64(partCrcs[0]!)],
      [2, 5 * MiB, toBase64(partCrcs[1]!)],
    ]);
  });

  it('computes the COMPOSITE SHA256 of the parts', async () => {
    const { uploadId, parts } = await uploadAll('complete/sha', 'SHA256');
    const partSums = await Promise.all(data.map((d) => digest('sha256', [d])));
    const done = await mpu.s3.send(new CompleteMultipartUploadCommand({ Bucket: mpu.bucket, Key: 'complete/sha', UploadId: uploadId, MultipartUpload: { Parts: parts } }));
    expect(done.ChecksumSHA256).toBe(`${toBase64(await digest('sha256', partSums))}-3`);
  });

  it('computes the FULL_OBJECT CRC32C: the CRC of the whole content', async () => {
    const key = 'complete/full';
    const { uploadId, parts } = await uploadAll(key, 'CRC32C', 'FULL_OBJECT');
    const whole = toBase64(await digest('crc32c', data));
    const done = await mpu.s3.send(new CompleteMultipartUploadCommand({ Bucket: mpu.bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } }));
    expect([done.ChecksumCRC32C, done.ChecksumType]).toEqual([whole, 'FULL_OBJECT']);
    const got = await mpu.s3.send(new GetObjectCommand({ Bucket: mpu.bucket, Key: key, ChecksumMode: 'ENABLED' }));
    expect([got.ChecksumCRC32C, got.ChecksumType]).toEqual([whole, 'FULL_OBJECT']);
    expect(toBase64(await digest('crc32c', [await got.Body!.transformToByteArray()]))).toBe(whole);
  });

  it('checks the whole-object checksum a client sends with Complete: BadDigest when wrong, nothing written', async () => {
    const key = 'complete/full-sent';
    const { uploadId, parts } = await uploadAll(key, 'CRC32C', 'FULL_OBJECT');
    const whole = toBase64(await digest('crc32c', data));
    const wrong = toBase64(await digest('crc32c', [data[0]!]));
    const input = { Bucket: mpu.bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts }, ChecksumType: 'FULL_OBJECT' as const };
    const e = await sdkError(mpu.s3.send(new CompleteMultipartUploadCommand({ ...input, ChecksumCRC32C: wrong })));
    expect(e).toEqual({ code: 'BadDigest', status: 400 });
    expect(await sdkError(mpu.s3.send(new HeadObjectCommand({ Bucket: mpu.bucket, Key: key })))).toMatchObject({ status: 404 });
    const done = await mpu.s3.send(new CompleteMultipartUploadCommand({ ...input, ChecksumCRC32C: whole }));
    expect(done.ChecksumCRC32C).toBe(whole);
  });

  it('refuses a part checksum that does not match the uploaded part with InvalidPart, and writes nothing', async () => {
    const key = 'complete/wrong-part-checksum';
    const { uploadId, parts } = await uploadAll(key, 'CRC32');
    const wrong = parts.map((p, i) => (i === 1 ? { ...p, ChecksumCRC32: toBase64(fromBase64('AAAAAA==', 4)!) } : p));
    const e = await sdkError(mpu.s3.send(new CompleteMultipartUploadCommand({ Bucket: mpu.bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: wrong } })));
    expect(e).toEqual({ code: 'InvalidPart', status: 400 });
    expect(await sdkError(mpu.s3.send(new HeadObjectCommand({ Bucket: mpu.bucket, Key: key })))).toMatchObject({ status: 404 });
    expect((await mpu.s3.send(new ListPartsCommand({ Bucket: mpu.bucket, Key: key, UploadId: uploadId }))).Parts!.length).toBe(3);
  });
});

describe('PutObject with a trailing checksum', () => {
  it('stores the verified trailer checksum and reports it with x-amz-checksum-mode', async () => {
    const crc = toBase64(await digest('crc32', [new TextEncoder().encode('hello')]));
    const r = await signedFetch(mpu.credentials, 'PUT', `/${mpu.bucket}/put/trailer`, {
      headers: {
        'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
        'content-encoding': 'aws-chunked',
        'x-amz-decoded-content-length': '5',
        'x-amz-trailer': 'x-amz-checksum-crc32',
      },
      body: `5\r\nhello\r\n0\r\nx-amz-checksum-crc32:${crc}\r\n\r\n`,
    });
    expect(r.status).toBe(200);
    expect(r.headers.get('x-amz-checksum-crc32')).toBe(crc);
    const head = await mpu.s3.send(new HeadObjectCommand({ Bucket: mpu.bucket, Key: 'put/trailer', ChecksumMode: 'ENABLED' }));
    expect([head.ChecksumCRC32, head.ChecksumType]).toEqual([crc, 'FULL_OBJECT']);
    const attributes = await mpu.s3.send(new GetObjectAttributesCommand({ Bucket: mpu.bucket, Key: 'put/trailer', ObjectAttributes: ['Checksum'] }));
    expect(attributes.Checksum?.ChecksumCRC32).toBe(crc);
  });
});
