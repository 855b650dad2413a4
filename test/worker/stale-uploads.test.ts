import { CreateMultipartUploadCommand, ListMultipartUploadsCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { abortStaleUploads } from '../../src/s3/stale-uploads';
import { bucketWithClient } from './helpers/fixtures';
import { sdkError } from './helpers/s3-client';

/** The scheduled handler's work: uploads older than the configured age are aborted, in the store and the ledger. */
describe('stale multipart uploads', () => {
  it('aborts uploads older than the age, leaves younger ones, and the aborted id is then unknown', async () => {
    const { bucket, s3 } = await bucketWithClient('stale');
    const old = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'old' }));
    await s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'old', UploadId: old.UploadId, PartNumber: 1, Body: 'part' }));
    const young = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'young' }));
    const eightDaysAgo = new Date(Date.now() - 8 * 24 * 3600_000).toISOString();
    await env.DB.prepare('UPDATE multipart_uploads SET initiated_at = ? WHERE bucket = ? AND upload_id = ?').bind(eightDaysAgo, bucket, old.UploadId).run();

    // Turned off: nothing happens.
    expect(await abortStaleUploads({ ...env, STALE_UPLOAD_MAX_AGE_HOURS: '0' }, new Date())).toEqual({ aborted: 0, failed: 0 });
    expect((await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads?.map((u) => u.Key).sort()).toEqual(['old', 'young']);

    const result = await abortStaleUploads(env, new Date());
    expect(result.aborted).toBeGreaterThanOrEqual(1);
    expect(result.failed).toBe(0);
    const left = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    expect(left.Uploads?.map((u) => [u.Key, u.UploadId])).toEqual([['young', young.UploadId]]);
    const refused = await sdkError(s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'old', UploadId: old.UploadId, PartNumber: 2, Body: 'more' })));
    expect(refused.code).toBe('NoSuchUpload');
    // The store's own upload is gone too: R2 refuses a part for an aborted upload.
    const row = await env.DB.prepare('SELECT backend FROM buckets WHERE name = ?').bind(bucket).first<{ backend: string }>();
    const backend = JSON.parse(row!.backend) as { binding?: string; prefix?: string };
    const r2 = (env as unknown as Record<string, R2Bucket>)[backend.binding ?? 'STORAGE']!;
    const prefix = backend.prefix ?? '';
    // (The same call on the young upload works: the refusal is the abort's doing, not the addressing.)
    await expect(r2.resumeMultipartUpload(`${prefix}young`, young.UploadId!).uploadPart(1, 'y')).resolves.toBeDefined();
    await expect(r2.resumeMultipartUpload(`${prefix}old`, old.UploadId!).uploadPart(3, 'x')).rejects.toThrow();
  });
});
