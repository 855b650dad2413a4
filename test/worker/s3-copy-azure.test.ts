import { CompleteMultipartUploadCommand, CopyObjectCommand, CreateMultipartUploadCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client, UploadPartCopyCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, inject, it, vi } from 'vitest';
import '../storage/contract/provided';
import { AZURITE_ACCOUNT, AZURITE_CONTAINER } from '../storage/upstreams/azurite-account';
import { admin } from './admin-client';
import { createAccessKey, createBucket } from './helpers/fixtures';
import { md5Hex, s3Client } from './helpers/s3-client';

/**
 * CopyObject and UploadPartCopy between two buckets on one azure connection (adrs/0021): the S3
 * layer hands the copy to the driver (serverSideCopy 'same-backend'), Azure copies, and the bytes
 * never pass through the gateway. Azurite sits behind a proxy that counts the body bytes each way
 * (test/storage/upstreams/counting-proxy.ts); Azurite reads a copy's source over its own loopback,
 * so only a copy that streamed through the gateway would show up in that count.
 */

const OBJECT_SIZE = 2 * 1024 * 1024;
/** Headers are not counted; a server-side copy sends at most a block list. */
const SERVER_SIDE_BYTES = 4096;

vi.setConfig({ testTimeout: 240_000, hookTimeout: 240_000 });

const unique = (label: string) => `${label}-${crypto.randomUUID().slice(0, 8)}`;

async function proxiedBytes(): Promise<{ sent: number; received: number }> {
  return (await fetch(`${new URL(inject('countingAzuriteUrl')).origin}/__bytes`)).json();
}

const bucketOnConnection = (connection: string) =>
  createBucket('azcopy', (name) => ({ backend: { type: 'azure', connection, container: AZURITE_CONTAINER, prefix: `${name}/` } }));

let s3: S3Client;
let first: string;
let second: string;
const payload = Uint8Array.from({ length: OBJECT_SIZE }, (_, i) => (i * 131 + (i >> 9)) & 0xff);

beforeAll(async () => {
  const created = await admin('POST', '/connections', {
    kind: 'azure',
    name: unique('az-counted'),
    accountUrl: inject('countingAzuriteUrl'),
    probeContainer: AZURITE_CONTAINER,
    auth: { mode: 'shared_key', ...AZURITE_ACCOUNT },
  });
  if (created.status !== 201) throw new Error(`creating connection: ${created.status} ${created.text}`);
  first = await bucketOnConnection(created.json.id);
  second = await bucketOnConnection(created.json.id);
  s3 = s3Client(await createAccessKey([{ effect: 'allow', actions: ['s3:*'], resources: ['*'] }]));
  await s3.send(new PutObjectCommand({ Bucket: first, Key: 'src.bin', Body: payload, ContentType: 'application/x-src', Metadata: { origin: 'first' } }));
});

async function md5Of(bucket: string, key: string): Promise<string> {
  return md5Hex(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToByteArray());
}

describe('copies between buckets on one azure connection', () => {
  it('CopyObject (metadata COPY) runs inside Azure', async () => {
    await proxiedBytes();
    const copied = await s3.send(new CopyObjectCommand({ Bucket: second, Key: 'copied.bin', CopySource: `${first}/src.bin` }));
    const moved = await proxiedBytes();
    expect(moved.sent + moved.received).toBeLessThan(SERVER_SIDE_BYTES);
    expect(copied.CopyObjectResult?.ETag).toBe(`"${await md5Hex(payload)}"`);
    const head = await s3.send(new HeadObjectCommand({ Bucket: second, Key: 'copied.bin' }));
    expect([head.ETag, head.ContentType, head.Metadata]).toEqual([copied.CopyObjectResult?.ETag, 'application/x-src', { origin: 'first' }]);
    expect(await md5Of(second, 'copied.bin')).toBe(await md5Hex(payload));
  });

  it('CopyObject (metadata REPLACE, new Content-Type) runs inside Azure', async () => {
    await proxiedBytes();
    const copied = await s3.send(
      new CopyObjectCommand({ Bucket: second, Key: 'replaced.bin', CopySource: `${first}/src.bin`, MetadataDirective: 'REPLACE', ContentType: 'text/plain', Metadata: { via: 'azure' } }),
    );
    const moved = await proxiedBytes();
    expect(moved.sent + moved.received).toBeLessThan(SERVER_SIDE_BYTES);
    const head = await s3.send(new HeadObjectCommand({ Bucket: second, Key: 'replaced.bin' }));
    expect([head.ETag, head.ContentType, head.Metadata]).toEqual([copied.CopyObjectResult?.ETag, 'text/plain', { via: 'azure' }]);
    expect(await md5Of(second, 'replaced.bin')).toBe(await md5Hex(payload));
  });

  it('UploadPartCopy with a range runs inside Azure', async () => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: second, Key: 'assembled.bin' }));
    await proxiedBytes();
    const part = await s3.send(new UploadPartCopyCommand({ Bucket: second, Key: 'assembled.bin', UploadId, PartNumber: 1, CopySource: `${first}/src.bin`, CopySourceRange: 'bytes=1000-1048575' }));
    const moved = await proxiedBytes();
    expect(moved.sent + moved.received).toBeLessThan(SERVER_SIDE_BYTES);
    const range = payload.subarray(1000, 1048576);
    expect(part.CopyPartResult?.ETag).toBe(`"${await md5Hex(range)}"`);
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: second, Key: 'assembled.bin', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.CopyPartResult?.ETag }] } }));
    expect(await md5Of(second, 'assembled.bin')).toBe(await md5Hex(range));
  });
});
