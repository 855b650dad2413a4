import { S3Error, type S3ErrorCode } from '../../core/s3-error';
import type { EndpointRefusal } from '../endpoint-guard';

/** What went wrong talking to the upstream, reduced to facts that name nothing upstream-specific. */
export type UpstreamFailure =
  /** The upstream answered with an error status; `code` is its S3 error code when the body had one. */
  | { kind: 'response'; status: number; code?: string; actualObjectSize?: string }
  /** A 3xx: never followed (it could point anywhere, including inside the network). */
  | { kind: 'redirect'; status: number }
  /** No response headers within the configured bound. */
  | { kind: 'timeout' }
  /** The connection failed (refused, reset, DNS, TLS). */
  | { kind: 'unreachable' }
  /** The configured endpoint fails the SSRF guard. */
  | { kind: 'endpoint-refused'; reason: EndpointRefusal }
  /** A success status with a body the driver cannot read. */
  | { kind: 'malformed-response' };

/** What the failed call was about: decides what a bare 404 means and which condition a 412 names. */
export interface FailureContext {
  subject: 'object' | 'upload' | 'bucket';
  condition?: 'If-Match' | 'If-None-Match';
}

const MESSAGES: Partial<Record<S3ErrorCode, string>> = {
  NoSuchKey: 'The specified key does not exist.',
  NoSuchUpload: 'The specified multipart upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
  InvalidPart: "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
  InvalidPartOrder: 'The list of parts was not in ascending order. The parts list must be specified in order by part number.',
  EntityTooSmall: 'Your proposed upload is smaller than the minimum allowed object size.',
  EntityTooLarge: 'Your proposed upload exceeds the maximum allowed object size.',
  InvalidRange: 'The requested range is not satisfiable',
  PreconditionFailed: 'At least one of the pre-conditions you specified did not hold',
  MetadataTooLarge: 'Your metadata headers exceed the maximum allowed metadata size.',
  KeyTooLongError: 'Your key is too long.',
  BadDigest: 'The Content-MD5 or checksum value that you specified did not match what the server received.',
  InvalidDigest: 'The Content-MD5 or checksum value that you specified is not valid.',
  InvalidArgument: "The bucket's storage refused an argument of this request.",
  InvalidRequest: "The bucket's storage refused this request.",
  NotImplemented: "The bucket's storage does not implement this operation.",
  AccessDenied: "The bucket's storage denied access.",
  SlowDown: 'Please reduce your request rate.',
  ServiceUnavailable: "The bucket's storage is unavailable. Please try again.",
  InternalError: 'We encountered an internal error. Please try again.',
};

/** Upstream codes a client should hear under the same name (with the gateway's own message). */
const SAME_CODE = new Set<string>([
  'NoSuchKey',
  'NoSuchUpload',
  'InvalidPart',
  'InvalidPartOrder',
  'EntityTooSmall',
  'EntityTooLarge',
  'InvalidRange',
  'PreconditionFailed',
  'MetadataTooLarge',
  'KeyTooLongError',
  'BadDigest',
  'InvalidDigest',
  'InvalidArgument',
  'InvalidRequest',
  'NotImplemented',
  'AccessDenied',
  'SlowDown',
  'ServiceUnavailable',
  'InternalError',
]);

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
 * THE translation from an upstream failure to the error the client sees — the only place the driver
 * decides this. Messages are the gateway's own: an upstream's message, resource, host id or request
 * id may name its host, bucket, keys or account, so none of it is passed on. What the operator needs
 * to diagnose (status, upstream code, refusal reason) is logged, still without hosts or keys.
 */
export function translateUpstreamFailure(failure: UpstreamFailure, context: FailureContext): S3Error {
  const code = gatewayCode(failure, context);
  if (code === 'InternalError' || failure.kind === 'endpoint-refused') {
    console.warn(JSON.stringify({ level: 'warn', msg: 'upstream storage failure', ...failure }));
  }
  const extra: Record<string, string> = {};
  if (code === 'InvalidRange' && failure.kind === 'response' && failure.actualObjectSize) extra.ActualObjectSize = failure.actualObjectSize;
  if (code === 'PreconditionFailed' && context.condition) extra.Condition = context.condition;
  const message = operatorMessage(failure) ?? MESSAGES[code] ?? MESSAGES.InternalError!;
  return new S3Error(code, message, extra);
}

function gatewayCode(failure: UpstreamFailure, context: FailureContext): S3ErrorCode {
  switch (failure.kind) {
    case 'timeout':
    case 'unreachable':
      return 'ServiceUnavailable';
    case 'redirect':
    case 'endpoint-refused':
    case 'malformed-response':
      return 'InternalError';
    case 'response':
      break;
  }
  const { status, code } = failure;
  if (code === 'ConditionalRequestConflict' || code === 'OperationAborted') return 'ServiceUnavailable';
  if (code !== undefined && OPERATOR_CODES.has(code)) return 'InternalError';
  if (code === 'NoSuchKey' && context.subject === 'upload') return 'NoSuchUpload';
  if (code !== undefined && SAME_CODE.has(code)) return code as S3ErrorCode;
  // No (known) code: HEAD answers have no body, and some stores send bare statuses.
  if (status === 404) return context.subject === 'upload' ? 'NoSuchUpload' : context.subject === 'bucket' ? 'InternalError' : 'NoSuchKey';
  if (status === 412) return 'PreconditionFailed';
  if (status === 416) return 'InvalidRange';
  if (status === 403) return 'AccessDenied';
  if (status === 429) return 'SlowDown';
  if (status === 503) return 'ServiceUnavailable';
  return 'InternalError';
}

/** Failures that are the deployment's configuration: say so, still naming nothing. */
function operatorMessage(failure: UpstreamFailure): string | undefined {
  if (failure.kind === 'endpoint-refused' || failure.kind === 'redirect') {
    return "The bucket's storage endpoint is not usable. Please contact the administrator.";
  }
  if (failure.kind === 'response' && failure.code !== undefined && OPERATOR_CODES.has(failure.code)) {
    return "The bucket's storage refused the gateway's configuration or credentials. Please contact the administrator.";
  }
  if (failure.kind === 'timeout') return "The bucket's storage did not answer in time. Please try again.";
  return undefined;
}
