import { openBackend } from '../connections/open-backend';
import { log } from '../core/log';
import type { Env } from '../env';
import { getBucket } from '../registry/buckets';
import { deleteUpload } from '../registry/multipart';
import { isStorageError } from '../storage/errors';

/** Uploads older than this are aborted by the scheduled handler unless STALE_UPLOAD_MAX_AGE_HOURS says otherwise. */
export const DEFAULT_STALE_UPLOAD_HOURS = 7 * 24;
/** Per run: a cron run is bounded in time, and the next run continues with what is left. */
const BATCH = 100;

/**
 * Aborts multipart uploads started longer ago than the configured age, on whatever backend each
 * bucket has: the backend's abort (R2, S3 upstream, the WebDAV staging area) and then the D1 ledger
 * record. An upload the backend already forgot is removed from the ledger all the same. Run by the
 * Worker's `scheduled` handler (wrangler.toml `[triggers] crons`); S3's own equivalent is the
 * AbortIncompleteMultipartUpload lifecycle rule, which this deployment applies to every bucket.
 */
export async function abortStaleUploads(env: Env, now: Date): Promise<{ aborted: number; failed: number }> {
  const hours = Number(env.STALE_UPLOAD_MAX_AGE_HOURS ?? DEFAULT_STALE_UPLOAD_HOURS);
  if (!Number.isFinite(hours) || hours <= 0) return { aborted: 0, failed: 0 };
  const cutoff = new Date(now.getTime() - hours * 3600_000).toISOString();
  const { results } = await env.DB.prepare('SELECT bucket, upload_id, key FROM multipart_uploads WHERE initiated_at < ? ORDER BY initiated_at LIMIT ?')
    .bind(cutoff, BATCH)
    .all<{ bucket: string; upload_id: string; key: string }>();
  let aborted = 0;
  let failed = 0;
  for (const upload of results) {
    try {
      const bucket = await getBucket(env, upload.bucket);
      if (bucket) {
        const backend = await openBackend(env, bucket.backend, bucket.name);
        await backend.abortMultipart(upload.key, upload.upload_id).catch((error: unknown) => {
          if (!isStorageError(error, 'no-such-upload')) throw error;
        });
      }
      await deleteUpload(env, upload.bucket, upload.upload_id);
      aborted++;
    } catch (error) {
      // Left in the ledger: the next run tries again.
      failed++;
      log.warn('stale upload not aborted', { bucket: upload.bucket, error: error instanceof Error ? error.name : 'unknown' });
    }
  }
  if (aborted + failed > 0) log.info('stale uploads', { aborted, failed });
  return { aborted, failed };
}
