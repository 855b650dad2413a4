import { S3Error } from '../core/s3-error';

/**
 * Buckets behind this gateway are unversioned: as in an S3 bucket that never had versioning
 * enabled, every object has exactly one version, whose id is the string `null`. Any other id is
 * one this gateway can never have issued, so it is refused as malformed (S3's answer to an id it
 * cannot parse) rather than reported missing.
 */
export const NULL_VERSION_ID = 'null';

export function assertNullVersionId(versionId: string, argumentName = 'versionId'): void {
  if (versionId !== NULL_VERSION_ID) {
    throw new S3Error('InvalidArgument', 'Invalid version id specified: buckets on this gateway are unversioned, so the only version id is "null".', {
      ArgumentName: argumentName,
      ArgumentValue: versionId,
    });
  }
}
