import { describe, expect, it } from 'vitest';
import { awsChunkedDecoder } from '../../src/auth/chunked';
import { awsChunkedEncode, awsChunkedLength, type TrailingChecksum } from '../../src/storage/s3/aws-chunked-encode';

const CRC32 = 'AAAAAA=='; // any 4-byte value, base64
const SHA256 = 'A'.repeat(43) + '=';

function streamOf(pieces: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const p of pieces) controller.enqueue(p);
      controller.close();
    },
  });
}

async function bytesOf(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function trailer(value: string | undefined, algorithm: TrailingChecksum['algorithm'] = 'crc32'): TrailingChecksum {
  return { algorithm, value: () => value };
}

/** `length` bytes of a pattern, split into pieces of the given sizes (the source's own chunking). */
function body(length: number, pieceBytes: number): Uint8Array[] {
  const all = new Uint8Array(length).map((_, i) => i % 251);
  const pieces: Uint8Array[] = [];
  for (let i = 0; i < length; i += pieceBytes) pieces.push(all.slice(i, i + pieceBytes));
  return pieces;
}

describe('aws-chunked encoder (unsigned, one trailing checksum)', () => {
  it('frames an empty body as the final chunk and the trailer only', async () => {
    const encoded = await bytesOf(awsChunkedEncode(streamOf([]), 0, trailer(CRC32), 8));
    expect(new TextDecoder().decode(encoded)).toBe(`0\r\nx-amz-checksum-crc32:${CRC32}\r\n\r\n`);
    expect(awsChunkedLength(0, 'crc32', 8)).toBe(encoded.byteLength);
  });

  it('cuts the body into fixed-size chunks whatever the source pieces are', async () => {
    const encoded = await bytesOf(awsChunkedEncode(streamOf([new TextEncoder().encode('abcdefghij')]), 10, trailer(CRC32), 4));
    expect(new TextDecoder().decode(encoded)).toBe(`4\r\nabcd\r\n4\r\nefgh\r\n2\r\nij\r\n0\r\nx-amz-checksum-crc32:${CRC32}\r\n\r\n`);
  });

  // Exact multiples (no short last chunk), one byte either side, multi-digit hex sizes, piece sizes
  // that straddle chunk boundaries: the announced length is the length sent, and it decodes back.
  for (const [length, chunk, piece] of [
    [8, 8, 3],
    [16, 8, 8],
    [17, 8, 5],
    [15, 8, 16],
    [65536 * 3, 65536, 10000],
    [65536 * 2 + 1, 65536, 65536],
    [4096, 0x1000, 1],
  ] as const) {
    it(`length ${length}, chunks of ${chunk}, source pieces of ${piece}`, async () => {
      const pieces = body(length, piece);
      const encoded = await bytesOf(awsChunkedEncode(streamOf(pieces), length, trailer(SHA256, 'sha256'), chunk));
      expect(encoded.byteLength).toBe(awsChunkedLength(length, 'sha256', chunk));
      let trailers = new Map<string, string>();
      const decoded = await bytesOf(
        streamOf([encoded]).pipeThrough(awsChunkedDecoder({ decodedLength: length, trailer: true, onTrailers: (t) => (trailers = t) })),
      );
      expect(decoded).toEqual(new Uint8Array(length).map((_, i) => i % 251));
      expect(trailers.get('x-amz-checksum-sha256')).toBe(SHA256);
    });
  }

  it('sizes every algorithm’s trailer line', () => {
    // "0\r\n" + "x-amz-checksum-<alg>:" + base64 + "\r\n" + "\r\n"
    expect(awsChunkedLength(0, 'crc32')).toBe(3 + 'x-amz-checksum-crc32:'.length + 8 + 4);
    expect(awsChunkedLength(0, 'crc32c')).toBe(3 + 'x-amz-checksum-crc32c:'.length + 8 + 4);
    expect(awsChunkedLength(0, 'crc64nvme')).toBe(3 + 'x-amz-checksum-crc64nvme:'.length + 12 + 4);
    expect(awsChunkedLength(0, 'sha1')).toBe(3 + 'x-amz-checksum-sha1:'.length + 28 + 4);
    expect(awsChunkedLength(0, 'sha256')).toBe(3 + 'x-amz-checksum-sha256:'.length + 44 + 4);
    // 65536 = "10000" in hex: 5 + 2 + 65536 + 2 per full chunk.
    expect(awsChunkedLength(65536 * 2, 'crc32') - awsChunkedLength(0, 'crc32')).toBe(2 * (5 + 2 + 65536 + 2));
  });

  it('errors instead of finishing when the verified value is missing or malformed', async () => {
    await expect(bytesOf(awsChunkedEncode(streamOf(body(5, 5)), 5, trailer(undefined), 4))).rejects.toThrow(/trailing checksum/);
    await expect(bytesOf(awsChunkedEncode(streamOf(body(5, 5)), 5, trailer('AAAA'), 4))).rejects.toThrow(/trailing checksum/);
  });

  it('errors on a body shorter or longer than declared', async () => {
    await expect(bytesOf(awsChunkedEncode(streamOf(body(5, 5)), 6, trailer(CRC32), 4))).rejects.toThrow(/ended after 5 of 6/);
    await expect(bytesOf(awsChunkedEncode(streamOf(body(7, 7)), 6, trailer(CRC32), 4))).rejects.toThrow(/longer than declared/);
  });
});
