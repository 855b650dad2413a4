import type { Principal } from '../auth/principal';
import type { Env } from '../env';
import { errorText, log } from '../core/log';
import { S3Error } from '../core/s3-error';
import type { BucketConfig } from '../registry/schemas';

/**
 * Per-caller S3 request limit (adrs/0024) with the Workers Rate Limiting binding S3_RATE_LIMITER
 * (`[[ratelimits]]` in wrangler.toml holds the limit L per period). Callers are counted apart: an
 * access key or STS session by its access key id, an anonymous request by the salted hash of its
 * client address (the STS audit's hash: the limiter never sees an address). Over the limit the
 * request is answered 503 SlowDown with Retry-After, before its body is read or storage is called.
 *
 * A bucket's `limits.requestsPerMinute` R is counted under its own key (bucket × caller), each
 * request weighing ceil(L / R-per-period) units, so that bucket allows about R a minute per caller
 * although the binding has one fixed limit. R can only lower the deployment's limit, and the
 * weight is capped (MAX_WEIGHT), so the lowest enforceable override is about L / MAX_WEIGHT per
 * period. The binding's counts are per location and approximate (Cloudflare's documentation).
 *
 * Unbound: nothing is limited. A failing limiter fails open (logged): the limit protects the
 * gateway, it must not take it down. An anonymous request without CF-Connecting-IP (local tools
 * only) is not limited: there is no client to count it against.
 */

const DEFAULT_PERIOD_SECONDS = 60;
/** The most units one request may weigh: bounds the limiter calls a request makes. */
export const MAX_WEIGHT = 64;

/** SlowDown, and how long the client should wait. */
export class SlowDownError extends S3Error {
  constructor(readonly retryAfterSeconds: number) {
    super('SlowDown', 'Please reduce your request rate.');
  }
}

export async function enforceS3RateLimit(
  env: Env,
  principal: Principal,
  bucket: BucketConfig | undefined,
  clientHash: () => Promise<string | null>,
): Promise<void> {
  const limiter = env.S3_RATE_LIMITER;
  if (!limiter) return; // the lifecycle skips the call altogether when unbound
  const caller = principal.kind === 'anonymous' ? await anonymousCaller(clientHash) : principal.accessKeyId;
  if (caller === null) return;
  const period = periodSeconds(env);
  const perMinute = bucket?.limits.requestsPerMinute;
  const weight = perMinute === undefined ? 1 : weightOf(perMinute, Number(env.S3_RATE_LIMIT), period);
  const key = perMinute === undefined ? `s3/${caller}` : `s3/${bucket!.name}/${caller}`;
  let allowed: boolean;
  try {
    if (weight === 1) allowed = (await limiter.limit({ key })).success;
    else allowed = (await Promise.all(Array.from({ length: weight }, () => limiter.limit({ key })))).every((o) => o.success);
  } catch (error) {
    log.warn('S3 rate limiter failed', { error: errorText(error) });
    return;
  }
  if (!allowed) throw new SlowDownError(period);
}

async function anonymousCaller(clientHash: () => Promise<string | null>): Promise<string | null> {
  const hash = await clientHash();
  return hash === null ? null : `anon/${hash}`;
}

/**
 * Units per request so that a binding of `limit` per `period` seconds admits about `perMinute`
 * a minute: 1 when the binding's own limit is already that low or unknown.
 */
export function weightOf(perMinute: number, limit: number, period: number): number {
  if (!Number.isSafeInteger(limit) || limit <= 0) return 1;
  const perPeriod = (perMinute * period) / 60;
  return Math.min(MAX_WEIGHT, Math.max(1, Math.ceil(limit / perPeriod)));
}

function periodSeconds(env: Env): number {
  const period = Number(env.S3_RATE_LIMIT_PERIOD);
  return period === 10 || period === 60 ? period : DEFAULT_PERIOD_SECONDS;
}
