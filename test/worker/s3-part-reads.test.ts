import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { bucketWithClient } from './helpers/fixtures';
import { type Credentials, errorCode, md5Hex, sdkError, signedFetch } from './helpers/s3-client';

const MiB = 1024 * 1024;
let bucket: string;
let s3: S3Client;
let credentials: Credentials;
const parts = [bytes(5 * MiB, 1), bytes(5 * MiB, 2), bytes(1000, 3)];
const size = 10 * MiB + 1000;

function bytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 17 + seed * 53 + (i >> 9)) & 0xff;
  return out;
}

beforeAll(async () => {
  ({ bucket, s3, credentials } = await bucketWithClient('part-reads'));
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'multi' }));
  const sent = [];
  for (const [i, Body] of parts.entries()) {
    const r = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'multi', UploadId, PartNumber: i + 1, Body }));
    sent.push({ PartNumber: i + 1, ETag: r.ETag! });
  }
  await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: 'multi', UploadId, MultipartUpload: { Parts: sent } }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'single', Body: 'one part only' }));
});

describe('GET/HEAD ?partNumber=N of a multipart object', () => {
  it.each([1, 2, 3])('serves part %i with 206, Content-Range and the parts count', async (n) => {
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'multi', PartNumber: n }));
    const offset = (n - 1) * 5 * MiB;
    const length = parts[n - 1]!.length;
    expect(got.$metadata.httpStatusCode).toBe(206);
    expect(got.ContentRange).toBe(`bytes ${offset}-${offset + length - 1}/${size}`);
    expect(got.ContentLength).toBe(length);
    expect(got.PartsCount).toBe(3);
    expect(await md5Hex(await got.Body!.transformToByteArray())).toBe(await md5Hex(parts[n - 1]!));
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'multi', PartNumber: n }));
    expect([head.$metadata.httpStatusCode, head.ContentRange, head.ContentLength, head.PartsCount]).toEqual([206, got.ContentRange, length, 3]);
  });

  it('refuses a part beyond the parts count with InvalidPartNumber (416)', async () => {
    expect(await sdkError(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'multi', PartNumber: 4 })))).toEqual({ code: 'InvalidPartNumber', status: 416 });
    const head = await signedFetch(credentials, 'HEAD', `/${bucket}/multi?partNumber=4`);
    expect(head.status).toBe(416);
  });

  it('refuses partNumber together with Range (400 InvalidRequest)', async () => {
    const r = await signedFetch(credentials, 'GET', `/${bucket}/multi?partNumber=1`, { headers: { range: 'bytes=0-9' } });
    expect(r.status).toBe(400);
    expect(await errorCode(r)).toBe('InvalidRequest');
  });

  it.each(['0', '10001', 'x'])('refuses partNumber=%s with InvalidArgument', async (n) => {
    const r = await signedFetch(credentials, 'GET', `/${bucket}/multi?partNumber=${n}`);
    expect(r.status).toBe(400);
    expect(await errorCode(r)).toBe('InvalidArgument');
  });

  it('answers NoSuchKey for a part of a missing object', async () => {
    expect(await sdkError(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'absent', PartNumber: 1 })))).toEqual({ code: 'NoSuchKey', status: 404 });
  });
});

describe('GET/HEAD ?partNumber=N of a single-part object', () => {
  it('serves the whole object as part 1, without a parts count', async () => {
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'single', PartNumber: 1 }));
    expect(got.$metadata.httpStatusCode).toBe(206);
    expect(got.ContentRange).toBe('bytes 0-12/13');
    expect(got.PartsCount).toBeUndefined();
    expect(await got.Body!.transformToString()).toBe('one part only');
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'single', PartNumber: 1 }));
    expect([head.ContentLength, head.PartsCount]).toEqual([13, undefined]);
  });

  it('refuses part 2 with InvalidPartNumber', async () => {
    expect(await sdkError(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'single', PartNumber: 2 })))).toEqual({ code: 'InvalidPartNumber', status: 416 });
  });
});

describe('a multipart object whose part layout the gateway did not record', () => {
  it('refuses a part read with NotImplemented rather than serving other bytes', async () => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'legacy' }));
    const r = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'legacy', UploadId, PartNumber: 1, Body: 'legacy part' }));
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: 'legacy', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: r.ETag! }] } }));
    // As for an object completed before completions were recorded.
    await env.DB.prepare('DELETE FROM multipart_completions WHERE bucket = ? AND key = ?').bind(bucket, 'legacy').run();
    const got = await signedFetch(credentials, 'GET', `/${bucket}/legacy?partNumber=1`);
    expect(got.status).toBe(501);
    expect(await errorCode(got)).toBe('NotImplemented');
    expect(await sdkError(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'legacy', PartNumber: 2 })))).toEqual({ code: 'InvalidPartNumber', status: 416 });
  });
});
