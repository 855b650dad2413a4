import { S3Error } from '../core/s3-error';

/**
 * How long a presigned URL may stay valid, SigV4 and SigV2 alike. S3 caps SigV4's X-Amz-Expires at
 * 7 days; SigV2 URLs carry an absolute `Expires` that S3 never bounded (a URL valid until the year
 * 33658 would be a credential that cannot be recalled short of rotating the key), so the gateway
 * holds them to the same cap. Operators may lower it with MAX_PRESIGNED_EXPIRES_SECONDS.
 */
export const DEFAULT_MAX_PRESIGNED_EXPIRES_SECONDS = 604800;

/** Reads MAX_PRESIGNED_EXPIRES_SECONDS: unset means 7 days; anything but 1..604800 is a configuration error. */
export function maxPresignedExpiresSeconds(configured: string | undefined): number {
  if (configured === undefined || configured.trim() === '') return DEFAULT_MAX_PRESIGNED_EXPIRES_SECONDS;
  const seconds = Number(configured.trim());
  if (!/^\d+$/.test(configured.trim()) || seconds < 1 || seconds > DEFAULT_MAX_PRESIGNED_EXPIRES_SECONDS) {
    throw new Error(`MAX_PRESIGNED_EXPIRES_SECONDS must be a whole number of seconds from 1 to ${DEFAULT_MAX_PRESIGNED_EXPIRES_SECONDS}, not "${configured}"`);
  }
  return seconds;
}

/**
 * S3's answer to an expired presigned request, whatever its method or signature version: 403
 * AccessDenied "Request has expired" with when it expired and the server's time (and, for SigV4,
 * the X-Amz-Expires it was signed with).
 */
export function requestExpired(expiresAt: number, now: Date, xAmzExpires?: string): S3Error {
  return new S3Error('AccessDenied', 'Request has expired', {
    ...(xAmzExpires === undefined ? {} : { 'X-Amz-Expires': xAmzExpires }),
    Expires: new Date(expiresAt).toISOString(),
    ServerTime: now.toISOString(),
  });
}
