import { S3Error, type S3ErrorCode } from '../core/s3-error';
import { isStorageError, type StorageError, type StorageErrorKind } from '../storage/errors';

/**
 * THE mapping from a storage failure to the S3 error a client sees (code and status from
 * S3_ERROR_STATUS, a default message per kind). Drivers throw only StorageError; every S3 answer
 * about storage goes through here. A driver's own message replaces the default where it says more
 * (e.g. R2's uniform part sizes); operator errors never show one.
 */
const MAPPING: Record<StorageErrorKind, { code: S3ErrorCode; message: string; driverMessage: boolean }> = {
  'not-found': { code: 'NoSuchKey', message: 'The specified key does not exist.', driverMessage: false },
  'precondition-failed': { code: 'PreconditionFailed', message: 'At least one of the pre-conditions you specified did not hold', driverMessage: false },
  'invalid-range': { code: 'InvalidRange', message: 'The requested range is not satisfiable', driverMessage: false },
  'no-such-upload': {
    code: 'NoSuchUpload',
    message: 'The specified multipart upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
    driverMessage: false,
  },
  'invalid-part': {
    code: 'InvalidPart',
    message: "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
    driverMessage: true,
  },
  'invalid-part-order': {
    code: 'InvalidPartOrder',
    message: 'The list of parts was not in ascending order. The parts list must be specified in order by part number.',
    driverMessage: false,
  },
  'entity-too-small': { code: 'EntityTooSmall', message: 'Your proposed upload is smaller than the minimum allowed object size.', driverMessage: false },
  'entity-too-large': { code: 'EntityTooLarge', message: 'Your proposed upload exceeds the maximum allowed object size.', driverMessage: false },
  'metadata-too-large': { code: 'MetadataTooLarge', message: 'Your metadata headers exceed the maximum allowed metadata size.', driverMessage: false },
  'invalid-key': { code: 'InvalidArgument', message: 'The object key is not valid for this storage.', driverMessage: true },
  'invalid-cursor': { code: 'InvalidArgument', message: 'The continuation token provided is incorrect', driverMessage: false },
  throttled: { code: 'SlowDown', message: 'Please reduce your request rate.', driverMessage: false },
  unavailable: { code: 'ServiceUnavailable', message: "The bucket's storage is unavailable. Please try again.", driverMessage: true },
  timeout: { code: 'ServiceUnavailable', message: "The bucket's storage did not answer in time. Please try again.", driverMessage: false },
  'auth-failed': { code: 'AccessDenied', message: "The bucket's storage denied access.", driverMessage: false },
  'not-implemented': { code: 'NotImplemented', message: "The bucket's storage does not implement this operation.", driverMessage: true },
  conflict: { code: 'ServiceUnavailable', message: 'A conflicting operation was in progress on this object. Please try again.', driverMessage: false },
  misconfigured: {
    code: 'InternalError',
    message: "The bucket's storage is not usable with the gateway's configuration. Please contact the administrator.",
    driverMessage: false,
  },
  internal: { code: 'InternalError', message: 'We encountered an internal error. Please try again.', driverMessage: false },
};

export function s3ErrorFromStorage(error: StorageError): S3Error {
  const { code, message, driverMessage } = MAPPING[error.kind];
  const extra: Record<string, string> = {};
  if (error.kind === 'invalid-range' && error.detail.actualObjectSize !== undefined) extra.ActualObjectSize = String(error.detail.actualObjectSize);
  if (error.kind === 'precondition-failed' && error.detail.condition) extra.Condition = error.detail.condition;
  if (error.kind === 'invalid-cursor') extra.ArgumentName = 'continuation-token';
  return new S3Error(code, (driverMessage && error.clientMessage) || message, extra);
}

/** Any failure as an S3Error when it is one or a storage failure; anything else unchanged. */
export function asS3Error(error: unknown): unknown {
  return isStorageError(error) ? s3ErrorFromStorage(error) : error;
}
