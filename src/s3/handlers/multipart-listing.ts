import { listPartRecords, listUploadRecords } from '../../registry/multipart';
import { bucketOf, type S3Handler } from '../context';
import { nameEncoder, parseIntegerParam, parseMaxEntries } from '../list-params';
import { bucketOwner, ownerElement } from '../owner';
import { CHECKSUM_ELEMENT } from '../multipart-checksums';
import { S3_XMLNS, xmlResponse } from '../xml';
import type { ChecksumAlgorithm } from '../../core/checksum-names';
import { requireUpload } from './upload-lookup';

/** ListParts, from the ledger: parts after part-number-marker, ascending. */
export const listParts: S3Handler = async (c) => {
  const { bucket } = bucketOf(c);
  const upload = await requireUpload(c);
  const q = c.op.query;
  const maxParts = parseMaxEntries(q, 'max-parts');
  const marker = parseIntegerParam(q, 'part-number-marker') ?? 0;
  const rows = await listPartRecords(c.env, bucket.name, upload.uploadId, marker, maxParts + 1);
  const parts = rows.slice(0, maxParts);
  const truncated = rows.length > maxParts;
  return xmlResponse({
    ListPartsResult: {
      '@_xmlns': S3_XMLNS,
      Bucket: bucket.name,
      Key: upload.key,
      UploadId: upload.uploadId,
      Initiator: ownerElement(upload.initiator),
      Owner: bucketOwner(bucket),
      StorageClass: 'STANDARD',
      ...(upload.checksum ? { ChecksumAlgorithm: upload.checksum.algorithm.toUpperCase(), ChecksumType: upload.checksum.type } : {}),
      PartNumberMarker: marker,
      NextPartNumberMarker: parts.at(-1)?.partNumber ?? marker,
      MaxParts: maxParts,
      IsTruncated: truncated,
      Part: parts.map((p) => ({
        PartNumber: p.partNumber,
        LastModified: new Date(p.uploadedAt).toISOString(),
        ETag: `"${p.etag}"`,
        Size: p.size,
        ...Object.fromEntries(Object.entries(p.checksums ?? {}).map(([algorithm, value]) => [CHECKSUM_ELEMENT[algorithm as ChecksumAlgorithm], value])),
      })),
    },
  });
};

/** ListMultipartUploads, from the ledger: in-progress uploads by key, then initiation time. */
export const listMultipartUploads: S3Handler = async (c) => {
  const { bucket } = bucketOf(c);
  const q = c.op.query;
  const { encode, encodingType } = nameEncoder(q);
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') || undefined;
  const keyMarker = q.get('key-marker') || undefined;
  const uploadIdMarker = keyMarker !== undefined ? q.get('upload-id-marker') || undefined : undefined;
  const maxUploads = parseMaxEntries(q, 'max-uploads');
  const page = await listUploadRecords(c.env, bucket.name, { prefix, delimiter, keyMarker, uploadIdMarker, maxUploads });
  const owner = bucketOwner(bucket);
  return xmlResponse({
    ListMultipartUploadsResult: {
      '@_xmlns': S3_XMLNS,
      Bucket: bucket.name,
      KeyMarker: encode(keyMarker ?? ''),
      UploadIdMarker: uploadIdMarker ?? '',
      ...(page.truncated ? { NextKeyMarker: encode(page.nextKeyMarker ?? ''), NextUploadIdMarker: page.nextUploadIdMarker ?? '' } : {}),
      ...(delimiter !== undefined ? { Delimiter: encode(delimiter) } : {}),
      Prefix: encode(prefix),
      MaxUploads: maxUploads,
      ...(encodingType ? { EncodingType: encodingType } : {}),
      IsTruncated: page.truncated,
      Upload: page.uploads.map((u) => ({
        Key: encode(u.key),
        UploadId: u.uploadId,
        Initiator: ownerElement(u.initiator),
        Owner: owner,
        StorageClass: 'STANDARD',
        Initiated: new Date(u.initiatedAt).toISOString(),
      })),
      CommonPrefixes: page.commonPrefixes.map((p) => ({ Prefix: encode(p) })),
    },
  });
};
