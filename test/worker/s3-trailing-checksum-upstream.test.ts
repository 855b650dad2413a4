import { beforeAll, describe, expect, it } from 'vitest';
import { createAccessKey } from './helpers/fixtures';
import { type Credentials, errorCode, signedFetch } from './helpers/s3-client';
import { bucketOnUpstream, crc32, upstreamDirect } from './helpers/upstream-gateway';
import { concatBytes } from '../support/bytes';

/**
 * A client's aws-chunked trailing checksum reaches an s3 upstream (adrs/0017): the gateway
 * re-frames the body as aws-chunked with the checksum it verified as the trailer, so the
 * upstream (a second bucketgate, which verifies and stores trailers) holds it too.
 */

/** 200 KiB + 1: several of the driver's 64 KiB upstream chunks and a short last one. */
const LENGTH = 200 * 1024 + 1;
const payload = new Uint8Array(LENGTH).map((_, i) => (i * 7) % 256);

/** The client's body: aws-chunked in two uneven chunks, then the trailer. */
function chunkedBody(bytes: Uint8Array, trailerValue: string): Uint8Array {
  const cut = 100_000;
  const parts = [
    new TextEncoder().encode(`${cut.toString(16)}\r\n`),
    bytes.subarray(0, cut),
    new TextEncoder().encode(`\r\n${(bytes.byteLength - cut).toString(16)}\r\n`),
    bytes.subarray(cut),
    new TextEncoder().encode(`\r\n0\r\nx-amz-checksum-crc32:${trailerValue}\r\n\r\n`),
  ];
  return concatBytes(parts);
}

function putWithTrailer(credentials: Credentials, path: string, trailerValue: string): Promise<Response> {
  return signedFetch(credentials, 'PUT', path, {
    headers: {
      'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
      'content-encoding': 'aws-chunked',
      'x-amz-decoded-content-length': String(LENGTH),
      'x-amz-trailer': 'x-amz-checksum-crc32',
    },
    body: chunkedBody(payload, trailerValue),
  });
}

describe('trailing checksums on an s3 upstream (a second bucketgate)', () => {
  let bucket: string;
  let credentials: Credentials;

  /** HEAD of the object's upstream key, asked directly of the upstream with its checksum. */
  function headUpstream(key: string, on = bucket): Promise<Response> {
    return upstreamDirect('HEAD', on, key, { 'x-amz-checksum-mode': 'ENABLED' });
  }

  beforeAll(async () => {
    bucket = await bucketOnUpstream('trailers');
    credentials = await createAccessKey([{ effect: 'allow', actions: ['s3:*'], resources: [bucket, `${bucket}/*`] }]);
  });

  it('stores the verified trailer checksum upstream, where x-amz-checksum-mode shows it', async () => {
    const checksum = await crc32(payload);
    const put = await putWithTrailer(credentials, `/${bucket}/with-trailer`, checksum);
    expect(put.status, await put.clone().text()).toBe(200);
    expect(put.headers.get('x-amz-checksum-crc32')).toBe(checksum);

    const direct = await headUpstream('with-trailer');
    expect(direct.status).toBe(200);
    expect(direct.headers.get('content-length')).toBe(String(LENGTH));
    expect(direct.headers.get('x-amz-checksum-crc32')).toBe(checksum);
    // aws-chunked was the transfer's framing, not the object's encoding.
    expect(direct.headers.get('content-encoding')).toBeNull();

    const back = await signedFetch(credentials, 'GET', `/${bucket}/with-trailer`);
    expect(new Uint8Array(await back.arrayBuffer())).toEqual(payload);
  });

  it('refuses a wrong trailer value with BadDigest and stores nothing, here or upstream', async () => {
    const wrong = await crc32(new TextEncoder().encode('something else'));
    const put = await putWithTrailer(credentials, `/${bucket}/wrong-trailer`, wrong);
    expect(put.status).toBe(400);
    expect(await errorCode(put)).toBe('BadDigest');
    expect((await headUpstream('wrong-trailer')).status).toBe(404);
    expect((await signedFetch(credentials, 'HEAD', `/${bucket}/wrong-trailer`)).status).toBe(404);
  });

  it('with trailingChecksums false on the connection, sends the body plain: the gateway alone keeps the checksum', async () => {
    const plain = await bucketOnUpstream('plain', { trailingChecksums: false });
    const keys = await createAccessKey([{ effect: 'allow', actions: ['s3:*'], resources: [plain, `${plain}/*`] }]);
    const checksum = await crc32(payload);
    const put = await putWithTrailer(keys, `/${plain}/k`, checksum);
    expect(put.status).toBe(200);
    const direct = await headUpstream('k', plain);
    expect(direct.status).toBe(200);
    expect(direct.headers.get('x-amz-checksum-crc32')).toBeNull();
    const viaGateway = await signedFetch(keys, 'HEAD', `/${plain}/k`, { headers: { 'x-amz-checksum-mode': 'ENABLED' } });
    expect(viaGateway.headers.get('x-amz-checksum-crc32')).toBe(checksum);
  });
});
