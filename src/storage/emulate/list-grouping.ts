import type { Backend, ListPage, ListQuery } from '../backend';

/** Sorts after every key that starts with a given common prefix (short of keys continuing with U+10FFFF itself). */
const PAST_GROUP = '\u{10FFFF}';

/** Is startAfter a common prefix of this listing (a V1 NextMarker), rather than a key? */
function isGroup(query: ListQuery): boolean {
  const { startAfter, delimiter, prefix } = query;
  if (!delimiter || startAfter === undefined || !startAfter.startsWith(prefix)) return false;
  return startAfter.indexOf(delimiter, prefix.length) === startAfter.length - delimiter.length;
}

/**
 * One S3 listing page over any backend. S3 continues a V1 listing from NextMarker, which may be a
 * common prefix rather than a key: the page must then start after every key in that group and not
 * report the group again. Stores list "after a key" only, so the group is skipped here, and a page
 * the filter left empty while more remain is followed rather than answered empty.
 */
export async function listPage(backend: Backend, query: ListQuery): Promise<ListPage> {
  if (query.maxKeys <= 0) return { objects: [], commonPrefixes: [], truncated: false };
  const group = isGroup(query) ? query.startAfter : undefined;
  let next: ListQuery = group !== undefined ? { ...query, startAfter: group + PAST_GROUP } : query;
  for (;;) {
    const page = await backend.list(next);
    const commonPrefixes = group !== undefined ? page.commonPrefixes.filter((p) => p !== group) : page.commonPrefixes;
    if (page.objects.length + commonPrefixes.length > 0 || !page.truncated) return { ...page, commonPrefixes };
    next = { ...query, startAfter: undefined, cursor: page.cursor };
  }
}
