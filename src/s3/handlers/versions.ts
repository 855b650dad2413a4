import { listPage } from '../../storage/emulate/list-grouping';
import { bucketOf, type S3Handler } from '../context';
import { S3Error } from '../../core/s3-error';
import { bucketOwner } from '../owner';
import { assertNullVersionId, NULL_VERSION_ID } from '../versions';
import { S3_XMLNS, xmlResponse } from '../xml';
import { lastName, listParams } from './listing';

/** GetBucketVersioning: an empty configuration, S3's answer for a bucket that never had versioning enabled. */
export const getBucketVersioning: S3Handler = async () => xmlResponse({ VersioningConfiguration: { '@_xmlns': S3_XMLNS } });

/** Versioning cannot be enabled: the backends keep one object per key. */
export const putBucketVersioning: S3Handler = async () => {
  throw new S3Error('NotImplemented', 'Versioning cannot be enabled on this gateway: its buckets are unversioned.');
};

/**
 * ListObjectVersions as S3 answers it for an unversioned bucket: every object is one version, id
 * `null`, the latest; there are no delete markers. Paging is V1 listing by key: `key-marker`
 * (with `version-id-marker` `null`, or none) continues after that key.
 */
export const listObjectVersions: S3Handler = async (c) => {
  const { bucket, backend } = bucketOf(c);
  const q = c.op.query;
  const { encode, encodingType, prefix, delimiter, maxKeys } = listParams(q);
  const keyMarker = q.get('key-marker') || undefined;
  const versionIdMarker = q.get('version-id-marker') ?? undefined;
  if (versionIdMarker !== undefined && versionIdMarker !== '') {
    if (keyMarker === undefined) {
      throw new S3Error('InvalidArgument', 'A version-id marker cannot be specified without a key marker.', {
        ArgumentName: 'version-id-marker',
        ArgumentValue: versionIdMarker,
      });
    }
    assertNullVersionId(versionIdMarker, 'version-id-marker');
  }
  const page = await listPage(backend, { prefix, delimiter, maxKeys, startAfter: keyMarker });
  const next = page.truncated ? lastName(page) : undefined;
  const nextIsKey = next !== undefined && page.objects.at(-1)?.key === next;
  const owner = bucketOwner(bucket);
  return xmlResponse({
    ListVersionsResult: {
      '@_xmlns': S3_XMLNS,
      Name: bucket.name,
      Prefix: encode(prefix),
      KeyMarker: encode(keyMarker ?? ''),
      VersionIdMarker: versionIdMarker ?? '',
      ...(next !== undefined ? { NextKeyMarker: encode(next) } : {}),
      ...(nextIsKey ? { NextVersionIdMarker: NULL_VERSION_ID } : {}),
      MaxKeys: maxKeys,
      ...(delimiter !== undefined ? { Delimiter: encode(delimiter) } : {}),
      ...(encodingType ? { EncodingType: encodingType } : {}),
      IsTruncated: page.truncated,
      Version: page.objects.map((o) => ({
        Key: encode(o.key),
        VersionId: NULL_VERSION_ID,
        IsLatest: true,
        LastModified: o.lastModified.toISOString(),
        ETag: `"${o.etag}"`,
        Size: o.size,
        Owner: owner,
        StorageClass: 'STANDARD',
      })),
      CommonPrefixes: page.commonPrefixes.map((p) => ({ Prefix: encode(p) })),
    },
  });
};
