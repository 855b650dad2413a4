import type { Backend, ListedObject, ListPage, ListQuery } from '../backend';

/** Sorts after every key that starts with a given common prefix (short of keys continuing with U+10FFFF itself). */
export const PAST_GROUP = '\u{10FFFF}';

/** A flat listing page is asked for this many keys at a time, whatever the client's max-keys. */
const FLAT_PAGE = 1000;

/** Is `name` a common prefix of a listing under `prefix` grouped by `delimiter` (a V1 NextMarker), rather than a key? */
export function isCommonPrefix(name: string, prefix: string, delimiter: string): boolean {
  return name.startsWith(prefix) && name.indexOf(delimiter, prefix.length) === name.length - delimiter.length;
}

/**
 * S3 delimiter grouping over a store that lists only flat (capabilities.nativeDelimiter false):
 * keys under `prefix` that contain the delimiter after it are rolled up into their common prefix,
 * each group reported once, then skipped with one listing that starts past it (so a directory
 * of a million keys costs one call, not a million entries). The page holds at most maxKeys
 * entries (keys and prefixes together); its cursor is the last name returned, and a page that
 * starts from a common prefix (cursor or V1 marker) starts past that whole group.
 */
export async function groupFlatListing(backend: Backend, query: ListQuery & { delimiter: string }): Promise<ListPage> {
  const { prefix, delimiter, maxKeys } = query;
  const objects: ListedObject[] = [];
  const commonPrefixes: string[] = [];
  const from = query.cursor ?? query.startAfter;
  let next: ListQuery = { prefix, maxKeys: FLAT_PAGE, ...(from !== undefined ? { startAfter: isCommonPrefix(from, prefix, delimiter) ? from + PAST_GROUP : from } : {}) };
  let last: string | undefined;
  for (;;) {
    const page = await backend.list(next);
    let restart: ListQuery | undefined;
    for (const object of page.objects) {
      const at = object.key.indexOf(delimiter, prefix.length);
      const name = at >= 0 ? object.key.slice(0, at + delimiter.length) : object.key;
      if (objects.length + commonPrefixes.length === maxKeys) return { objects, commonPrefixes, truncated: true, cursor: last! };
      last = name;
      if (at < 0) {
        objects.push(object);
        continue;
      }
      commonPrefixes.push(name);
      restart = { prefix, maxKeys: FLAT_PAGE, startAfter: name + PAST_GROUP };
      break;
    }
    if (restart) next = restart;
    else if (page.truncated && page.cursor !== undefined) next = { prefix, maxKeys: FLAT_PAGE, cursor: page.cursor };
    else return { objects, commonPrefixes, truncated: false };
  }
}
