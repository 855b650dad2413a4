import { errorText, log } from '../core/log';
import type { JSONWebKeySet } from 'jose';
import { sha256Hex } from '../auth/sigv4';
import type { Env } from '../env';
import type { IdentityProvider } from '../registry/sts-schemas';
import { readBoundedBytes } from '../core/bounded-body';
import { StsError } from './errors';
import { isAllowedIssuerUrl } from '../registry/issuer-url';

/**
 * An IdP's signing keys, found through OIDC discovery (or the IdP's JWKS URI override) and
 * cached in isolate memory and KV.
 *
 * - Fresh for an hour. After that the cached set is still served while a refresh runs in the
 *   background (stale-while-revalidate), for up to a day: an IdP outage does not stop sign-ins.
 * - A token whose `kid` is not in the set forces one refetch (the IdP may have rotated), at most
 *   once per IdP every few seconds so random `kid`s cannot turn the gateway into a flood. Only a
 *   refetch that reached the IdP counts: one that could not connect leaves the next token free
 *   to try again (adrs/0014).
 * - Every fetch is a GET with a 3 s budget, a size limit and no redirects. A connection-level
 *   failure (the IdP closed or reset the connection before answering, as HTTP/1.0 servers do to
 *   reused connections) is retried once within that same budget. Failures with nothing cached
 *   are IDPCommunicationError.
 */

export const JWKS_FRESH_MS = 60 * 60 * 1000;
export const JWKS_MAX_STALE_MS = 24 * 60 * 60 * 1000;
export const FORCED_REFETCH_INTERVAL_MS = 10_000;
export const IDP_FETCH_TIMEOUT_MS = 3_000;
export const MAX_IDP_DOCUMENT_BYTES = 64 * 1024;
const KV_PREFIX = 'sts/jwks/v1/';

/** The IdP could not be reached at all (no HTTP answer), even after the retry. */
export class IdpConnectionError extends Error {
  override readonly name = 'IdpConnectionError';
}

interface CachedJwks {
  jwks: JSONWebKeySet;
  fetchedAt: number;
}

export type JwksSource = Pick<IdentityProvider, 'issuer' | 'jwksUri'>;

export interface JwksOptions {
  /** Schedules the background refresh of a stale set (ExecutionContext.waitUntil). */
  waitUntil(promise: Promise<unknown>): void;
  now: Date;
}

// Plain values only (never in-flight promises): workerd cancels requests waiting on another's I/O.
const memory = new Map<string, CachedJwks>();
const lastForcedRefetch = new Map<string, number>();

/** The IdP's key set, from cache when fresh enough. */
export async function idpJwks(env: Env, idp: JwksSource, options: JwksOptions): Promise<JSONWebKeySet> {
  const now = options.now.getTime();
  const key = cacheKey(idp);
  let cached = memory.get(key);
  if (!cached) {
    cached = await readKv(env, key);
    if (cached) memory.set(key, cached);
  }
  const age = cached ? now - cached.fetchedAt : Infinity;
  if (cached && age < JWKS_FRESH_MS) return cached.jwks;
  if (cached && age < JWKS_MAX_STALE_MS) {
    options.waitUntil(refresh(env, idp, key, now).catch((error) => logFetchFailure(idp, error)));
    return cached.jwks;
  }
  try {
    return await refresh(env, idp, key, now);
  } catch (error) {
    logFetchFailure(idp, error);
    throw communicationError();
  }
}

/**
 * Refetches after a token named a `kid` the cached set lacks. Returns null when a forced refetch
 * ran for this IdP too recently (the token then stays unverified); throws IDPCommunicationError
 * when the IdP cannot be reached or answers with something unusable.
 */
export async function refetchIdpJwks(env: Env, idp: JwksSource, now = Date.now()): Promise<JSONWebKeySet | null> {
  const key = cacheKey(idp);
  const last = lastForcedRefetch.get(key);
  if (last !== undefined && now - last < FORCED_REFETCH_INTERVAL_MS) return null;
  lastForcedRefetch.set(key, now);
  try {
    return await refresh(env, idp, key, now);
  } catch (error) {
    logFetchFailure(idp, error);
    // The back-off limits how often we make the IdP answer; a refetch it never answered costs it nothing.
    if (error instanceof IdpConnectionError) {
      if (last === undefined) lastForcedRefetch.delete(key);
      else lastForcedRefetch.set(key, last);
    }
    throw communicationError();
  }
}

/** Forgets this isolate's copies (tests, and an admin edit of the IdP). */
export function forgetIsolateJwks(): void {
  memory.clear();
  lastForcedRefetch.clear();
}

