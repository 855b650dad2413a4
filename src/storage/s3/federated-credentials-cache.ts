import type { FederatedCredentials } from './federated-credentials';

/**
 * Upstream credentials from federation, kept in isolate memory until shortly before they expire
 * (adrs/0020). Only plain values are stored, never a Promise: workerd cancels a request that
 * awaits I/O another request started, so an in-flight exchange cannot be shared. "Single-flight"
 * is therefore by value: the request that finds the credentials due for refresh takes a lease (a
 * timestamp) and exchanges; requests arriving meanwhile see the lease and keep using the current,
 * still valid credentials instead of exchanging too. Only when nothing usable is cached (first use,
 * or every refresh failed until expiry) do concurrent requests each exchange, and the last answer
 * wins — every one of them is valid.
 */

/** Refresh this long before expiry (or at half the lifetime, for short sessions). */
export const REFRESH_AHEAD_MS = 5 * 60_000;
/** Never hand out credentials with less life than this left: a request signed now must still verify upstream. */
export const MIN_REMAINING_MS = 60_000;
/** How long a refresh lease holds back other requests' refreshes (an exchange's timeout plus slack). */
export const REFRESH_LEASE_MS = 15_000;

/** Anything short-lived an exchange yields: S3 session credentials, an Azure AD access token. */
interface Expiring {
  expiresAt: Date;
}

interface Entry<T extends Expiring = Expiring> {
  credentials: T;
  refreshAt: number;
  /** While in the future, another request is refreshing: use `credentials` as they are. */
  leaseUntil: number;
}

const entries = new Map<string, Entry>();

export interface CacheKey {
  connectionId: string;
  /** The principal exchanged for: an IAM role ARN, or an Azure AD client id at its token endpoint. */
  roleArn: string;
}

function keyOf(key: CacheKey): string {
  return `${key.connectionId}\n${key.roleArn}`;
}

function usable<T extends Expiring>(entry: Entry<T> | undefined, now: number): entry is Entry<T> {
  return entry !== undefined && entry.credentials.expiresAt.getTime() - now > MIN_REMAINING_MS;
}

/**
 * The cached credentials for `key`, exchanging (through `exchange`, called at most once per call)
 * when none are cached or they are due for refresh. A failed refresh while the cached ones are
 * still usable is logged by the caller's `onRefreshFailure` and the cached ones are returned.
 */
export async function cachedFederatedCredentials<T extends Expiring = FederatedCredentials>(
  key: CacheKey,
  exchange: () => Promise<T>,
  options: { now?: () => number; onRefreshFailure?: (error: unknown) => void } = {},
): Promise<T> {
  const now = options.now ?? Date.now;
  const id = keyOf(key);
  // One map for every kind of exchange; the key names the principal, so an entry only ever holds what its exchange returns.
  const entry = entries.get(id) as Entry<T> | undefined;
  const at = now();
  if (usable(entry, at) && (at < entry.refreshAt || at < entry.leaseUntil)) return entry.credentials;
  if (usable(entry, at)) {
    entry.leaseUntil = at + REFRESH_LEASE_MS;
    try {
      return store(id, await exchange(), now());
    } catch (error) {
      options.onRefreshFailure?.(error);
      // Keep the lease until it lapses: a failing upstream STS is not asked again by every request.
      if (usable(entry, now())) return entry.credentials;
      throw error;
    }
  }
  return store(id, await exchange(), now());
}

function store<T extends Expiring>(id: string, credentials: T, at: number): T {
  const expires = credentials.expiresAt.getTime();
  const lifetime = Math.max(0, expires - at);
  const refreshAt = expires - Math.min(REFRESH_AHEAD_MS, lifetime / 2);
  entries.set(id, { credentials, refreshAt, leaseUntil: 0 });
  return credentials;
}

/** Drops cached credentials: one connection's (its credentials or role changed), or all (tests). */
export function forgetFederatedCredentials(connectionId?: string): void {
  if (connectionId === undefined) {
    entries.clear();
    return;
  }
  for (const id of [...entries.keys()]) if (id.startsWith(`${connectionId}\n`)) entries.delete(id);
}
