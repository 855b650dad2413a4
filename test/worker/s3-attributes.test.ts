import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectAttributesCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { bucketWithClient, createAccessKey } from './helpers/fixtures';
import { type Credentials, errorCode, md5Hex, s3Client, sdkError, signedFetch } from './helpers/s3-client';

const MiB = 1024 * 1024;
const ALL = ['ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize'] as const;

let bucket: string;
let s3: S3Client;
let credentials: Credentials;

beforeAll(async () => {
  ({ bucket, s3, credentials } = await bucketWithClient('attributes'));
});

async function sha256Base64(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
  return btoa(String.fromCharCode(...digest));
}

describe('GetObjectAttributes', () => {
  it('answers ETag, size, storage class and the stored checksum of a single-part object', async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'single', Body: 'attributes', ChecksumAlgorithm: 'SHA256' }));
    expect(put.ChecksumSHA256).toBe(await sha256Base64('attributes'));
    const r = await s3.send(new GetObjectAttributesCommand({ Bucket: bucket, Key: 'single', ObjectAttributes: [...ALL] }));
    expect(r.ETag).toBe(await md5Hex('attributes'));
    expect(r.ObjectSize).toBe(10);
    expect(r.StorageClass).toBe('STANDARD');
    expect(r.Checksum?.ChecksumSHA256).toBe(put.ChecksumSHA256);
    expect(r.Checksum?.ChecksumType).toBe('FULL_OBJECT');
    expect(r.ObjectParts).toBeUndefined();
    expect(r.LastModified).toBeInstanceOf(Date);
  });

  it('answers only the attributes asked for', async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'some', Body: 'x' }));
    const r = await s3.send(new GetObjectAttributesCommand({ Bucket: bucket, Key: 'some', ObjectAttributes: ['ObjectSize'] }));
    expect(r.ObjectSize).toBe(1);
    expect(r.ETag).toBeUndefined();
    expect(r.StorageClass).toBeUndefined();
  });

  it('counts the parts of a multipart object', async () => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'multi' }));
    const parts = [];
    for (const [i, body] of [new Uint8Array(5 * MiB).fill(1), new Uint8Array(10).fill(2)].entries()) {
      const r = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'multi', UploadId, PartNumber: i + 1, Body: body }));
      parts.push({ PartNumber: i + 1, ETag: r.ETag! });
    }
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: 'multi', UploadId, MultipartUpload: { Parts: parts } }));
    const r = await s3.send(new GetObjectAttributesCommand({ Bucket: bucket, Key: 'multi', ObjectAttributes: ['ObjectParts', 'ETag', 'ObjectSize'] }));
    // The SDK names the <PartsCount> element TotalPartsCount.
    expect(r.ObjectParts?.TotalPartsCount).toBe(2);
    expect(r.ETag).toMatch(/-2$/);
    expect(r.ObjectSize).toBe(5 * MiB + 10);
  });

  it('answers NoSuchKey for a missing object', async () => {
    expect(await sdkError(s3.send(new GetObjectAttributesCommand({ Bucket: bucket, Key: 'missing', ObjectAttributes: ['ETag'] })))).toEqual({
      code: 'NoSuchKey',
      status: 404,
    });
  });

  it.each([
    ['no attribute list', {}],
    ['an empty attribute list', { 'x-amz-object-attributes': ' ' }],
    ['an unknown attribute', { 'x-amz-object-attributes': 'ETag,Colour' }],
  ])('refuses %s with InvalidArgument', async (_label, headers: Record<string, string>) => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'bad-attrs', Body: 'x' }));
    const r = await signedFetch(credentials, 'GET', `/${bucket}/bad-attrs?attributes`, { headers });
    expect(r.status).toBe(400);
    expect(await errorCode(r)).toBe('InvalidArgument');
  });

  it('is authorized as a read of the object', async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'guarded', Body: 'x' }));
    const lister = s3Client(await createAccessKey([{ effect: 'allow', actions: ['s3:ListBucket'], resources: [bucket] }]));
    expect(await sdkError(lister.send(new GetObjectAttributesCommand({ Bucket: bucket, Key: 'guarded', ObjectAttributes: ['ETag'] })))).toEqual({
      code: 'AccessDenied',
      status: 403,
    });
  });

  it('refuses a version id other than null', async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'versioned', Body: 'x' }));
    const ok = await s3.send(new GetObjectAttributesCommand({ Bucket: bucket, Key: 'versioned', VersionId: 'null', ObjectAttributes: ['ObjectSize'] }));
    expect(ok.ObjectSize).toBe(1);
    expect(await sdkError(s3.send(new GetObjectAttributesCommand({ Bucket: bucket, Key: 'versioned', VersionId: 'v2', ObjectAttributes: ['ETag'] })))).toEqual({
      code: 'InvalidArgument',
      status: 400,
    });
  });
});

describe('x-amz-checksum-mode', () => {
  it('returns the stored checksums on GET and HEAD only when ENABLED, and never for a range', async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'mode', Body: 'checksum mode', ChecksumAlgorithm: 'CRC32' }));
    expect(put.ChecksumCRC32).toBeTruthy();
    const enabled = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'mode', ChecksumMode: 'ENABLED' }));
    expect(enabled.ChecksumCRC32).toBe(put.ChecksumCRC32);
    await enabled.Body!.transformToString();
    expect((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'mode', ChecksumMode: 'ENABLED' }))).ChecksumCRC32).toBe(put.ChecksumCRC32);
    const plain = await signedFetch(credentials, 'GET', `/${bucket}/mode`);
    expect(plain.headers.get('x-amz-checksum-crc32')).toBeNull();
    await plain.text();
    const ranged = await signedFetch(credentials, 'GET', `/${bucket}/mode`, { headers: { range: 'bytes=0-3', 'x-amz-checksum-mode': 'ENABLED' } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('x-amz-checksum-crc32')).toBeNull();
    await ranged.text();
  });
});
