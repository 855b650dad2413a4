import type { ListPage } from '../../storage/backend';
import { listPage } from '../../storage/emulate/list-grouping';
import { bucketOf, type S3Handler } from '../context';
import { compareNames, decodeContinuationToken, encodeContinuationToken, type NameEncoder, nameEncoder, parseMaxEntries } from '../list-params';
import { bucketOwner } from '../owner';
import { S3_XMLNS, xmlResponse } from '../xml';

/** The `<Contents>` and `<CommonPrefixes>` both listing versions share. */
function entries(page: ListPage, encode: NameEncoder, owner: ReturnType<typeof bucketOwner> | undefined) {
  return {
    Contents: page.objects.map((o) => ({
      Key: encode(o.key),
      LastModified: o.lastModified.toISOString(),
      ETag: `"${o.etag}"`,
      Size: o.size,
      ...(owner ? { Owner: owner } : {}),
      StorageClass: 'STANDARD',
    })),
    CommonPrefixes: page.commonPrefixes.map((p) => ({ Prefix: encode(p) })),
  };
}

export function listParams(query: URLSearchParams) {
  return {
    ...nameEncoder(query),
    prefix: query.get('prefix') ?? '',
    delimiter: query.get('delimiter') || undefined,
    maxKeys: parseMaxEntries(query, 'max-keys'),
  };
}

/** ListObjectsV2: pages continue with an opaque token wrapping the backend's cursor. */
export const listObjectsV2: S3Handler = async (c) => {
  const { bucket, backend } = bucketOf(c);
  const q = c.op.query;
  const { encode, encodingType, prefix, delimiter, maxKeys } = listParams(q);
  // An empty token is no token, as S3 treats it (some clients send `continuation-token=` on page one).
  const token = q.get('continuation-token') || undefined;
  const cursor = token !== undefined ? decodeContinuationToken(token) : undefined;
  const startAfter = q.get('start-after') || undefined;
  const page = await listPage(backend, { prefix, delimiter, maxKeys, ...(cursor !== undefined ? { cursor } : { startAfter }) });
  const owner = q.get('fetch-owner') === 'true' ? bucketOwner(bucket) : undefined;
  return xmlResponse({
    ListBucketResult: {
      '@_xmlns': S3_XMLNS,
      Name: bucket.name,
      Prefix: encode(prefix),
      ...(delimiter !== undefined ? { Delimiter: encode(delimiter) } : {}),
      MaxKeys: maxKeys,
      ...(encodingType ? { EncodingType: encodingType } : {}),
      KeyCount: page.objects.length + page.commonPrefixes.length,
      IsTruncated: page.truncated,
      ...(token !== undefined ? { ContinuationToken: token } : {}),
      ...(page.truncated && page.cursor !== undefined ? { NextContinuationToken: encodeContinuationToken(page.cursor) } : {}),
      ...(startAfter !== undefined ? { StartAfter: encode(startAfter) } : {}),
      ...entries(page, encode, owner),
    },
  });
};

/**
 * ListObjects (V1): pages continue from `marker`, a key. S3 sends NextMarker only when a delimiter
 * was given (otherwise the client continues from the last key); it is the last key or common
 * prefix of the page, whichever sorts later.
 */
export const listObjects: S3Handler = async (c) => {
  const { bucket, backend } = bucketOf(c);
  const q = c.op.query;
  const { encode, encodingType, prefix, delimiter, maxKeys } = listParams(q);
  const marker = q.get('marker') || undefined;
  const page = await listPage(backend, { prefix, delimiter, maxKeys, startAfter: marker });
  const nextMarker = delimiter !== undefined && page.truncated ? lastName(page) : undefined;
  return xmlResponse({
    ListBucketResult: {
      '@_xmlns': S3_XMLNS,
      Name: bucket.name,
      // V1 is the one listing whose Prefix S3 sends as given even under encoding-type=url; botocore,
      // which asks for url encoding on every ListObjects, decodes Delimiter, Marker, NextMarker,
      // Key and CommonPrefixes but not this Prefix, so an encoded one reaches its callers as `%0A`.
      Prefix: prefix,
      Marker: encode(marker ?? ''),
      ...(nextMarker !== undefined ? { NextMarker: encode(nextMarker) } : {}),
      MaxKeys: maxKeys,
      ...(delimiter !== undefined ? { Delimiter: encode(delimiter) } : {}),
      ...(encodingType ? { EncodingType: encodingType } : {}),
      IsTruncated: page.truncated,
      ...entries(page, encode, bucketOwner(bucket)),
    },
  });
};

export function lastName(page: ListPage): string | undefined {
  const key = page.objects.at(-1)?.key;
  const prefix = page.commonPrefixes.at(-1);
  if (key === undefined) return prefix;
  if (prefix === undefined) return key;
  return compareNames(key, prefix) > 0 ? key : prefix;
}
