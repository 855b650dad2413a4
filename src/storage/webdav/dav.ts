import { StorageError } from '../errors';
import type { WebDavClient } from './client';
import type { WebDavContext } from './errors';
import { type DavEntry, parseMultistatus, PROPFIND_BODY } from './multistatus';
import { translateWebDavFailure } from './errors';

/** A WebDAV tree the driver works in: the client, and the collection URL (ending in '/') keys are relative to. */
export interface DavTree {
  client: WebDavClient;
  root: string;
}

/**
 * PROPFIND with `Depth: 0` or `1` (never infinity: servers refuse it or answer it in one huge
 * document). Null when the resource does not exist.
 */
export async function propfind(tree: DavTree, path: string, depth: 0 | 1, context: WebDavContext): Promise<DavEntry[] | null> {
  const url = tree.client.urlFor(tree.root, path);
  const response = await tree.client.send({
    method: 'PROPFIND',
    url,
    headers: { depth: String(depth) },
    text: PROPFIND_BODY,
    idempotent: true,
    context,
    accept: [404],
  });
  if (response.status === 404) {
    await response.body?.cancel();
    return null;
  }
  if (response.status !== 207) {
    await response.body?.cancel();
    throw translateWebDavFailure({ kind: 'malformed-response' }, context);
  }
  const entries = parseMultistatus(await tree.client.readText(response, context), url);
  if (!entries) throw translateWebDavFailure({ kind: 'malformed-response' }, context);
  return entries;
}

/** How long a collection known to exist is trusted without asking again (per isolate). */
const COLLECTION_TTL_MS = 30_000;
const knownCollections = new Map<string, number>();

export function forgetCollection(url: string): void {
  for (const known of knownCollections.keys()) if (known.startsWith(url)) knownCollections.delete(known);
}

/**
 * Makes sure every collection above `path` exists, MKCOL from the top down; 405 (already there) and
 * a 409 race (a parent removed meanwhile) are handled by carrying on and retrying once. A
 * collection seen to exist is remembered briefly per isolate, so a burst of writes into the same
 * collection costs one MKCOL. A PUT cannot do this itself: its body is a stream sent once.
 */
export async function ensureParents(tree: DavTree, path: string): Promise<void> {
  const segments = path.split('/').slice(0, -1);
  const now = Date.now();
  for (let depth = segments.length; depth > 0; depth--) {
    const url = tree.client.urlFor(tree.root, segments.slice(0, depth).join('/') + '/');
    if ((knownCollections.get(url) ?? 0) > now) {
      // Everything above a known collection exists too.
      return createFrom(tree, segments, depth);
    }
  }
  return createFrom(tree, segments, 0);
}

async function createFrom(tree: DavTree, segments: string[], existing: number): Promise<void> {
  for (let depth = existing + 1; depth <= segments.length; depth++) {
    const url = tree.client.urlFor(tree.root, segments.slice(0, depth).join('/') + '/');
    await mkcol(tree, url);
    knownCollections.set(url, Date.now() + COLLECTION_TTL_MS);
  }
}

/** MKCOLs answered 423 are sent again this many times (the concurrent request holding the lock is brief). */
const MKCOL_LOCKED_RETRIES = 3;
const MKCOL_LOCKED_WAIT_MS = 50;

/**
 * MKCOL: 201 made, 405 already there (as a collection — or as a file, which the PUT then reports).
 * Three answers mean "another request is making it at this very moment" (adrs/0022, "Concurrent
 * MKCOL"):
 *  - 403: Apache mod_dav_fs checks "exists?" (405) and then mkdir()s; a concurrent MKCOL of the same
 *    collection that loses the mkdir race gets EEXIST, which it answers 403 Forbidden ("Unable to
 *    create collection", its error log says `(17)File exists`).
 *  - 423: rclone serve webdav (golang.org/x/net/webdav) takes a temporary lock on the path for every
 *    write; a second MKCOL of the same path while the first holds it is answered 423 Locked. MKCOL
 *    is idempotent: it is sent again, a few times, after a short wait.
 *  - 409: a missing parent — or, on some servers, the same race.
 * Each counts as made if the collection exists now (one PROPFIND Depth 0, only on those answers);
 * if not, the answer stands (403 → auth-failed, 409/423 → conflict). No other status is retried.
 */
export async function mkcol(tree: DavTree, url: string): Promise<void> {
  let response: Response;
  for (let attempt = 0; ; attempt++) {
    response = await tree.client.send({ method: 'MKCOL', url, idempotent: true, context: { subject: 'object' }, accept: [403, 405, 409, 423] });
    await response.body?.cancel();
    if (response.status !== 423 || attempt === MKCOL_LOCKED_RETRIES) break;
    await new Promise((resolve) => setTimeout(resolve, MKCOL_LOCKED_WAIT_MS * (1 + Math.random()) * 2 ** attempt));
  }
  if (response.status !== 403 && response.status !== 409 && response.status !== 423) return;
  const check = await tree.client.send({ method: 'PROPFIND', url, headers: { depth: '0' }, text: PROPFIND_BODY, idempotent: true, context: { subject: 'object' }, accept: [404] });
  await check.body?.cancel();
  if (check.status === 404) throw translateWebDavFailure({ kind: 'response', status: response.status }, { subject: 'object' });
}

/** A thrown StorageError for a 2xx answer the driver cannot use. */
export function malformed(context: WebDavContext): StorageError {
  return translateWebDavFailure({ kind: 'malformed-response' }, context);
}
