import { errorText, log } from '../core/log';
import { keyOf, type S3Context } from './context';
import { evaluateReadPreconditions, unquoteEtag } from './conditional';
import { deferredOutcome } from './deferred-outcome';
import { requestUrl } from '../core/request-url';
import { S3Error } from '../core/s3-error';
import type { S3OperationSpec } from './operations';
import { validatorHeaders } from './object-headers';
import { parseRangeHeader } from './range';

/**
 * The shared edge cache for public objects (ADR 0011): anonymous GETs of public-read buckets are
 * answered from the Workers Cache API of the colo. Only whole objects (200) are stored; a Range is
 * served by the Cache API from the stored whole object (it answers 206 itself). Entries live
 * `cacheTtl` seconds, so an overwrite made elsewhere is visible at most that long after it; writes
 * through this colo also drop the entry at once. Signed requests never read or write the cache.
 */

/** Says where an answer came from: `hit` (this colo's cache) or `miss` (the backend). */
export const EDGE_CACHE_HEADER = 'x-bucketgate-cache';
/** The Cache API's per-object limit; bigger objects are always served from the backend. */
export const MAX_CACHED_OBJECT_BYTES = 512 * 1024 * 1024;
/** Up to this size a miss feeds the cache from the client's own body (tee); above, from a second read so memory stays flat. */
const TEE_LIMIT_BYTES = 4 * 1024 * 1024;
/** The object's own Cache-Control, kept aside while the entry carries the gateway's TTL. */
const STORED_CACHE_CONTROL = 'x-bucketgate-object-cache-control';
/** Query parameters an anonymous client may send that do not change the answer (the SDKs' `x-id`). */
const NEUTRAL_QUERY = new Set(['x-id']);
/** Answers the object's owner says no shared cache may keep. */
const NOT_SHAREABLE = /\b(no-store|private|no-cache)\b/i;
/**
 * Runs the operation's handler for this request, through the edge cache when the request may use
 * it. The one place the cache is wired: the lifecycle calls this instead of the handler. What a
 * write invalidates is the operation's `edgeCache` entry in src/s3/operations.ts.
 */
export async function withEdgeCache(c: S3Context, operation: S3OperationSpec): Promise<Response> {
  const { handler, edgeCache } = operation;
  if ((edgeCache === 'key' || edgeCache === 'keys') && bucketUsesEdgeCache(c)) {
    const response = await handler(c);
    // A lengthy completion commits after its 200 was sent: the entries are dropped once it has.
    if (response.ok) c.executionCtx.waitUntil(settled(response).then(() => dropEntries(c, edgeCache === 'key' ? [keyOf(c)] : c.changedKeys)));
    return response;
  }
  if (!mayShareCache(c)) return handler(c);

  const key = cacheKey(c, keyOf(c));
  const range = parseRangeHeader(c.request.headers.get('range'));
  const rangeHeader = range ? c.request.headers.get('range')! : undefined;
  const cached = await caches.default.match(new Request(key, rangeHeader ? { headers: { range: rangeHeader } } : {}));
  if (cached && cached.status === (range ? 206 : 200)) return answerFromCache(c, cached);
  // An entry that cannot answer this range as S3 would (416, ignored range): the backend answers.
  await cached?.body?.cancel();

  const response = await handler(c);
  if (response.status !== 200 && response.status !== 206 && response.status !== 304) return response;
  const served = new Response(response.body, response);
  served.headers.set(EDGE_CACHE_HEADER, 'miss');
  const size = Number(served.headers.get('content-length'));
  if (served.status === 200 && served.body && !range && size <= TEE_LIMIT_BYTES && !hasConditions(c.request.headers)) {
    const [toClient, toCache] = served.body.tee();
    c.executionCtx.waitUntil(store(key, new Response(toCache, served), c.bucket!.cacheTtl).catch(cacheFailed));
    return new Response(toClient, served);
  }
  // Ranged, conditional or large: the whole object is read again for the cache, off the client's path.
  const plain = new Request(c.request.url, { method: 'GET' });
  c.executionCtx.waitUntil(
    handler({ ...c, request: plain })
      .then((whole) => store(key, whole, c.bucket!.cacheTtl))
      .catch(cacheFailed),
  );
  return served;
}

/** Only public-read buckets with a TTL have entries (making a bucket public moves its `updatedAt`, so no older entry applies). */
function bucketUsesEdgeCache(c: S3Context): boolean {
  return c.bucket !== undefined && c.bucket.publicRead && c.bucket.cacheTtl > 0;
}

