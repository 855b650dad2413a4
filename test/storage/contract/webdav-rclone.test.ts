import { beforeAll, describe, expect, inject, it } from 'vitest';
import { md5Hex, noMetadata, pattern, storageFailure, stream } from './support';
import { runBackendContract } from './backend-contract';
import { webdavTarget } from './webdav-support';
import './provided';

let target: Awaited<ReturnType<typeof webdavTarget>>;
beforeAll(async () => {
  target = await webdavTarget(inject('rcloneWebDav'));
});

describe('webdav → rclone serve webdav: probe', () => {
  it('finds neither conditional writes nor dead properties (rclone ignores If-None-Match and refuses PROPPATCH with 403)', () => {
    expect([target.probed.conditionalWrites, target.probed.deadProperties]).toEqual([false, false]);
  });
});

runBackendContract(
  'webdav → rclone serve webdav',
  { make: (label) => target.make(label) },
  {
    skips: {
      metadata: 'rclone keeps no dead properties (PROPPATCH answers 403 per property), so user and HTTP metadata cannot be stored; the probe declares userMetadata false',
      'encoded-bytes': 'needs Content-Encoding kept as metadata, which rclone cannot store (no dead properties)',
      checksums: 'the webdav driver does not store x-amz-checksum-*',
      'conditional-writes': 'rclone serve webdav ignores If-Match / If-None-Match on PUT (the probe finds this), so conditional writes are refused with 501 before anything is sent',
      multipart: 'the case checks the metadata given at CreateMultipartUpload, which rclone cannot store (no dead properties); assembly without metadata is checked below',
      'put-fails-midway': 'rclone serve webdav writes the file in place as bytes arrive, so a PUT cut off midway truncates it; Apache mod_dav_fs writes to a temporary file and renames (that runner passes this case)',
      'multipart-etag': 'without dead properties the ETag is the server getetag — rclone --etag-hash MD5 gives the MD5 of the whole object, not md5-of-part-md5s "-N" (md5ETags is declared false)',
      'multipart-list-parts': 'ListParts is served by the S3 layer from the D1 ledger; the driver offers no native listParts',
      'multipart-list-uploads': 'ListMultipartUploads is served by the S3 layer from the D1 ledger; the driver offers no native listUploads',
      copy: 'no server-side copy offered (serverSideCopy none): the S3 layer streams GET→PUT',
      'copy-pinned': 'no server-side copy offered (serverSideCopy none), so there is none to pin',
      'upload-part-copy': 'no server-side part copy (serverSideCopy none): the S3 layer streams the range into UploadPart',
      'upstream-faults': 'the shared fault cases assume S3 answers; the webdav driver\'s fault handling is tested in test/storage/webdav-faults.test.ts',
    },
  },
);

describe('webdav → rclone serve webdav: multipart without metadata', () => {
  it('assembles staged parts into one object, leaving no staging area in listings', async () => {
    const b = target.make('mpu-plain');
    const id = await b.createMultipart('big', noMetadata);
    const one = pattern(5 * 1024 * 1024, 1);
    const two = pattern(1000, 2);
    const p1 = await b.uploadPart('big', id, 1, stream(one), one.byteLength);
    const p2 = await b.uploadPart('big', id, 2, stream(two), two.byteLength);
    expect(p1.etag).toBe(await md5Hex(one));
    const info = await b.completeMultipart('big', id, [{ partNumber: 1, etag: p1.etag }, { partNumber: 2, etag: p2.etag }]);
    expect(info.size).toBe(one.byteLength + two.byteLength);
    const all = new Uint8Array(await new Response((await b.get('big'))!.body).arrayBuffer());
    expect(await md5Hex(all)).toBe(await md5Hex(new Uint8Array([...one, ...two])));
    expect((await b.list({ prefix: '', maxKeys: 10 })).objects.map((o) => o.key)).toEqual(['big']);
    // Completed: the upload id is gone.
    expect((await storageFailure(b.abortMultipart('big', id))).kind).toBe('no-such-upload');
  }, 120_000);
});
