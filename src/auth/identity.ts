import type { S3Error } from '../core/s3-error';
import type { ChecksumAlgorithm } from '../core/checksum-names';
import type { Principal } from './principal';

/**
 * The request payload after authentication: aws-chunked framing removed, and every integrity
 * check the client asked for (x-amz-content-sha256, chunk signatures, Content-MD5,
 * x-amz-checksum-* headers or trailers) applied while it streams. A failed check errors the
 * stream, so a backend write fed from it fails and leaves the previous object in place.
 */
export interface RequestBody {
  stream: ReadableStream<Uint8Array>;
  /** Payload length after decoding (x-amz-decoded-content-length or Content-Length); null if undeclared. */
  length: number | null;
  /** The integrity failure that errored `stream`, once it has: report it rather than the backend's error. */
  failure(): S3Error | undefined;
  /** Checksums verified over the payload, base64 as S3 prints them; complete once `stream` has ended. */
  checksums(): Partial<Record<ChecksumAlgorithm, string>>;
  /** The algorithm of a checksum sent as an aws-chunked trailer: known now, its value in `checksums()` at the end. */
  trailer?: ChecksumAlgorithm;
}

/** The outcome of `identify`: who is calling and the payload they sent (null for bodiless requests). */
export interface Identity {
  principal: Principal;
  body: RequestBody | null;
}

/**
 * Resolves an access key id (plus the x-amz-security-token, for session credentials) to its
 * secret and principal; null when unknown, disabled or expired. A session token that is invalid
 * in itself is thrown as S3Error (InvalidToken / ExpiredToken).
 */
export interface CredentialStore {
  lookup(accessKeyId: string, sessionToken?: string): Promise<{ secretAccessKey: string; principal: Principal } | null>;
}
