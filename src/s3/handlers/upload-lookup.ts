import { findUpload, type UploadRecord } from '../../registry/multipart';
import { bucketOf, keyOf, type S3Context } from '../context';
import { S3Error } from '../../core/s3-error';

export function noSuchUpload(uploadId: string): S3Error {
  return new S3Error('NoSuchUpload', 'The specified multipart upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.', {
    UploadId: uploadId,
  });
}

/** The upload a request names if it is in progress for this bucket and key, else null. */
export async function findRequestedUpload(c: S3Context): Promise<UploadRecord | null> {
  const { bucket } = bucketOf(c);
  const uploadId = c.op.query.get('uploadId') ?? '';
  const upload = uploadId === '' ? null : await findUpload(c.env, bucket.name, uploadId);
  return upload && upload.key === keyOf(c) ? upload : null;
}

/** The upload a request names, which must be in progress for this bucket and key. */
export async function requireUpload(c: S3Context): Promise<UploadRecord> {
  const upload = await findRequestedUpload(c);
  if (!upload) throw noSuchUpload(c.op.query.get('uploadId') ?? '');
  return upload;
}
