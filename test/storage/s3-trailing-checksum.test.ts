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
