import { env } from 'cloudflare:test';
import { describe, expect, inject, it } from 'vitest';
import { openS3Backend } from '../../src/storage/drivers';
import { createHasher, toBase64 } from '../../src/auth/checksums';
import { awsChunkedLength } from '../../src/storage/s3/aws-chunked-encode';
import type { S3DriverConfig } from '../../src/storage/s3/config';
import type { TrailingChecksum } from '../../src/storage/backend';
import { noMetadata, pattern, storageFailure, stream } from './contract/support';
import './contract/provided';

/** The s3 driver's handling of a trailing checksum (adrs/0017), on the wire and at a real upstream. */

async function crc32(bytes: Uint8Array): Promise<string> {
  const hasher = createHasher('crc32');
  await hasher.update(bytes);
  return toBase64(await hasher.digest());
}

function trailing(value: string): TrailingChecksum {
  return { algorithm: 'crc32', value: () => value };
}

/** A backend on the fault server's recording upstream, and what that upstream saw. */
function echo(extra: Partial<S3DriverConfig>) {
  const bucket = `echo-${crypto.randomUUID().slice(0, 8)}`;
  const base = inject('faultyUpstreamUrl');
  const backend = openS3Backend(env, { endpoint: base, region: 'us-east-1', bucket, prefix: 'tenant/', pathStyle: true, credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' }, ...extra });
  const last = async () => (await (await fetch(`${base}/__last/${bucket}`)).json()) as { headers: Record<string, string>; bodyLength: number } | null;
  return { backend, last };
}

describe('s3 driver: trailing checksums on the wire', () => {
  const data = pattern(70_000, 3);

  it('sends aws-chunked with the trailer, an exact Content-Length and the object’s own Content-Encoding kept', async () => {
    const { backend, last } = echo({});
    await backend.put('k', stream(data), data.byteLength, { ...noMetadata, contentEncoding: 'gzip' }, undefined, trailing(await crc32(data)));
    const seen = await last();
    const encoded = awsChunkedLength(data.byteLength, 'crc32');
    expect(seen!.bodyLength).toBe(encoded);
    expect(seen!.headers).toMatchObject({
      'content-length': String(encoded),
      'content-encoding': 'aws-chunked,gzip',
      'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
      'x-amz-decoded-content-length': String(data.byteLength),
      'x-amz-trailer': 'x-amz-checksum-crc32',
    });
  });

  it('sends the body plain when the connection says the upstream cannot take trailers', async () => {
    const { backend, last } = echo({ trailingChecksums: false });
    await backend.put('k', stream(data), data.byteLength, noMetadata, undefined, trailing(await crc32(data)));
    const seen = await last();
    expect(seen!.bodyLength).toBe(data.byteLength);
    expect(seen!.headers['x-amz-content-sha256']).toBe('UNSIGNED-PAYLOAD');
    expect(seen!.headers['x-amz-trailer']).toBeUndefined();
  });
});

describe('s3 driver: trailing checksums at a second bucketgate', () => {
  function upstreamBackend(prefix: string) {
    const u = inject('upstreamGateway');
    return openS3Backend(env, { endpoint: u.endpoint, region: u.region, bucket: u.bucket, prefix, pathStyle: true, credentials: { accessKeyId: u.accessKeyId, secretAccessKey: u.secretAccessKey } });
  }

  it('the upstream checks the trailer itself: a wrong value fails the upload and nothing is stored', async () => {
    const backend = upstreamBackend(`trailers-${crypto.randomUUID().slice(0, 8)}/`);
    const data = pattern(10_000, 5);
    // A well-formed CRC32 of other bytes: only the upstream's own check can catch it here.
    const error = await storageFailure(backend.put('wrong', stream(data), data.byteLength, noMetadata, undefined, trailing(await crc32(pattern(10, 1)))));
    // The gateway verified the body before the upstream disagreed: the store's fault, not the client's.
    expect(error.kind).toBe('internal');
    expect(await backend.head('wrong')).toBeNull();

    await backend.put('right', stream(data), data.byteLength, noMetadata, undefined, trailing(await crc32(data)));
    expect((await backend.head('right'))?.metadata.checksums).toEqual({ crc32: await crc32(data) });
  });
});

describe('s3 driver: part checksums on the wire', () => {
  const data = pattern(70_000, 4);

  it('sends a trailing part checksum as aws-chunked with the trailer, a header one as a header', async () => {
    const { backend, last } = echo({});
    await backend.uploadPart('k', 'upload-1', 1, stream(data), data.byteLength, trailing(await crc32(data)));
    const trailed = await last();
    expect(trailed!.bodyLength).toBe(awsChunkedLength(data.byteLength, 'crc32'));
    expect(trailed!.headers).toMatchObject({ 'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', 'x-amz-trailer': 'x-amz-checksum-crc32', 'x-amz-decoded-content-length': String(data.byteLength) });

    await backend.uploadPart('k', 'upload-1', 2, stream(data), data.byteLength, { algorithm: 'crc32', value: await crc32(data) });
    const headed = await last();
    expect(headed!.bodyLength).toBe(data.byteLength);
    expect(headed!.headers['x-amz-checksum-crc32']).toBe(await crc32(data));
    expect(headed!.headers['x-amz-trailer']).toBeUndefined();
  });

  it('sends no part checksum when the connection says the upstream cannot take trailers', async () => {
    const { backend, last } = echo({ trailingChecksums: false });
    await backend.uploadPart('k', 'upload-1', 1, stream(data), data.byteLength, trailing(await crc32(data)));
    const seen = await last();
    expect(seen!.bodyLength).toBe(data.byteLength);
    expect(seen!.headers['x-amz-trailer']).toBeUndefined();
    expect(seen!.headers['x-amz-checksum-crc32']).toBeUndefined();
  });
});

describe('s3 driver: part checksums at a second bucketgate', () => {
  it('the upstream upload takes the algorithm and checks each part itself: a wrong trailing value fails the part', async () => {
    const u = inject('upstreamGateway');
    const backend = openS3Backend(env, { endpoint: u.endpoint, region: u.region, bucket: u.bucket, prefix: `part-sums-${crypto.randomUUID().slice(0, 8)}/`, pathStyle: true, credentials: { accessKeyId: u.accessKeyId, secretAccessKey: u.secretAccessKey } });
    const data = pattern(10_000, 6);
    const uploadId = await backend.createMultipart('k', noMetadata, { algorithm: 'crc32' });
    const error = await storageFailure(backend.uploadPart('k', uploadId, 1, stream(data), data.byteLength, trailing(await crc32(pattern(10, 1)))));
    expect(error.kind).toBe('internal');
    // Without a checksum the upstream refuses the part too: its upload was created with CRC32.
    await expect(backend.uploadPart('k', uploadId, 1, stream(data), data.byteLength)).rejects.toBeDefined();
    const part = await backend.uploadPart('k', uploadId, 1, stream(data), data.byteLength, trailing(await crc32(data)));
    const done = await backend.completeMultipart('k', uploadId, [{ partNumber: 1, etag: part.etag, checksums: { crc32: await crc32(data) } }]);
    expect(done.size).toBe(data.byteLength);
  });
});
