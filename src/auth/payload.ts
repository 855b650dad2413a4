import { S3Error } from '../core/s3-error';
import { awsChunkedStage, type ChunkSigning } from './chunked';
import { CHECKSUM_ALGORITHMS, isChecksumAlgorithm, type ChecksumAlgorithm } from '../core/checksum-names';
import { CHECKSUM_BYTES, createHasher, fromBase64, toBase64, toHex, type Hasher } from './checksums';
import type { RequestBody } from './identity';
import { pullThrough, type Stage } from './stage';

/** How the payload was signed, from x-amz-content-sha256 (and the verified signature, for aws-chunked). */
export type PayloadMode =
  | { kind: 'unsigned' }
  | { kind: 'sha256'; hex: string }
  | { kind: 'aws-chunked'; signing?: ChunkSigning; trailer: boolean };

/** The x-amz-content-sha256 values S3 accepts; `signed` tells whether a chunk signature chain follows. */
export type ContentSha256 =
  | { kind: 'unsigned' }
  | { kind: 'sha256'; hex: string }
  | { kind: 'aws-chunked'; signed: boolean; trailer: boolean };

export function parseContentSha256(value: string): ContentSha256 {
  switch (value) {
    case 'UNSIGNED-PAYLOAD':
      return { kind: 'unsigned' };
    case 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD':
      return { kind: 'aws-chunked', signed: true, trailer: false };
    case 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER':
      return { kind: 'aws-chunked', signed: true, trailer: true };
    case 'STREAMING-UNSIGNED-PAYLOAD-TRAILER':
      return { kind: 'aws-chunked', signed: false, trailer: true };
  }
  if (/^[0-9a-fA-F]{64}$/.test(value)) return { kind: 'sha256', hex: value.toLowerCase() };
  if (value.startsWith('STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD')) {
    throw new S3Error('NotImplemented', 'Signature Version 4A (ECDSA) is not supported by this gateway.');
  }
  throw new S3Error('InvalidArgument', 'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, STREAMING-UNSIGNED-PAYLOAD-TRAILER, or a valid sha256 value.', {
    ArgumentName: 'x-amz-content-sha256',
  });
}

/** What the client claims about its payload, validated up front so a malformed claim fails before any byte is read. */
interface Claims {
  sha256Hex?: string;
  md5?: Uint8Array;
  header?: { algorithm: ChecksumAlgorithm; value: Uint8Array };
  trailer?: ChecksumAlgorithm;
  /** x-amz-sdk-checksum-algorithm without a value: the checksum is computed and reported, not compared. */
  requested?: ChecksumAlgorithm;
}

/**
 * Builds the verified payload stream: aws-chunked decoding (chunk signatures, trailers) when
 * used, then one pass computing every digest the request asks to be checked. The last piece of
 * the payload is held back until every check has passed, so a consumer never sees a complete
 * body that then turns out to be bad; a failed check errors the stream and is kept for `failure()`.
 */
