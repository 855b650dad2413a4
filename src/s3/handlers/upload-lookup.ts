import { findUpload, type UploadRecord } from '../../registry/multipart';
import { bucketOf, keyOf, type S3Context } from '../context';
import { S3Error } from '../errors';

/** The upload a request names, which must be in progress for this bucket and key. */
export async function requireUpload(c: S3Context): Promise<UploadRecord> {
  const { bucket } = bucketOf(c);
  const uploadId = c.op.query.get('uploadId') ?? '';
  const upload = uploadId === '' ? null : await findUpload(c.env, bucket.name, uploadId);
  if (!upload || upload.key !== keyOf(c)) {
    throw new S3Error('NoSuchUpload', 'The specified multipart upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.', {
      UploadId: uploadId,
    });
  }
  return upload;
}
