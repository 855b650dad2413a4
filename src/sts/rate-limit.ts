import { errorText, log } from '../core/log';
import type { Env } from '../env';
import { StsError } from './errors';

/**
 * Per-client limit on /.sts (adrs/0014), with the Workers Rate Limiting binding STS_RATE_LIMITER
 * (`[[ratelimits]]` in wrangler.toml: the limit and its period live there). Every STS call is
 * counted, refused or not, before the body is read or anything is written: over the limit the
 * call is answered Throttling and costs no D1 write.
 *
 * The key is the salted hash of the client IP the STS audit already uses, so the limiter never
 * sees an address. The binding is optional: without it nothing is limited (logged once per
 * isolate). A call without a client address (only local tools omit cf-connecting-ip; Cloudflare
 * always sets it) is not limited either: there is no client to count it against.
 */

const DEFAULT_PERIOD_SECONDS = 60;
let warnedUnbound = false;

export async function enforceStsRateLimit(env: Env, clientIpHash: string | null): Promise<void> {
  const limiter = env.STS_RATE_LIMITER;
  if (!limiter) {
    if (!warnedUnbound) {
      warnedUnbound = true;
      log.warn('STS_RATE_LIMITER is not bound: /.sts calls are not rate-limited');
    }
    return;
  }
  if (clientIpHash === null) return;
  let allowed: boolean;
  try {
    ({ success: allowed } = await limiter.limit({ key: `sts/${clientIpHash}` }));
  } catch (error) {
    // Fail open: the limiter protects D1, it must not stop sign-ins when it is unavailable.
    log.warn('STS rate limiter failed', { error: errorText(error) });
    return;
  }
  if (!allowed) throw new StsError('Throttling', 'Rate exceeded', { retryAfterSeconds: retryAfterSeconds(env) });
}

/** The binding does not say when its window ends; its period (STS_RATE_LIMIT_PERIOD) bounds the wait. */
function retryAfterSeconds(env: Env): number {
  const period = Number(env.STS_RATE_LIMIT_PERIOD);
  return period === 10 || period === 60 ? period : DEFAULT_PERIOD_SECONDS;
}
