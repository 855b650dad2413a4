import type { Backend, ListPage, ListQuery } from '../backend';
import { groupFlatListing, isCommonPrefix, PAST_GROUP } from './delimiter-grouping';

/** Is startAfter a common prefix of this listing (a V1 NextMarker), rather than a key? */
function isGroup(query: ListQuery): boolean {
  const { startAfter, delimiter, prefix } = query;
  return !!delimiter && startAfter !== undefined && isCommonPrefix(startAfter, prefix, delimiter);
}

/**
 * One S3 listing page over any backend. S3 continues a V1 listing from NextMarker, which may be a
 * common prefix rather than a key: the page must then start after every key in that group and not
 * report the group again. Stores list "after a key" only, so the group is skipped here, and a page
 * the filter left empty while more remain is followed rather than answered empty. A store that
 * cannot group by delimiter itself (capabilities.nativeDelimiter false) lists flat and the
 * grouping is emulated (delimiter-grouping.ts).
 */
export async function listPage(backend: Backend, query: ListQuery): Promise<ListPage> {
  if (query.maxKeys <= 0) return { objects: [], commonPrefixes: [], truncated: false };
  if (query.delimiter && !backend.capabilities.nativeDelimiter) return groupFlatListing(backend, { ...query, delimiter: query.delimiter });
  const group = isGroup(query) ? query.startAfter : undefined;
  let next: ListQuery = group !== undefined ? { ...query, startAfter: group + PAST_GROUP } : query;
  for (;;) {
    const page = await backend.list(next);
    const commonPrefixes = group !== undefined ? page.commonPrefixes.filter((p) => p !== group) : page.commonPrefixes;
    if (page.objects.length + commonPrefixes.length > 0 || !page.truncated) return { ...page, commonPrefixes };
    next = { ...query, startAfter: undefined, cursor: page.cursor };
  }
}
