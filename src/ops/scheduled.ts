import type { Env } from '../env';
import { errorText, log } from '../core/log';
import { abortStaleUploads } from '../s3/stale-uploads';
import { pruneExpired } from './retention';

/**
 * The cron's work (wrangler.toml [triggers], hourly): abort multipart uploads nobody completed or
 * aborted, and prune audit, STS failure counts and usage past their retention. Each task runs
 * whatever the other's outcome: a failing upstream must not keep the audit log growing.
 */
export async function runScheduledTasks(env: Env, now: Date): Promise<void> {
  const outcomes = await Promise.allSettled([abortStaleUploads(env, now), pruneExpired(env, now)]);
  for (const [index, outcome] of outcomes.entries()) {
    if (outcome.status === 'rejected') log.error('scheduled task failed', { task: index === 0 ? 'stale-uploads' : 'retention', error: errorText(outcome.reason) });
  }
}
