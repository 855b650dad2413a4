/**
 * STS error codes (AWS query protocol) with the HTTP status AWS answers them with.
 * https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html#API_AssumeRoleWithWebIdentity_Errors
 * https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html
 */
export const STS_ERROR_STATUS = {
  AccessDenied: 403,
  ExpiredToken: 403,
  ExpiredTokenException: 400,
  IDPCommunicationError: 400,
  IDPRejectedClaim: 403,
  IncompleteSignature: 400,
  InternalFailure: 500,
  InvalidAction: 400,
  InvalidClientTokenId: 403,
  InvalidIdentityToken: 400,
  InvalidParameterValue: 400,
  MissingAction: 400,
  MissingAuthenticationToken: 403,
  SignatureDoesNotMatch: 403,
  /** AWS answers a throttled STS call `<Type>Sender</Type><Code>Throttling</Code>`, "Rate exceeded". */
  Throttling: 400,
  ValidationError: 400,
} as const;

export type StsErrorCode = keyof typeof STS_ERROR_STATUS;

/**
 * A failure answered as an STS ErrorResponse. Messages never carry a role's constraint values,
 * key material or the presented token: they say which check failed, not what would have passed.
 */
export class StsError extends Error {
  override readonly name = 'StsError';
  readonly status: number;
  /** Sent as Retry-After (Throttling). */
  readonly retryAfterSeconds: number | undefined;
  constructor(
    readonly code: StsErrorCode,
    message: string,
    options: { retryAfterSeconds?: number } = {},
  ) {
    super(message);
    this.status = STS_ERROR_STATUS[code];
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}
