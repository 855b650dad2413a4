/**
 * The only failure a storage driver throws. Kinds name what went wrong in storage terms; the S3
 * layer maps each kind to an S3 error in one place (src/s3/storage-errors.ts). A message, when
 * given, is written for the client by the gateway: never an upstream's text, host, bucket or key.
 */
export type StorageErrorKind =
  | 'not-found'
  | 'precondition-failed'
  | 'invalid-range'
  | 'no-such-upload'
  | 'invalid-part'
  | 'invalid-part-order'
  | 'entity-too-small'
  | 'entity-too-large'
  | 'metadata-too-large'
  | 'invalid-key'
  /** A list cursor (continuation token) the store does not recognise. */
  | 'invalid-cursor'
  | 'throttled'
  | 'unavailable'
  | 'timeout'
  | 'auth-failed'
  | 'not-implemented'
  | 'conflict'
  /** Operator error: a missing binding, an unusable endpoint, credentials the storage rejects. */
  | 'misconfigured'
  /** The storage failed in a way none of the above describes (an upstream 500, a malformed answer). */
  | 'internal';

export interface StorageErrorDetail {
  /** invalid-range: the object's size, for S3's ActualObjectSize. */
  actualObjectSize?: number;
  /** precondition-failed: which write condition failed. */
  condition?: 'If-Match' | 'If-None-Match';
}

export class StorageError extends Error {
  constructor(
    readonly kind: StorageErrorKind,
    message = '',
    readonly detail: StorageErrorDetail = {},
  ) {
    super(message || kind);
    this.name = 'StorageError';
  }

  /** The client-facing message the driver chose, if any (the S3 mapping has a default per kind). */
  get clientMessage(): string | undefined {
    return this.message === this.kind ? undefined : this.message;
  }
}

export function isStorageError(error: unknown, kind?: StorageErrorKind): error is StorageError {
  return error instanceof StorageError && (kind === undefined || error.kind === kind);
}
