import { log } from '../../core/log';
import { StorageError, type StorageErrorKind } from '../errors';
import type { DriverFailure } from '../probe-failure';
import { failureBeforeAnswer } from '../upstream-http';

/** What went wrong talking to the upstream (probe-failure.ts); `code`: the S3 error code of an error answer's body, `actualObjectSize`: from an InvalidRange body. */
export type UpstreamFailure = DriverFailure<{ code?: string; actualObjectSize?: string }>;

/** What the failed call was about: decides what a bare 404 means and which condition a 412 names. */
export interface FailureContext {
  subject: 'object' | 'upload' | 'bucket';
  condition?: 'If-Match' | 'If-None-Match';
}

/** Upstream S3 codes and the storage failure each one is. Codes not here (and not the operator's) are 'internal'. */
const KIND_OF_CODE: Record<string, StorageErrorKind> = {
  NoSuchKey: 'not-found',
  NoSuchUpload: 'no-such-upload',
  InvalidPart: 'invalid-part',
  InvalidPartOrder: 'invalid-part-order',
  EntityTooSmall: 'entity-too-small',
  EntityTooLarge: 'entity-too-large',
  InvalidRange: 'invalid-range',
  PreconditionFailed: 'precondition-failed',
  MetadataTooLarge: 'metadata-too-large',
  KeyTooLongError: 'invalid-key',
  NotImplemented: 'not-implemented',
  AccessDenied: 'auth-failed',
  SlowDown: 'throttled',
  ServiceUnavailable: 'unavailable',
  ConditionalRequestConflict: 'conflict',
  OperationAborted: 'conflict',
};

/** Upstream codes that describe the gateway's own configuration or credentials, never the client's request. */
const OPERATOR_CODES = new Set<string>([
  'NoSuchBucket',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'TokenRefreshRequired',
  'AuthorizationHeaderMalformed',
  'PermanentRedirect',
  'TemporaryRedirect',
  'IllegalLocationConstraintException',
  'XAmzContentSHA256Mismatch',
  'MissingContentLength',
]);

/**
 * THE translation from an upstream failure to a StorageError — the only place the driver decides
 * this. Nothing of the upstream's answer is passed on: its message, resource, host id or request id
 * may name its host, bucket, keys or account. What the operator needs to diagnose (status, upstream
 * code, refusal reason) is logged, still without hosts or keys.
 */
export function translateUpstreamFailure(failure: UpstreamFailure, context: FailureContext): StorageError {
  const kind = storageKind(failure, context);
  if (kind === 'internal' || kind === 'misconfigured') log.warn('upstream storage failure', { ...failure });
  if (kind === 'invalid-range' && failure.kind === 'response' && failure.actualObjectSize) {
    return new StorageError(kind, '', { actualObjectSize: Number(failure.actualObjectSize) });
  }
  if (kind === 'precondition-failed') return new StorageError(kind, '', context.condition ? { condition: context.condition } : {});
  return new StorageError(kind);
}

function storageKind(failure: UpstreamFailure, context: FailureContext): StorageErrorKind {
  if (failure.kind !== 'response') return failureBeforeAnswer(failure.kind);
  const { status, code } = failure;
  if (code !== undefined && OPERATOR_CODES.has(code)) return 'misconfigured';
  if (code === 'NoSuchKey' && context.subject === 'upload') return 'no-such-upload';
  if (code !== undefined && KIND_OF_CODE[code]) return KIND_OF_CODE[code];
  if (code !== undefined) return 'internal';
  // No code: HEAD answers have no body, and some stores send bare statuses.
  if (status === 404) return context.subject === 'upload' ? 'no-such-upload' : context.subject === 'bucket' ? 'misconfigured' : 'not-found';
  if (status === 412) return 'precondition-failed';
  if (status === 416) return 'invalid-range';
  if (status === 403) return 'auth-failed';
  if (status === 429) return 'throttled';
  if (status === 503) return 'unavailable';
  return 'internal';
}
