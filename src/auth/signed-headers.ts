import { S3Error } from '../core/s3-error';
import { CHECKSUM_ALGORITHMS } from '../core/checksum-names';

/**
 * The signed-headers rule (ADR 0013): every `x-amz-*` header a SigV4 request carries, header-signed
 * or presigned, must be among its signed headers, so that what the request does comes only from what
 * was signed. An unsigned `x-amz-copy-source` would otherwise turn a replayed PUT into a copy.
 *
 * Exempt are the envelope headers clients put around an already signed payload, each of which is
 * bound or verified by other means and cannot change what the operation does:
 * - `x-amz-content-sha256` is the payload-hash line of the canonical request (a different value
 *   fails the signature) and the body is hashed against it;
 * - `x-amz-decoded-content-length` is compared with the decoded aws-chunked length (IncompleteBody);
 * - `x-amz-trailer` only names a trailing checksum, which is then verified against the body (and
 *   signed itself in signed-trailer mode);
 * - `x-amz-sdk-checksum-algorithm` only asks for a checksum to be computed over the body;
 * - `x-amz-checksum-<algorithm>` is compared with the body's digest (BadDigest).
 */
const ENVELOPE_HEADERS: ReadonlySet<string> = new Set([
  'x-amz-content-sha256',
  'x-amz-decoded-content-length',
  'x-amz-trailer',
  'x-amz-sdk-checksum-algorithm',
  ...CHECKSUM_ALGORITHMS.map((algorithm) => `x-amz-checksum-${algorithm}`),
]);

/** The `x-amz-*` headers present but neither signed nor envelope headers, in the order received. */
function unsignedAmzHeaders(headers: Headers, signedHeaders: readonly string[]): string[] {
  return [...headers.keys()].filter((name) => name.startsWith('x-amz-') && !ENVELOPE_HEADERS.has(name) && !signedHeaders.includes(name));
}

/** Refuses a request carrying `x-amz-*` headers it did not sign, as S3 does. */
export function requireSignedAmzHeaders(headers: Headers, signedHeaders: readonly string[]): void {
  const unsigned = unsignedAmzHeaders(headers, signedHeaders);
  if (unsigned.length > 0) {
    throw new S3Error('AccessDenied', 'There were headers present in the request which were not signed', { HeadersNotSigned: unsigned.join(', ') });
  }
}
