import type { ChecksumAlgorithm } from '../../auth/checksums';
import { bucketOf, keyOf, type S3Handler } from '../context';
import { S3Error } from '../errors';
import { S3_XMLNS, xmlResponse } from '../xml';

const ATTRIBUTES = ['ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize'] as const;
type Attribute = (typeof ATTRIBUTES)[number];

const CHECKSUM_ELEMENT: Record<ChecksumAlgorithm, string> = {
  crc32: 'ChecksumCRC32',
  crc32c: 'ChecksumCRC32C',
  crc64nvme: 'ChecksumCRC64NVME',
  sha1: 'ChecksumSHA1',
  sha256: 'ChecksumSHA256',
};

/** `x-amz-object-attributes`: a comma-separated, non-empty list of the names S3 defines. */
function requestedAttributes(headers: Headers): Set<Attribute> {
  const raw = headers.get('x-amz-object-attributes') ?? '';
  const names = raw.split(',').map((n) => n.trim()).filter((n) => n !== '');
  if (names.length === 0) {
    throw new S3Error('InvalidArgument', 'x-amz-object-attributes header specifying the attributes to be retrieved is either missing or empty', {
      ArgumentName: 'x-amz-object-attributes',
    });
  }
  const unknown = names.find((n) => !(ATTRIBUTES as readonly string[]).includes(n));
  if (unknown !== undefined) {
    throw new S3Error('InvalidArgument', 'Invalid attribute name specified.', { ArgumentName: 'x-amz-object-attributes', ArgumentValue: unknown });
  }
  return new Set(names as Attribute[]);
}

/** A multipart ETag (`<md5-of-md5s>-N`) tells how many parts the object was assembled from. */
function partsCount(etag: string): number | undefined {
  const match = /-(\d+)$/.exec(etag);
  return match ? Number(match[1]) : undefined;
}

/**
 * GetObjectAttributes: what HEAD knows, as XML. Checksums are the full-object ones stored with the
 * object (see ADR 0010 for which are stored); parts are reported as a count only, because the part
 * list is not kept once an upload completes.
 */
export const getObjectAttributes: S3Handler = async (c) => {
  const { backend } = bucketOf(c);
  const wanted = requestedAttributes(c.request.headers);
  const info = await backend.head(keyOf(c));
  if (!info) throw new S3Error('NoSuchKey', 'The specified key does not exist.');
  const checksums = Object.entries(info.metadata.checksums ?? {}) as [ChecksumAlgorithm, string][];
  const parts = partsCount(info.etag);
  const document: Record<string, unknown> = { '@_xmlns': S3_XMLNS };
  if (wanted.has('ETag')) document.ETag = info.etag;
  if (wanted.has('Checksum') && checksums.length > 0) {
    document.Checksum = { ...Object.fromEntries(checksums.map(([a, v]) => [CHECKSUM_ELEMENT[a], v])), ChecksumType: 'FULL_OBJECT' };
  }
  if (wanted.has('ObjectParts') && parts !== undefined) document.ObjectParts = { PartsCount: parts };
  if (wanted.has('StorageClass')) document.StorageClass = 'STANDARD';
  if (wanted.has('ObjectSize')) document.ObjectSize = info.size;
  return xmlResponse({ GetObjectAttributesResponse: document }, { headers: { 'last-modified': info.lastModified.toUTCString() } });
};
