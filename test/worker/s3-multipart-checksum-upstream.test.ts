import { beforeAll, describe, expect, it } from 'vitest';
import { fromBase64 } from '../../src/auth/checksums';
import { createAccessKey } from './helpers/fixtures';
import { MiB, patternBytes, type SentPart } from './helpers/multipart';
import { type Credentials, errorCode, signedFetch } from './helpers/s3-client';
import { bucketOnUpstream as upstreamBucket, crc32, upstreamDirect as direct } from './helpers/upstream-gateway';
import { concatBytes } from '../support/bytes';

/**
 * Multipart checksums reach an s3 upstream (issue 8, adrs/0017): with `trailingChecksums` on the
 * connection, CreateMultipartUpload creates the upstream upload with the client's algorithm,
 * every UploadPart sends its checksum (the client's header as a header, a trailer re-framed as
 * aws-chunked the way PutObject's is), and Complete lists the part checksums — so the upstream (a
 * second bucketgate, which verifies and stores them) holds the object's composite CRC32.
 */

/** S3's COMPOSITE checksum: the CRC32 of the concatenated binary part CRC32s, "-N". */
async function composite(partChecksums: string[]): Promise<string> {
  const joined = new Uint8Array(partChecksums.length * 4);
  partChecksums.forEach((c, i) => joined.set(fromBase64(c, 4)!, i * 4));
  return `${await crc32(joined)}-${partChecksums.length}`;
}

/** The client's aws-chunked body of `bytes` in 64 KiB chunks, then the trailer. */
function chunkedWithTrailer(bytes: Uint8Array, trailerValue: string): Uint8Array {
  const encoder = new TextEncoder();
  const pieces: Uint8Array[] = [];
  for (let at = 0; at < bytes.byteLength; at += 65536) {
    const chunk = bytes.subarray(at, Math.min(at + 65536, bytes.byteLength));
    pieces.push(encoder.encode(`${chunk.byteLength.toString(16)}\r\n`), chunk, encoder.encode('\r\n'));
  }
  pieces.push(encoder.encode(`0\r\nx-amz-checksum-crc32:${trailerValue}\r\n\r\n`));
  return concatBytes(pieces);
}