export function requestBody(request: Request, mode: PayloadMode): RequestBody {
  const headers = request.headers;
  const claims = readClaims(headers, mode, checksumHeadersDescribeBody(request));
  const failure: { error?: S3Error } = {};
  const computed: Partial<Record<ChecksumAlgorithm, string>> = {};
  let trailers = new Map<string, string>();
  let stream: ReadableStream<Uint8Array> = request.body ?? new ReadableStream({ start: (c) => c.close() });
  let length: number | null;

  if (mode.kind === 'aws-chunked') {
    const decodedLength = headers.get('x-amz-decoded-content-length');
    if (decodedLength === null) {
      throw new S3Error('MissingContentLength', 'You must provide the x-amz-decoded-content-length header with an aws-chunked body.');
    }
    if (!/^\d{1,15}$/.test(decodedLength)) {
      throw new S3Error('InvalidArgument', 'x-amz-decoded-content-length must be a non-negative integer.', { ArgumentName: 'x-amz-decoded-content-length' });
    }
    length = Number(decodedLength);
    const decoder = awsChunkedStage({
      decodedLength: length,
      signing: mode.signing,
      trailer: mode.trailer,
      onTrailers: (received) => (trailers = received),
    });
    stream = pullThrough(stream, recording(decoder, failure));
  } else {
    const contentLength = headers.get('content-length');
    length = contentLength !== null && /^\d{1,15}$/.test(contentLength) ? Number(contentLength) : null;
  }

  const algorithms = new Set<ChecksumAlgorithm | 'md5'>();
  if (claims.md5) algorithms.add('md5');
  if (claims.sha256Hex) algorithms.add('sha256');
  for (const a of [claims.header?.algorithm, claims.trailer, claims.requested]) if (a) algorithms.add(a);

  if (mode.kind === 'aws-chunked' || algorithms.size > 0) {
    const verifier = integrityStage(algorithms, async (digests) => {
      check(claims, digests, trailers);
      // Report what the client asked checksums for, not digests computed only to check x-amz-content-sha256 or Content-MD5.
      for (const algorithm of [claims.header?.algorithm, claims.trailer, claims.requested]) {
        if (algorithm) computed[algorithm] = toBase64(digests.get(algorithm)!);
      }
    });
    stream = pullThrough(stream, recording(verifier, failure));
  }

  return {
    stream,
    length,
    failure: () => failure.error,
    checksums: () => ({ ...computed }),
    ...(claims.trailer ? { trailer: claims.trailer } : {}),
  };
}

/**
 * On CompleteMultipartUpload (POST ?uploadId) x-amz-checksum-* describe the assembled object, not
 * the XML body: the S3 layer checks them against the object checksum it computes from the parts.
 */
function checksumHeadersDescribeBody(request: Request): boolean {
  return !(request.method === 'POST' && new URL(request.url).searchParams.has('uploadId'));
}

function readClaims(headers: Headers, mode: PayloadMode, checksumHeaders: boolean): Claims {
  const claims: Claims = {};
  if (mode.kind === 'sha256') claims.sha256Hex = mode.hex;

  const md5 = headers.get('content-md5');
  if (md5 !== null) {
    claims.md5 = fromBase64(md5.trim(), CHECKSUM_BYTES.md5);
    if (!claims.md5) throw new S3Error('InvalidDigest', 'The Content-MD5 you specified was invalid.');
  }

  const present = checksumHeaders ? CHECKSUM_ALGORITHMS.filter((a) => headers.has(`x-amz-checksum-${a}`)) : [];
  if (present.length > 1) {
    throw new S3Error('InvalidRequest', 'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.');
  }
  const algorithm = present[0];
  if (algorithm) {
    const value = fromBase64(headers.get(`x-amz-checksum-${algorithm}`)!.trim(), CHECKSUM_BYTES[algorithm]);
    if (!value) throw new S3Error('InvalidRequest', `Value for x-amz-checksum-${algorithm} header is invalid.`);
    claims.header = { algorithm, value };
  }

  const sdkAlgorithm = headers.get('x-amz-sdk-checksum-algorithm');
  if (sdkAlgorithm !== null) {
    const name = sdkAlgorithm.trim().toLowerCase();
    if (!isChecksumAlgorithm(name)) {
      throw new S3Error('InvalidRequest', 'Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]');
    }
    claims.requested = name;
  }

  const declared = headers.get('x-amz-trailer');
  if (mode.kind === 'aws-chunked' && mode.trailer && declared !== null) {
    const names = declared.split(',').map((n) => n.trim().toLowerCase()).filter((n) => n !== '');
    const checksumTrailers = names.filter((n) => n.startsWith('x-amz-checksum-'));
    if (checksumTrailers.length > 1) throw new S3Error('InvalidRequest', 'Expecting a single x-amz-checksum- trailer.');
    const trailer = checksumTrailers[0]?.slice('x-amz-checksum-'.length);
    if (trailer !== undefined) {
      if (!isChecksumAlgorithm(trailer)) throw new S3Error('InvalidRequest', `The trailing header ${checksumTrailers[0]} is not supported.`);
      if (claims.header) throw new S3Error('InvalidRequest', 'Expecting a single x-amz-checksum- header or trailer, not both.');
      claims.trailer = trailer;
    }
  }
  return claims;
}