/**
 * Drops this colo's entries for `keys` once the answer went out. Each key is one Cache API call,
 * which counts against the request's Cache API call limit: past it (a large DeleteObjects on a
 * small plan) the calls fail, and those entries live out their TTL, as entries in other colos do.
 */
/** Resolves once the response's work is done: at once, or when a deferred outcome settles. */
async function settled(response: Response): Promise<void> {
  await deferredOutcome(response);
}

async function dropEntries(c: S3Context, keys: readonly string[]): Promise<void> {
  const results = await Promise.allSettled(keys.map((key) => caches.default.delete(cacheKey(c, key))));
  const failed = results.filter((r) => r.status === 'rejected');
  if (failed.length > 0) cacheFailed(new Error(`${failed.length} of ${keys.length} entries not dropped: ${String(failed[0]!.reason)}`));
}

/** Anonymous, public, plain GETs only: anything that could change the answer per caller bypasses the cache. */
function mayShareCache(c: S3Context): boolean {
  if (c.op.action !== 'GetObject' || c.principal.kind !== 'anonymous' || !bucketUsesEdgeCache(c) || c.op.key === undefined) return false;
  for (const name of c.op.query.keys()) if (!NEUTRAL_QUERY.has(name)) return false;
  const headers = c.request.headers;
  return !headers.has('if-range') && !headers.has('x-amz-checksum-mode');
}

function hasConditions(headers: Headers): boolean {
  return ['if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since'].some((h) => headers.has(h));
}

/**
 * The entry's key: bucket and key, never the request URL, so path-style and virtual-hosted requests
 * share one entry, and the bucket's `updatedAt` so re-creating or reconfiguring a bucket starts afresh.
 * Its path (`/.edge-cache/…`) is one no S3 request URL on the deployment's host produces.
 */
function cacheKey(c: S3Context, key: string): string {
  const host = c.env.BASE_DOMAIN || requestUrl(c.request).host;
  const bucket = c.bucket!;
  return `https://${host}/.edge-cache/${encodeURIComponent(bucket.name)}/${encodeURIComponent(bucket.updatedAt)}/${encodeURIComponent(key)}`;
}

/** Preconditions are evaluated here, against the cached validators, exactly as the GET handler does. */
async function answerFromCache(c: S3Context, cached: Response): Promise<Response> {
  const etag = unquoteEtag(cached.headers.get('etag') ?? '');
  const lastModified = new Date(cached.headers.get('last-modified') ?? 0);
  const precondition = evaluateReadPreconditions(c.request.headers, { etag, lastModified });
  if (precondition.outcome !== 'proceed') {
    await cached.body?.cancel();
    if (precondition.outcome === 'failed') {
      throw new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { Condition: precondition.condition });
    }
    const notModified = validatorHeaders({ etag, lastModified });
    notModified.set(EDGE_CACHE_HEADER, 'hit');
    return new Response(null, { status: 304, headers: notModified });
  }
  const headers = new Headers(cached.headers);
  const objectCacheControl = headers.get(STORED_CACHE_CONTROL);
  if (objectCacheControl) headers.set('cache-control', objectCacheControl);
  else headers.delete('cache-control');
  for (const name of [STORED_CACHE_CONTROL, 'cf-cache-status', 'age', 'date']) headers.delete(name);
  headers.set(EDGE_CACHE_HEADER, 'hit');
  return new Response(cached.body, { status: cached.status, headers, encodeBody: 'manual' });
}

/** Stores a whole-object answer for `ttl` seconds, unless it is too big or its owner forbids shared caching. */
async function store(key: string, response: Response, ttl: number): Promise<void> {
  const size = Number(response.headers.get('content-length'));
  const objectCacheControl = response.headers.get('cache-control');
  if (response.status !== 200 || !Number.isSafeInteger(size) || size > MAX_CACHED_OBJECT_BYTES || NOT_SHAREABLE.test(objectCacheControl ?? '')) {
    await response.body?.cancel();
    return;
  }
  const headers = new Headers(response.headers);
  headers.delete(EDGE_CACHE_HEADER);
  if (objectCacheControl) headers.set(STORED_CACHE_CONTROL, objectCacheControl);
  // The entry holds the stored bytes as they are, for every client alike (src/s3/no-transform.ts);
  // its Cache-Control is the cache's own, replaced by the object's when served.
  headers.set('cache-control', `s-maxage=${ttl}, no-transform`);
  await caches.default.put(key, new Response(response.body, { status: 200, headers, encodeBody: 'manual' }));
}

/** A cache that cannot be filled or cleared costs only speed: the answer already went out. */
function cacheFailed(error: unknown): void {
  log.warn('edge cache failed', { error: errorText(error) });
}
