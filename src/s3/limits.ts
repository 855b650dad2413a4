import type { Env } from '../env';
import { S3Error } from '../core/s3-error';
import { S3_MAX_UPLOAD_BYTES, type BucketConfig } from '../registry/schemas';
import type { Capabilities } from '../storage/backend';

/**
 * The largest body one PutObject or UploadPart may carry (adrs/0024): S3's 5 GiB, lowered by the
 * deployment's MAX_OBJECT_SIZE and then by the bucket's `limits.maxObjectSize`. Checked against
 * the declared length (Content-Length, or x-amz-decoded-content-length of an aws-chunked body)
 * before a byte of the body is read, so the client hears EntityTooLarge instead of uploading it:
 * with `Expect: 100-continue` it never sends the body, and without it the refusal comes first.
 */
export function maxUploadBytes(env: Pick<Env, 'MAX_OBJECT_SIZE'>, bucket: BucketConfig | undefined): number {
  return configuredLimit(env, bucket, S3_MAX_UPLOAD_BYTES);
}

/**
 * The largest object a CompleteMultipartUpload may assemble: the same deployment and bucket limits
 * bound the whole object, not only each part; without either, the store's own maximum (S3's 5 TiB
 * for an s3 upstream) — S3's 5 GiB is a single PUT's limit, and multipart exists to pass it.
 */
export function maxMultipartObjectBytes(env: Pick<Env, 'MAX_OBJECT_SIZE'>, bucket: BucketConfig | undefined, capabilities: Pick<Capabilities, 'maxObjectSize'>): number {
  return configuredLimit(env, bucket, capabilities.maxObjectSize);
}

/** `ceiling`, lowered by MAX_OBJECT_SIZE and then by the bucket's `limits.maxObjectSize`. */
function configuredLimit(env: Pick<Env, 'MAX_OBJECT_SIZE'>, bucket: BucketConfig | undefined, ceiling: number): number {
  let max = ceiling;
  const deployment = env.MAX_OBJECT_SIZE === undefined ? NaN : Number(env.MAX_OBJECT_SIZE);
  if (Number.isSafeInteger(deployment) && deployment > 0) max = Math.min(max, deployment);
  const own = bucket?.limits.maxObjectSize;
  return own !== undefined ? Math.min(max, own) : max;
}

export function entityTooLarge(proposed: number, max: number): S3Error {
  return new S3Error('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', { ProposedSize: String(proposed), MaxSizeAllowed: String(max) });
}

/** `ceiling`: a lower bound the operation itself sets (a backend's largest part). */
export function assertUploadFits(length: number, env: Pick<Env, 'MAX_OBJECT_SIZE'>, bucket: BucketConfig | undefined, ceiling = Infinity): void {
  const max = Math.min(maxUploadBytes(env, bucket), ceiling);
  if (length > max) throw entityTooLarge(length, max);
}