function check(claims: Claims, digests: Map<ChecksumAlgorithm | 'md5', Uint8Array>, trailers: Map<string, string>): void {
  if (claims.sha256Hex !== undefined) {
    const actual = toHex(digests.get('sha256')!);
    if (actual !== claims.sha256Hex) {
      throw new S3Error('XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.", {
        ClientComputedContentSHA256: claims.sha256Hex,
        S3ComputedContentSHA256: actual,
      });
    }
  }
  if (claims.md5 && !bytesEqual(claims.md5, digests.get('md5')!)) {
    throw new S3Error('BadDigest', 'The Content-MD5 you specified did not match what we received.', {
      ExpectedDigest: toBase64(claims.md5),
      CalculatedDigest: toBase64(digests.get('md5')!),
    });
  }
  if (claims.header && !bytesEqual(claims.header.value, digests.get(claims.header.algorithm)!)) {
    throw checksumMismatch(claims.header.algorithm);
  }
  if (claims.trailer) {
    const name = `x-amz-checksum-${claims.trailer}`;
    const sent = trailers.get(name);
    if (sent === undefined) throw new S3Error('InvalidRequest', `The trailing header ${name} was declared in x-amz-trailer but not sent.`);
    const value = fromBase64(sent, CHECKSUM_BYTES[claims.trailer]);
    if (!value) throw new S3Error('InvalidRequest', `Value for ${name} trailing header is invalid.`);
    if (!bytesEqual(value, digests.get(claims.trailer)!)) throw checksumMismatch(claims.trailer);
  }
}

function checksumMismatch(algorithm: ChecksumAlgorithm): S3Error {
  return new S3Error('BadDigest', `The ${algorithm.toUpperCase()} you specified did not match the calculated checksum.`);
}

/** Digests every byte, holding back the latest piece until `verify` has accepted the digests at the end. */
function integrityStage(
  algorithms: Set<ChecksumAlgorithm | 'md5'>,
  verify: (digests: Map<ChecksumAlgorithm | 'md5', Uint8Array>) => Promise<void>,
): Stage {
  const hashers = new Map<ChecksumAlgorithm | 'md5', Hasher>([...algorithms].map((a) => [a, createHasher(a)]));
  let held: Uint8Array | undefined;
  return {
    async transform(chunk, emit) {
      if (chunk.byteLength === 0) return;
      await Promise.all([...hashers.values()].map((h) => h.update(chunk)));
      if (held) emit(held);
      held = chunk;
    },
    async flush(emit) {
      const digests = new Map<ChecksumAlgorithm | 'md5', Uint8Array>();
      for (const [algorithm, hasher] of hashers) digests.set(algorithm, await hasher.digest());
      await verify(digests);
      if (held) emit(held);
    },
  };
}

/** Keeps the S3Error a stage fails with, so the handler can report it instead of the consumer's error. */
function recording(stage: Stage, failure: { error?: S3Error }): Stage {
  const record = (error: unknown): never => {
    if (error instanceof S3Error) failure.error ??= error;
    throw error;
  };
  return {
    transform: async (chunk, emit) => {
      try {
        await stage.transform(chunk, emit);
      } catch (error) {
        record(error);
      }
    },
    flush: async (emit) => {
      try {
        await stage.flush(emit);
      } catch (error) {
        record(error);
      }
    },
  };
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && crypto.subtle.timingSafeEqual(a, b);
}
