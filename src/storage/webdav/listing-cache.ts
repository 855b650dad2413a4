import type { DavEntry } from './multistatus';

/**
 * The listing cache (issue 9, adrs/0022): a collection's members (PROPFIND `Depth: 1`) kept in
 * isolate memory for a short time, keyed by connection (base URL + credentials: two connections
 * to one server may see different trees) and collection URL. Only listings read it; HEAD, GET, the
 * emptiness check before deleting a `key/` and the multipart staging area always ask the server.
 * A write or delete through this isolate forgets the collection it touched and its ancestors (their
 * listings show the sub-collections and the entries' tags). Writes through other isolates, other
 * gateways or other clients of the server are not seen until the entry expires: a listing can be
 * up to the TTL stale, as documented in the README.
 */

/** How long a listing is served from memory unless the connection says otherwise. */
export const DEFAULT_LISTING_TTL_MS = 60_000;
/** Bounds the memory: the oldest collections are dropped first (a collection of 100k members is large). */
const MAX_COLLECTIONS = 256;

interface Cached {
  expires: number;
  /** null: the collection did not exist. */
  entries: DavEntry[] | null;
}

const cache = new Map<string, Cached>();
/**
 * When each collection was last forgotten (a sequence number, never reused): a listing loaded while
 * a write through this isolate forgot its collection may predate that write, so it is answered but
 * not kept.
 */
const forgotten = new Map<string, number>();
let forgets = 0;

/** The cache of one connection: `connection` identifies the server and credentials. */
export class ListingCache {
  constructor(
    private readonly connection: string,
    private readonly ttlMs: number,
  ) {}

  private key(collectionUrl: string): string {
    return `${this.connection}\n${collectionUrl}`;
  }

  /** The members of the collection at `url`, from memory while fresh, else from `load` (then kept). */
  async members(url: string, load: () => Promise<DavEntry[] | null>): Promise<DavEntry[] | null> {
    if (this.ttlMs <= 0) return load();
    const key = this.key(url);
    const hit = cache.get(key);
    if (hit && hit.expires > Date.now()) return hit.entries;
    cache.delete(key);
    const before = forgotten.get(key);
    const entries = await load();
    if (forgotten.get(key) !== before) return entries;
    if (cache.size >= MAX_COLLECTIONS) cache.delete(cache.keys().next().value!);
    cache.set(key, { expires: Date.now() + this.ttlMs, entries });
    return entries;
  }

  /** Forgets the collections at `urls`, and with `subtree` everything under the last one too. */
  forget(urls: string[], subtree?: string): void {
    for (const url of urls) this.drop(this.key(url));
    if (subtree === undefined) return;
    const under = this.key(subtree);
    for (const key of cache.keys()) if (key.startsWith(under)) this.drop(key);
  }

  private drop(key: string): void {
    cache.delete(key);
    // Bounded like the cache: a count only matters while a load of that collection is in flight.
    if (forgotten.size >= MAX_COLLECTIONS * 4) forgotten.clear();
    forgotten.set(key, ++forgets);
  }
}
