import { CHECKSUM_BYTES, type ChecksumAlgorithm } from '../../core/checksum-names';
import type { TrailingChecksum } from '../backend';
import { chunkReader } from '../../core/chunk-reader';

export type { TrailingChecksum };

/**
 * Encoder for S3's aws-chunked content encoding with one trailing checksum, unsigned
 * (`x-amz-content-sha256: STREAMING-UNSIGNED-PAYLOAD-TRAILER`):
 *
 *   <hex-size>\r\n<data>\r\n … 0\r\n x-amz-checksum-<alg>:<base64>\r\n \r\n
 *
 * The body is cut into chunks of a fixed size (the last one shorter), so the encoded length is
 * known before a byte is sent and the upload streams with an exact Content-Length. The trailer's
 * value is asked for only once the body has ended: it is the checksum the gateway verified while
 * the same bytes streamed past. Nothing is buffered beyond the piece in hand.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming-trailers.html
 */

/** 64 KiB: S3's smallest chunk is 8 KiB; larger chunks only add per-chunk overhead savings. */
export const UPSTREAM_CHUNK_BYTES = 64 * 1024;

const CRLF = '\r\n';
const encoder = new TextEncoder();

function trailerName(algorithm: ChecksumAlgorithm): string {
  return `x-amz-checksum-${algorithm}`;
}

/** Base64 length of a digest of `bytes` bytes (padded). */
function base64Length(bytes: number): number {
  return 4 * Math.ceil(bytes / 3);
}

/** `<hex-size>\r\n` + data + `\r\n` for a chunk of `size` bytes. */
function framedChunkLength(size: number): number {
  return size.toString(16).length + CRLF.length + size + CRLF.length;
}

/** The encoded length of a `decodedLength`-byte body cut into `chunkBytes` chunks, with the trailer. */
export function awsChunkedLength(decodedLength: number, algorithm: ChecksumAlgorithm, chunkBytes = UPSTREAM_CHUNK_BYTES): number {
  const full = Math.floor(decodedLength / chunkBytes);
  const rest = decodedLength % chunkBytes;
  const chunks = full * framedChunkLength(chunkBytes) + (rest > 0 ? framedChunkLength(rest) : 0);
  const finalChunk = `0${CRLF}`.length;
  const trailer = trailerName(algorithm).length + 1 + base64Length(CHECKSUM_BYTES[algorithm]) + CRLF.length;
  return chunks + finalChunk + trailer + CRLF.length;
}

/**
 * `body` (exactly `decodedLength` bytes) as aws-chunked with `trailer` at the end. A body that
 * ends early or runs long, or a trailer value missing or of the wrong length, errors the stream,
 * so the upstream never receives a complete upload.
 */
export function awsChunkedEncode(
  body: ReadableStream<Uint8Array>,
  decodedLength: number,
  trailer: TrailingChecksum,
  chunkBytes = UPSTREAM_CHUNK_BYTES,
): ReadableStream<Uint8Array> {
  const reader = chunkReader(body);
  let sent = 0;
  /** Bytes still owed to the chunk whose header was sent; 0 between chunks. */
  let inChunk = 0;
  let finished = false;
  const header = (size: number) => encoder.encode(size.toString(16) + CRLF);
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (finished) return;
        const { value, done } = await reader.read();
        if (done) {
          if (sent !== decodedLength) throw new Error(`aws-chunked: the body ended after ${sent} of ${decodedLength} bytes`);
          const checksum = trailer.value();
          if (checksum === undefined || checksum.length !== base64Length(CHECKSUM_BYTES[trailer.algorithm])) {
            throw new Error('aws-chunked: no verified trailing checksum');
          }
          controller.enqueue(encoder.encode(`0${CRLF}${trailerName(trailer.algorithm)}:${checksum}${CRLF}${CRLF}`));
          finished = true;
          controller.close();
          return;
        }
        if (sent + value.byteLength > decodedLength) throw new Error('aws-chunked: the body is longer than declared');
        let offset = 0;
        while (offset < value.byteLength) {
          if (inChunk === 0) {
            inChunk = Math.min(chunkBytes, decodedLength - sent);
            controller.enqueue(header(inChunk));
          }
          const take = Math.min(inChunk, value.byteLength - offset);
          controller.enqueue(value.subarray(offset, offset + take));
          offset += take;
          sent += take;
          inChunk -= take;
          if (inChunk === 0) controller.enqueue(encoder.encode(CRLF));
        }
      },
      async cancel(reason) {
        await reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
