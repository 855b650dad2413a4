import { log } from '../../core/log';
import type { DriverFailure } from '../probe-failure';
import { StorageError, type StorageErrorKind } from '../errors';
import { failureBeforeAnswer } from '../upstream-http';

/** What went wrong talking to the Blob service (probe-failure.ts); `code`: Azure's error code (x-ms-error-code or the XML body). */
export type AzureFailure = DriverFailure<{ code?: string }>;

/** What the failed call was about: decides what a bare 404 means and which condition a 412 names. */
export interface AzureCallContext {
  subject: 'object' | 'upload' | 'container';
  condition?: 'If-Match' | 'If-None-Match';
}

/**
 * Azure Blob error codes (REST reference, "Blob Storage error codes" and "Common REST API error
 * codes") and the storage failure each is. Codes not here, and not the operator's, are 'internal'.
 */
const KIND_OF_CODE: Record<string, StorageErrorKind> = {
  BlobNotFound: 'not-found',
  InvalidRange: 'invalid-range',
  ConditionNotMet: 'precondition-failed',
  TargetConditionNotMet: 'precondition-failed',
  BlobAlreadyExists: 'precondition-failed',
  InvalidBlockList: 'invalid-part',
  InvalidBlockId: 'invalid-part',
  RequestBodyTooLarge: 'entity-too-large',
  InvalidMetadata: 'metadata-too-large',
  MetadataTooLarge: 'metadata-too-large',
  InvalidResourceName: 'invalid-key',
  OutOfRangeInput: 'invalid-key',
  ServerBusy: 'throttled',
  OperationTimedOut: 'timeout',
  InternalError: 'internal',
  LeaseIdMissing: 'conflict',
  LeaseIdMismatchWithBlobOperation: 'conflict',
  BlobArchived: 'conflict',
  BlobBeingRehydrated: 'conflict',
  PendingCopyOperation: 'conflict',
  // A copy's source (Copy Blob From URL, Put Block From URL) no longer has the Azure ETag it was pinned to.
  SourceConditionNotMet: 'precondition-failed',
};

/** Codes that name the container as the fault: missing, being deleted, disabled. */
export const CONTAINER_CODES = new Set(['ContainerNotFound', 'ContainerBeingDeleted', 'ContainerDisabled']);

/** Codes that say the account or its authorization is unusable as configured (the operator's to fix). */
export const CREDENTIAL_CODES = new Set([
  'AuthenticationFailed',
  'AuthorizationFailure',
  'AuthorizationPermissionMismatch',
  'AuthorizationResourceTypeMismatch',
  'AuthorizationServiceMismatch',
  'AuthorizationSourceIPMismatch',
  'AuthorizationProtocolMismatch',
  'InvalidAuthenticationInfo',
  'NoAuthenticationInformation',
  'AccountIsDisabled',
]);

/** Codes that describe the gateway's configuration or credentials, never the client's request. */
const OPERATOR_CODES = new Set<string>([
  ...CONTAINER_CODES,
  ...CREDENTIAL_CODES,
  'InsufficientAccountPermissions',
  'InvalidHeaderValue',
  'UnsupportedHeader',
  'InvalidQueryParameterValue',
  'UnsupportedQueryParameter',
  'MissingRequiredHeader',
]);

/** Codes that say the credentials are refused: 'auth-failed', which the S3 layer answers AccessDenied. */
const AUTH_CODES = new Set(['AuthenticationFailed', 'AuthorizationFailure', 'AuthorizationPermissionMismatch', 'InvalidAuthenticationInfo', 'NoAuthenticationInformation']);

/**
 * THE translation from a Blob service failure to a StorageError — the only place the driver
 * decides this. Nothing of Azure's answer passes on: its message, request id and host may name the
 * account. The status and code are logged for the operator, still without hosts or keys.
 */
export function translateAzureFailure(failure: AzureFailure, context: AzureCallContext, detail: { actualObjectSize?: number } = {}): StorageError {
  const kind = storageKind(failure, context);
  if (kind === 'internal' || kind === 'misconfigured' || kind === 'auth-failed') log.warn('azure storage failure', { ...failure });
  if (kind === 'invalid-range' && detail.actualObjectSize !== undefined) return new StorageError(kind, '', { actualObjectSize: detail.actualObjectSize });
  if (kind === 'precondition-failed') return new StorageError(kind, '', context.condition ? { condition: context.condition } : {});
  return new StorageError(kind);
}

function storageKind(failure: AzureFailure, context: AzureCallContext): StorageErrorKind {
  if (failure.kind !== 'response') return failureBeforeAnswer(failure.kind);
  const { status, code } = failure;
  if (code !== undefined && AUTH_CODES.has(code)) return 'auth-failed';
  if (code !== undefined && OPERATOR_CODES.has(code)) return 'misconfigured';
  // An upload's blocks live on the destination blob: its absence means the upload is gone.
  if (code === 'BlobNotFound' && context.subject === 'upload') return 'no-such-upload';
  // Azure could not read a copy's source; the status is the source's answer: gone, or refused.
  if (code === 'CannotVerifyCopySource') return status === 404 ? 'not-found' : status === 401 || status === 403 ? 'auth-failed' : 'internal';
  if (code !== undefined && KIND_OF_CODE[code]) return KIND_OF_CODE[code];
  if (status === 503) return 'unavailable';
  if (code !== undefined) return 'internal';
  // No code (a proxy's page, a bare status).
  if (status === 404) return context.subject === 'upload' ? 'no-such-upload' : context.subject === 'container' ? 'misconfigured' : 'not-found';
  if (status === 412) return 'precondition-failed';
  if (status === 416) return 'invalid-range';
  if (status === 401 || status === 403) return 'auth-failed';
  if (status === 429) return 'throttled';
  return 'internal';
}
