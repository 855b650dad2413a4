import { beforeAll, describe, expect, inject, it } from 'vitest';
import { runBackendContract } from './backend-contract';
import { webdavTarget } from './webdav-support';
import './provided';

let target: Awaited<ReturnType<typeof webdavTarget>>;
beforeAll(async () => {
  target = await webdavTarget(inject('nextcloudFake'), 'nextcloud');
});

describe('webdav (nextcloud flavor) → Nextcloud fake: probe', () => {
  it('finds dead properties, and no conditional writes (the fake applies If-None-Match but not the If header)', () => {
    expect([target.probed.conditionalWrites, target.probed.deadProperties]).toEqual([false, true]);
    expect(target.make('caps').capabilities.nativeMultipart).toBe(true);
  });
});

runBackendContract(
  'webdav (nextcloud flavor) → Nextcloud fake (chunked upload v2)',
  { make: (label) => target.make(label) },
  {
    skips: {
      checksums: 'the webdav driver does not store x-amz-checksum-*',
      'conditional-writes': 'the fake implements If-None-Match but not RFC 4918 If (the probe finds this), so conditional writes are refused before anything is sent',
      'multipart-list-parts': 'ListParts is served by the S3 layer from the D1 ledger; the driver offers no native listParts',
      'multipart-list-uploads': 'ListMultipartUploads is served by the S3 layer from the D1 ledger; the driver offers no native listUploads',
      copy: 'no server-side copy offered (serverSideCopy none): the S3 layer streams GET→PUT',
      'copy-pinned': 'no server-side copy offered (serverSideCopy none), so there is none to pin',
      'upload-part-copy': 'no server-side part copy (serverSideCopy none): the S3 layer streams the range into UploadPart',
      'upstream-faults': 'the shared fault cases assume S3 answers; the webdav driver\'s fault handling is tested in test/storage/webdav-faults.test.ts',
    },
  },
);
