import type { ListPage, ListQuery, ObjectInfo } from '../backend';
import { StorageError } from '../errors';
import { STAGING_COLLECTION } from './config';
import { propfind } from './dav';
import type { DavEntry } from './multistatus';
import { type DavBucket, infoOf } from './objects';

/**
 * S3 listing over WebDAV collections: PROPFIND `Depth: 1` per collection, walked depth-first with
 * members in S3 key order (UTF-8 bytes; a collection sorts as its name + "/", which is where all of
 * its keys sort), so the walk yields keys already sorted and stops as soon as a page is full.
 * With delimiter "/", only the collection of the prefix is read: its sub-collections are the common
 * prefixes. Collections themselves are not objects (a `key/` directory object is visible to HEAD
 * and GET, not to listings), and an empty collection left behind by deletes still shows as a
 * common prefix in a delimited listing (adrs/0022).
 */

const encoder = new TextEncoder();

/** UTF-8 byte order, as S3 sorts keys. */
export function compareKeys(a: string, b: string): number {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

/** Where a page continues: strictly after `after`, and past every key of the group `after` when `group`. */
interface Position {
  after: string;
  group: boolean;
}

function encodeCursor(position: Position): string {
  return btoa(String.fromCharCode(...encoder.encode(JSON.stringify([position.after, position.group ? 1 : 0])))).replace(/=+$/, '');
}

function decodeCursor(cursor: string): Position {
  try {
    const json = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(Uint8Array.from(atob(cursor), (c) => c.charCodeAt(0)));
    const [after, group] = JSON.parse(json) as [unknown, unknown];
    if (typeof after === 'string' && (group === 0 || group === 1)) return { after, group: group === 1 };
  } catch {
    // falls through
  }
  throw new StorageError('invalid-cursor');
}

/** Is every key under the client path `dir` (ending in "/") at or before the position? */
function passed(dir: string, position: Position | undefined): boolean {
  if (!position) return false;
  if (position.group && dir.startsWith(position.after)) return true;
  return compareKeys(dir, position.after) < 0 && !position.after.startsWith(dir);
}

function keyPassed(key: string, position: Position | undefined): boolean {
  if (!position) return false;
  if (position.group && key.startsWith(position.after)) return true;
  return compareKeys(key, position.after) <= 0;
}

type Item = { kind: 'object'; info: ObjectInfo } | { kind: 'prefix'; prefix: string };

/** Members of a collection (client path `dir`, '' or ending in "/"), sorted in key order; [] when it does not exist. */
async function members(bucket: DavBucket, dir: string): Promise<{ key: string; entry: DavEntry }[]> {
  const path = bucket.prefix + dir;
  const url = bucket.tree.client.urlFor(bucket.tree.root, path);
  const entries = (await bucket.listings.members(url, () => propfind(bucket.tree, path, 1, { subject: 'object' }))) ?? [];
  return entries
    .filter((e) => e.path !== '' && !(bucket.prefix + dir === '' && (e.path === STAGING_COLLECTION || e.path === `${STAGING_COLLECTION}/`)))
    .map((entry) => ({ key: dir + entry.path, entry }))
    .sort((a, b) => compareKeys(a.key, b.key));
}

/** Depth-first walk yielding objects under `dir` whose keys start with `prefix`, in key order, after `position`. */
async function* walk(bucket: DavBucket, dir: string, prefix: string, position: Position | undefined): AsyncGenerator<ObjectInfo> {
  for (const { key, entry } of await members(bucket, dir)) {
    if (entry.collection) {
      // Only collections that can hold keys with the prefix, and not wholly before the position.
      if (!(key.startsWith(prefix) || prefix.startsWith(key)) || passed(key, position)) continue;
      yield* walk(bucket, key, prefix, position);
    } else if (key.startsWith(prefix) && !keyPassed(key, position)) {
      yield infoOf(key, entry);
    }
  }
}

/** Objects and common prefixes in order; a group of keys sharing a common prefix is reported once. */
async function* items(bucket: DavBucket, query: ListQuery, position: Position | undefined): AsyncGenerator<Item> {
  const { prefix, delimiter } = query;
  const start = prefix.slice(0, prefix.lastIndexOf('/') + 1);
  if (delimiter === '/') {
    // Fast path: one collection.
    for (const { key, entry } of await members(bucket, start)) {
      if (!key.startsWith(prefix)) continue;
      if (entry.collection) {
        if (!passed(key, position) && !keyPassed(key, position)) yield { kind: 'prefix', prefix: key };
      } else if (!keyPassed(key, position)) {
        yield { kind: 'object', info: infoOf(key, entry) };
      }
    }
    return;
  }
  let lastGroup: string | undefined;
  for await (const info of walk(bucket, start, prefix, position)) {
    const at = delimiter ? info.key.indexOf(delimiter, prefix.length) : -1;
    if (at < 0) {
      yield { kind: 'object', info };
      continue;
    }
    const group = info.key.slice(0, at + delimiter!.length);
    if (group === lastGroup || (position?.group && group === position.after)) continue;
    lastGroup = group;
    yield { kind: 'prefix', prefix: group };
  }
}

export async function listObjects(bucket: DavBucket, query: ListQuery): Promise<ListPage> {
  let position: Position | undefined = query.cursor ? decodeCursor(query.cursor) : undefined;
  if (!position && query.startAfter !== undefined && query.startAfter !== '') position = { after: query.startAfter, group: false };
  const page: ListPage = { objects: [], commonPrefixes: [], truncated: false };
  if (query.maxKeys <= 0) return page;
  let count = 0;
  let last: Position | undefined;
  for await (const item of items(bucket, query, position)) {
    if (count === query.maxKeys) {
      page.truncated = true;
      page.cursor = encodeCursor(last!);
      break;
    }
    count++;
    if (item.kind === 'object') {
      page.objects.push(item.info);
      last = { after: item.info.key, group: false };
    } else {
      page.commonPrefixes.push(item.prefix);
      last = { after: item.prefix, group: true };
    }
  }
  return page;
}
