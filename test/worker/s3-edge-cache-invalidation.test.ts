import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  PutBucketAclCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { anonymousGet, CACHE, publicObject, untilHit } from './helpers/edge-cache';
import { errorCode } from './helpers/s3-client';

/**
 * Every write that changes what an anonymous GET of a cached key would answer drops this colo's
 * entry (the `edgeCache` column of src/s3/operations.ts), so the next GET is a miss with the new
 * answer rather than the cached bytes.
 */
describe('edge-cache invalidation through the operations table', () => {
  it('DeleteObjects drops the entry of every key it deletes', async () => {
    const { bucket, path, s3 } = await publicObject('eci-delete-many', 60);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'other.txt', Body: 'other bytes', ContentType: 'text/plain' }));
    await (await untilHit(path)).body?.cancel();
    await (await untilHit(`/${bucket}/other.txt`)).body?.cancel();

    const result = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: 'obj.txt' }, { Key: 'other.txt' }] } }));
    expect(result.Deleted?.map((d) => d.Key).sort()).toEqual(['obj.txt', 'other.txt']);

    for (const gone of [path, `/${bucket}/other.txt`]) {
      const r = await anonymousGet(gone);
      expect(r.status).toBe(404);
      expect(r.headers.get(CACHE)).toBeNull();
      expect(await errorCode(r)).toBe('NoSuchKey');
    }
  });

  it('CopyObject onto a cached key drops its entry', async () => {
    const { bucket, path, s3 } = await publicObject('eci-copy', 60);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'source.txt', Body: 'copied bytes', ContentType: 'text/plain' }));
    await (await untilHit(path)).body?.cancel();
    await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'obj.txt', CopySource: `${bucket}/source.txt` }));
    const r = await anonymousGet(path);
    expect(r.headers.get(CACHE)).toBe('miss');
    expect(await r.text()).toBe('copied bytes');
  });

  it('CompleteMultipartUpload onto a cached key drops its entry', async () => {
    const { bucket, path, s3 } = await publicObject('eci-mpu', 60);
    await (await untilHit(path)).body?.cancel();
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'obj.txt', ContentType: 'text/plain' }));
    const part = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'obj.txt', UploadId, PartNumber: 1, Body: 'assembled bytes' }));
    await s3.send(
      new CompleteMultipartUploadCommand({ Bucket: bucket, Key: 'obj.txt', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }),
    );
    const r = await anonymousGet(path);
    expect(r.headers.get(CACHE)).toBe('miss');
    expect(await r.text()).toBe('assembled bytes');
  });

  it('PutBucketAcl private ends anonymous reads at once; public-read again starts from a fresh entry', async () => {
    const { bucket, path, s3 } = await publicObject('eci-bucket-acl', 60);
    await (await untilHit(path)).body?.cancel();
    await s3.send(new PutBucketAclCommand({ Bucket: bucket, ACL: 'private' }));
    const refused = await anonymousGet(path);
    expect(refused.status).toBe(403);
    expect(refused.headers.get(CACHE)).toBeNull();
    expect(await errorCode(refused)).toBe('AccessDenied');

    await s3.send(new PutBucketAclCommand({ Bucket: bucket, ACL: 'public-read' }));
    const again = await anonymousGet(path);
    expect(again.status).toBe(200);
    expect(again.headers.get(CACHE)).toBe('miss');
    expect(await again.text()).toBe('cached bytes 0123456789');
  });
});
