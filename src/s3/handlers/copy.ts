import type { ByteRange, ObjectMetadata } from '../../storage/backend';
import { asS3Error } from '../storage-errors';
import { recordPart } from '../../registry/multipart';
import { assertObjectAcl } from '../canned-acl';
import { copyObjectData, copyPartData, inStoreCopier } from '../copy-engine';
import { openCopySource, resolveCopySource } from '../copy-source';
import { bucketOf, keyOf, type S3Handler } from '../context';
import { isS3Error, S3Error } from '../../core/s3-error';
import { metadataFromRequest } from '../object-headers';
import { entityTooLarge } from '../limits';
import { MAX_SINGLE_UPLOAD_BYTES, maxPartBytes } from '../payload';
import { S3_XMLNS, xmlResponse } from '../xml';
import { partNumberOf } from './multipart';
import { requireUpload } from './upload-lookup';

/** The destination's metadata: the source's (COPY, the default) or the request's (REPLACE). */
function destinationMetadata(headers: Headers): ((source: ObjectMetadata) => ObjectMetadata) & { directive: 'COPY' | 'REPLACE' } {
  const raw = headers.get('x-amz-metadata-directive');
  const directive = raw === null ? 'COPY' : raw.trim().toUpperCase();
  if (directive === 'COPY') return Object.assign((source: ObjectMetadata) => source, { directive } as const);
  if (directive !== 'REPLACE') {
    throw new S3Error('InvalidArgument', 'Unknown metadata directive.', { ArgumentName: 'x-amz-metadata-directive', ArgumentValue: raw ?? '' });
  }
  // Parsed before the source is opened, so a bad header fails before any read. The bytes are the
  // source's, so the source's verified checksums stay true; checksum headers on a copy are not.
  const { checksums: _unverified, ...replaced } = metadataFromRequest(headers);
  return Object.assign(
    (source: ObjectMetadata): ObjectMetadata => (source.checksums ? { ...replaced, checksums: source.checksums } : replaced),
    { directive } as const,
  );
}

function tooLargeToCopy(size: number): S3Error {
  return new S3Error('InvalidRequest', `The specified copy source is larger than the maximum allowable size for a copy source: ${MAX_SINGLE_UPLOAD_BYTES}`, {
    ActualObjectSize: String(size),
  });
}

/**
 * CopyObject: the source is read under s3:GetObject (checked here), the destination written under
 * s3:PutObject (checked by the lifecycle). A refused source or failed condition writes nothing.
 */
export const copyObject: S3Handler = async (c) => {
  const { bucket, backend } = bucketOf(c);
  const key = keyOf(c);
  const headers = c.request.headers;
  assertObjectAcl(headers, bucket);
  if (headers.has('if-match') || headers.has('if-none-match')) {
    throw new S3Error('NotImplemented', 'Conditional writes (If-Match / If-None-Match) are not implemented for CopyObject.');
  }
  const metadataFor = destinationMetadata(headers);
  const source = await resolveCopySource(c);
  if (source.bucket.name === bucket.name && source.key === key && metadataFor.directive === 'COPY') {
    throw new S3Error(
      'InvalidRequest',
      "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
    );
  }
  // A copy the store runs itself reads no byte: its source is judged from a HEAD.
  const headOnly = inStoreCopier(source.backend, backend, 'object') !== null;
  const opened = await openCopySource(source, headers, undefined, { headOnly });
  if (opened.size > MAX_SINGLE_UPLOAD_BYTES) {
    await opened.body.cancel();
    throw tooLargeToCopy(opened.size);
  }
  const info = await copyObjectData(opened, source, { backend, key, metadata: metadataFor(opened.metadata) });
  return xmlResponse({ CopyObjectResult: { '@_xmlns': S3_XMLNS, ETag: `"${info.etag}"`, LastModified: info.lastModified.toISOString() } });
};

const COPY_RANGE = /^bytes=(\d+)-(\d+)$/;

/** `x-amz-copy-source-range`: exactly `bytes=first-last`, zero-based and inclusive, as S3 requires. */
export function parseCopySourceRange(value: string | null): { offset: number; length: number } | undefined {
  if (value === null) return undefined;
  const match = COPY_RANGE.exec(value.trim());
  const first = match ? Number(match[1]) : NaN;
  const last = match ? Number(match[2]) : NaN;
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last) || last < first) {
    throw new S3Error(
      'InvalidArgument',
      'The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy',
      { ArgumentName: 'x-amz-copy-source-range', ArgumentValue: value },
    );
  }
  return { offset: first, length: last - first + 1 };
}

/** A well-formed range the source cannot satisfy: S3's InvalidRange (416), as for a GET. */
function rangeNotInSource(size: string | number, requested: string): S3Error {
  return new S3Error('InvalidRange', `The requested range is not satisfiable: the source object is ${size} bytes.`, {
    RangeRequested: requested,
    ActualObjectSize: String(size),
  });
}

/** UploadPartCopy: a source object (or a byte range of it) becomes a part, recorded in the ledger like UploadPart. */
export const uploadPartCopy: S3Handler = async (c) => {
  const { bucket, backend } = bucketOf(c);
  const key = keyOf(c);
  const headers = c.request.headers;
  const partNumber = partNumberOf(c.op.query.get('partNumber'));
  const range = parseCopySourceRange(headers.get('x-amz-copy-source-range'));
  const upload = await requireUpload(c);
  const source = await resolveCopySource(c);
  const headOnly = inStoreCopier(source.backend, backend, 'part') !== null;
  const opened = await openRange(source, headers, range, headers.get('x-amz-copy-source-range') ?? '', headOnly);
  const partSize = range?.length ?? opened.size;
  if (partSize > MAX_SINGLE_UPLOAD_BYTES) {
    await opened.body.cancel();
    throw tooLargeToCopy(opened.size);
  }
  if (partSize > maxPartBytes(backend.capabilities)) {
    await opened.body.cancel();
    throw entityTooLarge(partSize, maxPartBytes(backend.capabilities));
  }
  const part = await copyPartData(opened, source, { backend, key, uploadId: upload.uploadId, partNumber });
  const uploadedAt = new Date();
  await recordPart(c.env, bucket.name, upload.uploadId, {
    partNumber,
    etag: part.etag,
    backendEtag: part.backendEtag === part.etag ? null : part.backendEtag,
    size: part.size,
    checksums: null,
    uploadedAt: uploadedAt.toISOString(),
  });
  return xmlResponse({ CopyPartResult: { '@_xmlns': S3_XMLNS, ETag: `"${part.etag}"`, LastModified: uploadedAt.toISOString() } });
};

/** Opens the source range; one that does not lie wholly inside the object is refused, never clamped. */
async function openRange(source: Parameters<typeof openCopySource>[0], headers: Headers, range: (ByteRange & { length: number }) | undefined, requested: string, headOnly: boolean) {
  try {
    const opened = await openCopySource(source, headers, range, { headOnly });
    if (range && opened.range?.length !== range.length) {
      await opened.body.cancel();
      throw rangeNotInSource(opened.size, requested);
    }
    return opened;
  } catch (failure) {
    const error = asS3Error(failure);
    if (isS3Error(error) && error.code === 'InvalidRange') throw rangeNotInSource(error.extra.ActualObjectSize ?? 'unknown', requested);
    throw error;
  }
}
