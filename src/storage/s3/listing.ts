import type { ListPage, ListQuery, ObjectInfo } from '../backend';
import type { Upstream } from './client';
import { bareEtag } from './metadata';

const BUCKET = { subject: 'bucket' } as const;

interface Contents {
  Key?: string;
  Size?: string;
  ETag?: string;
  LastModified?: string;
}

/**
 * ListObjectsV2 on the upstream, mapped to the client's view: the prefix is added going up and
 * stripped coming back. `encoding-type=url` keeps keys with characters XML cannot carry intact;
 * a store that ignores it answers without `EncodingType`, and its keys are taken as they are.
 */
export async function listObjects(up: Upstream, query: ListQuery): Promise<ListPage> {
  if (query.maxKeys <= 0) return { objects: [], commonPrefixes: [], truncated: false };
  const params: [string, string][] = [
    ['list-type', '2'],
    ['prefix', up.prefix + query.prefix],
    ['max-keys', String(query.maxKeys)],
    ['encoding-type', 'url'],
  ];
  if (query.delimiter) params.push(['delimiter', query.delimiter]);
  if (query.cursor !== undefined) params.push(['continuation-token', query.cursor]);
  else if (query.startAfter !== undefined) params.push(['start-after', up.prefix + query.startAfter]);
  const response = await up.client.send({ method: 'GET', query: params, idempotent: true, context: BUCKET });
  const document = await up.client.readXml(response, BUCKET, ['ListBucketResult.Contents', 'ListBucketResult.CommonPrefixes']);
  const result = (document.ListBucketResult ?? {}) as {
    Contents?: Contents[];
    CommonPrefixes?: { Prefix?: string }[];
    IsTruncated?: string;
    NextContinuationToken?: string;
    EncodingType?: string;
  };
  const decode = result.EncodingType === 'url' ? urlDecode : (s: string) => s;
  const unprefixed = (upstreamKey: string) => decode(upstreamKey).slice(up.prefix.length);
  const objects: ObjectInfo[] = (result.Contents ?? []).map((c) => ({
    key: unprefixed(c.Key ?? ''),
    size: Number(c.Size ?? 0),
    etag: bareEtag(c.ETag),
    lastModified: new Date(c.LastModified ?? 0),
    // Listings carry no metadata; S3 does not return it either.
    metadata: { user: {} },
  }));
  const commonPrefixes = (result.CommonPrefixes ?? []).map((p) => unprefixed(p.Prefix ?? ''));
  const truncated = result.IsTruncated === 'true';
  return { objects, commonPrefixes, truncated, ...(truncated && result.NextContinuationToken ? { cursor: result.NextContinuationToken } : {}) };
}

/** S3's url encoding-type is form-style: `+` is a space, `%2B` a plus. */
function urlDecode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, ' '));
}
