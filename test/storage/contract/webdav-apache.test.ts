import { beforeAll, describe, expect, inject, it } from 'vitest';
import { runBackendContract } from './backend-contract';
import { webdavTarget } from './webdav-support';
import './provided';

let target: Awaited<ReturnType<typeof webdavTarget>>;
beforeAll(async () => {
  target = await webdavTarget(inject('apacheDav'));
});

describe('webdav → Apache mod_dav: probe', () => {
  it('finds conditional writes and dead properties (mod_dav_fs keeps them)', () => {
    expect([target.probed.conditionalWrites, target.probed.deadProperties]).toEqual([true, true]);
  });
});

runBackendContract(
  'webdav → Apache mod_dav',
  { make: (label) => target.make(label) },
  {
    skips: {
      checksums: 'the webdav driver does not store x-amz-checksum-* (not part of its dead property); the S3 layer answers checksum requests from its own verification',
      'multipart-list-parts': 'ListParts is served by the S3 layer from the D1 ledger (src/registry/multipart.ts); the driver offers no native listParts',
      'multipart-list-uploads': 'ListMultipartUploads is served by the S3 layer from the D1 ledger; the driver offers no native listUploads',
      copy: 'no server-side copy offered (serverSideCopy none): the S3 layer streams GET→PUT (src/s3/copy-engine.ts); WebDAV COPY would not carry the S3 metadata semantics',
      'copy-pinned': 'no server-side copy offered (serverSideCopy none), so there is none to pin',
      'upload-part-copy': 'no server-side part copy (serverSideCopy none): the S3 layer streams the range into UploadPart',
      'upstream-faults': 'the shared fault cases assume S3 answers (an S3 SlowDown code in a 503 body, one request per PUT); the webdav driver reads statuses only and makes parents with MKCOL first — its fault handling is tested in test/storage/webdav-faults.test.ts',
    },
  },
);