describe('multipart checksums on an s3 upstream (a second bucketgate)', () => {
  const part1 = patternBytes(5 * MiB, 11);
  const part2 = patternBytes(3000, 12);

  async function bucketOnUpstream(label: string, settings: Record<string, unknown> = {}): Promise<{ bucket: string; credentials: Credentials }> {
    const name = await upstreamBucket(label, settings);
    const credentials = await createAccessKey([{ effect: 'allow', actions: ['s3:*'], resources: [name, `${name}/*`] }]);
    return { bucket: name, credentials };
  }

  /** Create (CRC32) and two parts as the SDKs send them: a trailer on the first, a header on the second. */
  async function uploadCrc32(credentials: Credentials, bucket: string, key: string): Promise<{ uploadId: string; parts: (SentPart & { ChecksumCRC32: string })[] }> {
    const created = await signedFetch(credentials, 'POST', `/${bucket}/${key}?uploads`, { headers: { 'x-amz-checksum-algorithm': 'CRC32' } });
    expect(created.status, await created.clone().text()).toBe(200);
    const uploadId = /<UploadId>([^<]+)</.exec(await created.text())![1]!;
    const path = (n: number) => `/${bucket}/${key}?partNumber=${n}&uploadId=${encodeURIComponent(uploadId)}`;
    const [sum1, sum2] = [await crc32(part1), await crc32(part2)];
    const first = await signedFetch(credentials, 'PUT', path(1), {
      headers: {
        'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
        'content-encoding': 'aws-chunked',
        'x-amz-decoded-content-length': String(part1.byteLength),
        'x-amz-trailer': 'x-amz-checksum-crc32',
        'x-amz-sdk-checksum-algorithm': 'CRC32',
      },
      body: chunkedWithTrailer(part1, sum1),
    });
    expect(first.status, await first.clone().text()).toBe(200);
    const second = await signedFetch(credentials, 'PUT', path(2), { headers: { 'x-amz-checksum-crc32': sum2, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' }, body: part2 });
    expect(second.status, await second.clone().text()).toBe(200);
    return {
      uploadId,
      parts: [
        { PartNumber: 1, ETag: first.headers.get('etag')!, ChecksumCRC32: sum1 },
        { PartNumber: 2, ETag: second.headers.get('etag')!, ChecksumCRC32: sum2 },
      ],
    };
  }

  /** CompleteMultipartUpload listing each part's ETag and ChecksumCRC32, as the SDKs send it. */
  const completeWithChecksums = (credentials: Credentials, bucket: string, key: string, uploadId: string, parts: (SentPart & { ChecksumCRC32: string })[]) => {
    const entries = parts.map((p) => `<Part><PartNumber>${p.PartNumber}</PartNumber><ETag>${p.ETag}</ETag><ChecksumCRC32>${p.ChecksumCRC32}</ChecksumCRC32></Part>`).join('');
    return signedFetch(credentials, 'POST', `/${bucket}/${key}?uploadId=${encodeURIComponent(uploadId)}`, { body: `<CompleteMultipartUpload>${entries}</CompleteMultipartUpload>` });
  };

  let on: { bucket: string; credentials: Credentials };
  beforeAll(async () => {
    on = await bucketOnUpstream('mpu-sums');
  });

  it('a CRC32 multipart upload ends with its composite checksum stored upstream, equal to the gateway’s', async () => {
    const { uploadId, parts } = await uploadCrc32(on.credentials, on.bucket, 'crc32-object');
    // The upstream upload was created with the algorithm and holds each part's checksum.
    const listed = await direct('GET', on.bucket, `crc32-object?uploadId=${encodeURIComponent(uploadId)}`);
    const listing = await listed.text();
    expect(listing).toContain('<ChecksumAlgorithm>CRC32</ChecksumAlgorithm>');
    expect(listing).toContain(`<ChecksumCRC32>${parts[0]!.ChecksumCRC32}</ChecksumCRC32>`);
    expect(listing).toContain(`<ChecksumCRC32>${parts[1]!.ChecksumCRC32}</ChecksumCRC32>`);

    const done = await completeWithChecksums(on.credentials, on.bucket, 'crc32-object', uploadId, parts);
    const doneText = await done.text();
    expect(done.status, doneText).toBe(200);
    const expected = await composite(parts.map((p) => p.ChecksumCRC32));
    expect(doneText).toContain(`<ChecksumCRC32>${expected}</ChecksumCRC32>`);

    const stored = await direct('HEAD', on.bucket, 'crc32-object', { 'x-amz-checksum-mode': 'ENABLED' });
    expect(stored.status).toBe(200);
    expect(stored.headers.get('x-amz-checksum-crc32')).toBe(expected);
    expect(stored.headers.get('x-amz-checksum-type')).toBe('COMPOSITE');
    const attributes = await direct('GET', on.bucket, 'crc32-object?attributes', { 'x-amz-object-attributes': 'Checksum' });
    expect(await attributes.text()).toContain(`<ChecksumCRC32>${expected}</ChecksumCRC32>`);
    const viaGateway = await signedFetch(on.credentials, 'HEAD', `/${on.bucket}/crc32-object`, { headers: { 'x-amz-checksum-mode': 'ENABLED' } });
    expect(viaGateway.headers.get('x-amz-checksum-crc32')).toBe(expected);
  });

  it('a wrong part checksum is refused (BadDigest) and nothing of it is stored upstream', async () => {
    const created = await signedFetch(on.credentials, 'POST', `/${on.bucket}/wrong-part?uploads`, { headers: { 'x-amz-checksum-algorithm': 'CRC32' } });
    const uploadId = /<UploadId>([^<]+)</.exec(await created.text())![1]!;
    const wrong = await crc32(patternBytes(10, 1));
    const refused = await signedFetch(on.credentials, 'PUT', `/${on.bucket}/wrong-part?partNumber=1&uploadId=${encodeURIComponent(uploadId)}`, {
      headers: { 'x-amz-checksum-crc32': wrong, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
      body: part2,
    });
    expect(refused.status).toBe(400);
    expect(await errorCode(refused)).toBe('BadDigest');
    const listed = await (await direct('GET', on.bucket, `wrong-part?uploadId=${encodeURIComponent(uploadId)}`)).text();
    expect(listed).toContain('<ChecksumAlgorithm>CRC32</ChecksumAlgorithm>');
    expect(listed).not.toContain('<Part>');
  });

  it('a part that only names its algorithm (x-amz-sdk-checksum-algorithm) goes up with the checksum the gateway computed, as a trailer', async () => {
    const created = await signedFetch(on.credentials, 'POST', `/${on.bucket}/sdk-only?uploads`, { headers: { 'x-amz-checksum-algorithm': 'CRC32' } });
    const uploadId = /<UploadId>([^<]+)</.exec(await created.text())![1]!;
    const sent = await signedFetch(on.credentials, 'PUT', `/${on.bucket}/sdk-only?partNumber=1&uploadId=${encodeURIComponent(uploadId)}`, {
      headers: { 'x-amz-sdk-checksum-algorithm': 'CRC32', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
      body: part2,
    });
    expect(sent.status, await sent.clone().text()).toBe(200);
    const listed = await (await direct('GET', on.bucket, `sdk-only?uploadId=${encodeURIComponent(uploadId)}`)).text();
    expect(listed).toContain(`<ChecksumCRC32>${await crc32(part2)}</ChecksumCRC32>`);
  });

  it('with trailingChecksums false (s3rver-like upstreams), nothing is sent: the upstream object has no checksum, the gateway still reports its own', async () => {
    const plain = await bucketOnUpstream('mpu-plain', { trailingChecksums: false });
    const { uploadId, parts } = await uploadCrc32(plain.credentials, plain.bucket, 'k');
    const listed = await (await direct('GET', plain.bucket, `k?uploadId=${encodeURIComponent(uploadId)}`)).text();
    expect(listed).not.toContain('ChecksumAlgorithm>CRC32');
    const done = await completeWithChecksums(plain.credentials, plain.bucket, 'k', uploadId, parts);
    expect(done.status, await done.clone().text()).toBe(200);
    const stored = await direct('HEAD', plain.bucket, 'k', { 'x-amz-checksum-mode': 'ENABLED' });
    expect(stored.status).toBe(200);
    expect(stored.headers.get('x-amz-checksum-crc32')).toBeNull();
    const viaGateway = await signedFetch(plain.credentials, 'HEAD', `/${plain.bucket}/k`, { headers: { 'x-amz-checksum-mode': 'ENABLED' } });
    expect(viaGateway.headers.get('x-amz-checksum-crc32')).toBe(await composite(parts.map((p) => p.ChecksumCRC32)));
  });
});
