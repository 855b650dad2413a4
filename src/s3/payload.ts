import type { S3Context } from './context';
import { S3Error } from '../core/s3-error';
import { S3_MAX_UPLOAD_BYTES } from '../registry/schemas';
import type { ChecksumAlgorithm } from '../core/checksum-names';
import type { Capabilities, PartChecksum, TrailingChecksum } from '../storage/backend';
import { assertUploadFits } from './limits';

/** S3's largest single PUT, and its largest part. */
export const MAX_SINGLE_UPLOAD_BYTES = S3_MAX_UPLOAD_BYTES;

/**
 * The largest part the bucket's backend takes (its declared maxPartSize), never above S3's own:
 * UploadPart and UploadPartCopy refuse a larger one with EntityTooLarge before a byte is stored.
 */
export function maxPartBytes(capabilities: Pick<Capabilities, 'maxPartSize'>): number {
  return Math.min(MAX_SINGLE_UPLOAD_BYTES, capabilities.maxPartSize);
}

/**
 * The verified payload of a PUT or UploadPart with its declared length, at most `maxBytes`.
 * Storage needs the length up front (R2 takes only known-length streams), so an undeclared one
 * is refused as S3 does.
 */
export function requestPayload(c: S3Context, maxBytes = MAX_SINGLE_UPLOAD_BYTES): { stream: ReadableStream<Uint8Array>; length: number } {
  const body = c.body;
  if (body === null) {
    // A bodiless request only stands for an empty object when it says so.
    if (c.request.headers.get('content-length') === '0') return { stream: new Blob([]).stream(), length: 0 };
  } else if (body.length !== null) {
    // Before a byte is read: the deployment's and the bucket's limits (adrs/0024), and the operation's.
    assertUploadFits(body.length, c.env, c.bucket, maxBytes);
    return { stream: body.stream, length: body.length };
  }
  throw new S3Error('MissingContentLength', 'You must provide the Content-Length HTTP header.');
}

/**
 * Runs a write fed from the request body. If the body failed verification while the backend
 * read it, that failure (BadDigest, XAmzContentSHA256Mismatch, SignatureDoesNotMatch, ...) is
 * what the client hears, not the backend's report of an aborted stream.
 */
export async function writeFromBody<T>(c: S3Context, write: () => Promise<T>): Promise<T> {
  let result: T;
  try {
    result = await write();
  } catch (error) {
    throw c.body?.failure() ?? error;
  }
  const failure = c.body?.failure();
  if (failure) throw failure;
  return result;
}

/**
 * The payload's trailing checksum for the backend: the algorithm the client declared in
 * x-amz-trailer, the value the gateway verified once the body has ended (adrs/0017).
 */
export function trailingChecksum(c: S3Context, algorithm = c.body?.trailer): TrailingChecksum | undefined {
  const body = c.body;
  if (!body || !algorithm) return undefined;
  return { algorithm, value: () => body.checksums()[algorithm] };
}

/**
 * An UploadPart's checksum in its upload's algorithm, for the backend: the header value when the
 * client sent one before the body, else the value the gateway verified (a trailer) or computed
 * (x-amz-sdk-checksum-algorithm alone) once the body has ended — a trailing checksum either way.
 */
export function partChecksum(c: S3Context, algorithm: ChecksumAlgorithm): PartChecksum | undefined {
  const header = c.request.headers.get(`x-amz-checksum-${algorithm}`);
  return header !== null ? { algorithm, value: header } : trailingChecksum(c, algorithm);
}

/** Echoes the x-amz-checksum-* values verified over the payload, as S3 does on PUT and UploadPart. */
export function checksumHeaders(c: S3Context, headers: Headers): Headers {
  for (const [algorithm, value] of Object.entries(c.body?.checksums() ?? {})) headers.set(`x-amz-checksum-${algorithm}`, value);
  return headers;
}