async function refresh(env: Env, idp: JwksSource, key: string, now: number): Promise<JSONWebKeySet> {
  const jwksUri = idp.jwksUri ?? (await discoverJwksUri(env, idp.issuer));
  const jwks = parseJwks(await fetchJson(env, jwksUri));
  const entry: CachedJwks = { jwks, fetchedAt: now };
  memory.set(key, entry);
  try {
    await env.CACHE.put(await kvKey(key), JSON.stringify(entry), { expirationTtl: JWKS_MAX_STALE_MS / 1000 });
  } catch (error) {
    log.warn('jwks cache write failed', { error: errorText(error) });
  }
  return jwks;
}

async function discoverJwksUri(env: Env, issuer: string): Promise<string> {
  const doc = await fetchJson(env, `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`);
  if (doc === null || typeof doc !== 'object') throw new Error('discovery document is not an object');
  const { issuer: advertised, jwks_uri: jwksUri } = doc as { issuer?: unknown; jwks_uri?: unknown };
  // OpenID Connect Discovery 1.0 §4.3: the document must name exactly the issuer it was fetched for.
  if (advertised !== issuer) throw new Error('discovery document names another issuer');
  if (typeof jwksUri !== 'string') throw new Error('discovery document has no jwks_uri');
  return jwksUri;
}

async function fetchJson(env: Env, url: string): Promise<unknown> {
  if (!isAllowedIssuerUrl(env, url)) throw new Error(`refusing to fetch a non-https URL: ${url}`);
  const response = await fetchWithOneRetry(url, AbortSignal.timeout(IDP_FETCH_TIMEOUT_MS));
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new Error(`${url} answered ${response.status}`);
  }
  const text = await readLimited(response, MAX_IDP_DOCUMENT_BYTES);
  return JSON.parse(text) as unknown;
}

/**
 * GET, retried once when the connection fails before any answer (fetch rejects without our
 * deadline having passed). Both attempts share one deadline, so the retry never extends the
 * budget; an HTTP answer of any status is never retried here.
 */
async function fetchWithOneRetry(url: string, deadline: AbortSignal): Promise<Response> {
  const attempt = () => fetch(url, { method: 'GET', headers: { accept: 'application/json' }, redirect: 'manual', signal: deadline });
  try {
    return await attempt();
  } catch (first) {
    if (deadline.aborted) throw first;
    try {
      return await attempt();
    } catch (second) {
      if (deadline.aborted) throw second;
      throw new IdpConnectionError(`${url}: ${second instanceof Error ? second.message : String(second)} (after a retry)`);
    }
  }
}

async function readLimited(response: Response, maxBytes: number): Promise<string> {
  if (Number(response.headers.get('content-length') ?? NaN) > maxBytes) {
    await response.body?.cancel();
    throw new Error(`document larger than ${maxBytes} bytes`);
  }
  const bytes = await readBoundedBytes(response.body, maxBytes);
  if (bytes === null) throw new Error(`document larger than ${maxBytes} bytes`);
  return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
}

function parseJwks(value: unknown): JSONWebKeySet {
  const keys = (value as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw new Error('JWKS has no keys array');
  const usable = keys.filter(
    (k): k is JSONWebKeySet['keys'][number] => k !== null && typeof k === 'object' && typeof k.kty === 'string' && (k.use === undefined || k.use === 'sig'),
  );
  return { keys: usable };
}

async function readKv(env: Env, key: string): Promise<CachedJwks | undefined> {
  try {
    const raw = await env.CACHE.get<CachedJwks>(await kvKey(key), 'json');
    if (raw && typeof raw.fetchedAt === 'number' && Array.isArray(raw.jwks?.keys)) return raw;
  } catch (error) {
    log.warn('jwks cache read failed', { error: errorText(error) });
  }
  return undefined;
}

/** The isolate's key for an IdP's set: the issuer and JWKS URI as they are (no digest per exchange). */
function cacheKey(idp: JwksSource): string {
  return `${idp.issuer}\n${idp.jwksUri ?? ''}`;
}

/** KV keys are bounded: a digest of the isolate key, computed only when KV is asked (a memory miss or a refresh). */
async function kvKey(key: string): Promise<string> {
  return KV_PREFIX + (await sha256Hex(key));
}

function communicationError(): StsError {
  return new StsError('IDPCommunicationError', "Couldn't retrieve verification key from your identity provider.");
}

function logFetchFailure(idp: JwksSource, error: unknown): void {
  log.warn('IdP key fetch failed', { issuer: idp.issuer, error: errorText(error) });
}
