import { CompleteMultipartUploadCommand, CopyObjectCommand, CreateMultipartUploadCommand, GetObjectCommand, PutObjectCommand, type S3Client, UploadPartCopyCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, inject, it, vi } from 'vitest';
import '../storage/contract/provided';
import { admin } from './admin-client';
import { createAccessKey, createBucket } from './helpers/fixtures';
import { md5Hex, s3Client } from './helpers/s3-client';

/**
 * CopyObject and UploadPartCopy between buckets on S3 upstreams (adrs/0010, 0017): inside one
 * upstream reached with the same credentials the upstream copies and the bytes never pass through
 * the gateway; across upstreams (R2 ↔ s3rver) they stream through it. s3rver sits behind a proxy
 * that counts the body bytes each way (test/storage/upstreams/counting-proxy.ts): that count is
 * the proof of where the bytes went.
 */

const S3RVER = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const UPSTREAM_BUCKET = 'contract';
const OBJECT_SIZE = 2 * 1024 * 1024;
/** Headers are not counted; what a server-side copy sends and receives is a few hundred bytes of XML. */
const SERVER_SIDE_BYTES = 4096;

// Each case moves a few MiB through three local servers on a loaded machine.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 240_000 });

const unique = (label: string) => `${label}-${crypto.randomUUID().slice(0, 8)}`;

/** Body bytes through the proxy since the last call (to s3rver, from s3rver); reading resets them. */
async function proxiedBytes(): Promise<{ sent: number; received: number }> {
  return (await fetch(`${inject('countingS3rverUrl')}/__bytes`)).json();
}

const bucketOnConnection = (connection: string) =>
  createBucket('copyup', (name) => ({ backend: { type: 's3', connection, bucket: UPSTREAM_BUCKET, prefix: `${name}/` } }));

let s3: S3Client;
/** Two virtual buckets on one connection (same upstream, same keys) and one on R2. */
let first: string;
let second: string;
let onR2: string;
/** Bytes that differ along the object (getRandomValues fills at most 64 KiB at a time). */
const payload = Uint8Array.from({ length: OBJECT_SIZE }, (_, i) => (i * 131 + (i >> 9)) & 0xff);

beforeAll(async () => {
  const created = await admin('POST', '/connections', {
    kind: 's3',
    name: unique('counted'),
    endpoint: inject('countingS3rverUrl'),
    region: 'us-east-1',
    addressing: 'path',
    probeBucket: UPSTREAM_BUCKET,
    auth: { mode: 'static', ...S3RVER },
  });
  if (created.status !== 201) throw new Error(`creating connection: ${created.status} ${created.text}`);
  first = await bucketOnConnection(created.json.id);
  second = await bucketOnConnection(created.json.id);
  onR2 = await createBucket('copyup-r2');
  s3 = s3Client(await createAccessKey([{ effect: 'allow', actions: ['s3:*'], resources: ['*'] }]));
  await s3.send(new PutObjectCommand({ Bucket: first, Key: 'src.bin', Body: payload }));
  await s3.send(new PutObjectCommand({ Bucket: onR2, Key: 'src.bin', Body: payload }));
});

async function bytesOf(bucket: string, key: string): Promise<Uint8Array> {
  return (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToByteArray();
}

describe('copies between buckets on S3 upstreams', () => {
  it('CopyObject between two buckets on one connection runs inside the upstream', async () => {
    await proxiedBytes();
    const copied = await s3.send(new CopyObjectCommand({ Bucket: second, Key: 'copied.bin', CopySource: `${first}/src.bin`, MetadataDirective: 'REPLACE', Metadata: { via: 'upstream' } }));
    const moved = await proxiedBytes();
    expect(moved.sent + moved.received).toBeLessThan(SERVER_SIDE_BYTES);
    expect(copied.CopyObjectResult?.ETag).toBe(`"${await md5Hex(payload)}"`);
    expect(await bytesOf(second, 'copied.bin')).toEqual(payload);
    expect((await s3.send(new GetObjectCommand({ Bucket: second, Key: 'copied.bin' }))).Metadata).toEqual({ via: 'upstream' });
  });

  it('UploadPartCopy from a bucket on the same connection runs inside the upstream', async () => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: second, Key: 'assembled.bin' }));
    await proxiedBytes();
    const part = await s3.send(new UploadPartCopyCommand({ Bucket: second, Key: 'assembled.bin', UploadId, PartNumber: 1, CopySource: `${first}/src.bin` }));
    const moved = await proxiedBytes();
    expect(moved.sent + moved.received).toBeLessThan(SERVER_SIDE_BYTES);
    expect(part.CopyPartResult?.ETag).toBe(`"${await md5Hex(payload)}"`);
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: second, Key: 'assembled.bin', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.CopyPartResult?.ETag }] } }));
    expect(await bytesOf(second, 'assembled.bin')).toEqual(payload);
  });

  it('CopyObject from R2 to an s3rver bucket streams the bytes up through the gateway', async () => {
    await proxiedBytes();
    await s3.send(new CopyObjectCommand({ Bucket: first, Key: 'from-r2.bin', CopySource: `${onR2}/src.bin` }));
    const moved = await proxiedBytes();
    expect(moved.sent).toBeGreaterThanOrEqual(OBJECT_SIZE);
    expect(await bytesOf(first, 'from-r2.bin')).toEqual(payload);
  });

  it('CopyObject from an s3rver bucket to R2 streams the bytes down through the gateway', async () => {
    await proxiedBytes();
    await s3.send(new CopyObjectCommand({ Bucket: onR2, Key: 'from-s3rver.bin', CopySource: `${first}/src.bin` }));
    const moved = await proxiedBytes();
    expect(moved.received).toBeGreaterThanOrEqual(OBJECT_SIZE);
    expect(await bytesOf(onR2, 'from-s3rver.bin')).toEqual(payload);
  });

  it('UploadPartCopy from R2 into an upload on s3rver streams the range', async () => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: first, Key: 'part-from-r2.bin' }));
    await proxiedBytes();
    const part = await s3.send(new UploadPartCopyCommand({ Bucket: first, Key: 'part-from-r2.bin', UploadId, PartNumber: 1, CopySource: `${onR2}/src.bin`, CopySourceRange: 'bytes=0-1023' }));
    const moved = await proxiedBytes();
    expect(moved.sent).toBe(1024);
    expect(part.CopyPartResult?.ETag).toBe(`"${await md5Hex(payload.slice(0, 1024))}"`);
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: first, Key: 'part-from-r2.bin', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.CopyPartResult?.ETag }] } }));
    expect(await bytesOf(first, 'part-from-r2.bin')).toEqual(payload.slice(0, 1024));
  });
});
