import { describe, expect, it } from 'vitest';
import { multipartEtag } from '../../src/storage/emulate/multipart-staging';
import { bytes, md5Hex, noMetadata, read, storageFailure, stream } from './contract/support';
import { countedApacheCollection } from './counted-apache';

/**
 * Multipart staging on WebDAV (adrs/0022), counted: Apache behind the counting proxy
 * (test/storage/upstreams/counting-proxy.ts), each test under its own base collection so only its
 * own requests are counted. A part's record has a name fixed by its part number, so UploadPart
 * lists nothing (it used to PROPFIND the upload's collection once per part: O(n²) over an upload).
 */
/** A backend whose base collection is fresh; `requests()` counts (and forgets) what it sent, by method. */
async function isolated(label: string) {
  const { backend, requests, directUrl, authorization } = await countedApacheCollection(label);
  const stagingStatus = async (uploadId: string) => {
    const response = await fetch(`${directUrl}.bucketgate-uploads/${uploadId}/`, { method: 'PROPFIND', headers: { authorization, depth: '1' } });
    await response.body?.cancel();
    return response.status;
  };
  return { backend, requests, stagingStatus };
}

describe('webdav multipart staging: part records named by part number', () => {
  it('UploadPart lists nothing; a re-uploaded part replaces the earlier one; Complete assembles in order and leaves nothing', async () => {
    const { backend, requests, stagingStatus } = await isolated('parts');
    const id = await backend.createMultipart('obj', noMetadata);
    await requests();
    const etags: string[] = [];
    for (let n = 1; n <= 6; n++) etags.push((await backend.uploadPart('obj', id, n, stream(`part ${n};`), 7)).etag);
    const replaced = etags[2]!;
    etags[2] = (await backend.uploadPart('obj', id, 3, stream('PART 3 again;'), 13)).etag;
    const counted = await requests();
    // Seven uploads: no PROPFIND (no listing, no collection check: MKCOL answered 201/405).
    expect(counted.PROPFIND ?? 0).toBe(0);
    expect(counted.PUT).toBe(7);

    // The replaced part's ETag no longer names a part: InvalidPart, and nothing is written.
    const stale = await storageFailure(backend.completeMultipart('obj', id, [1, 2, 3].map((n, i) => ({ partNumber: n, etag: i === 2 ? replaced : etags[i]! }))));
    expect(stale.kind).toBe('invalid-part');
    expect(await backend.head('obj')).toBeNull();
    // Out of order: InvalidPartOrder.
    expect((await storageFailure(backend.completeMultipart('obj', id, [{ partNumber: 2, etag: etags[1]! }, { partNumber: 1, etag: etags[0]! }]))).kind).toBe('invalid-part-order');

    const info = await backend.completeMultipart('obj', id, etags.map((etag, i) => ({ partNumber: i + 1, etag })));
    const expected = ['part 1;', 'part 2;', 'PART 3 again;', 'part 4;', 'part 5;', 'part 6;'].join('');
    expect(await read(backend, 'obj')).toBe(expected);
    expect(info.etag).toBe(await multipartEtag(etags));
    expect(info.size).toBe(bytes(expected).byteLength);
    expect(await stagingStatus(id)).toBe(404);
  });

  it('a part number never uploaded is InvalidPart', async () => {
    const { backend } = await isolated('missing');
    const id = await backend.createMultipart('obj', noMetadata);
    const one = await backend.uploadPart('obj', id, 1, stream('one'), 3);
    const failure = await storageFailure(backend.completeMultipart('obj', id, [{ partNumber: 1, etag: one.etag }, { partNumber: 2, etag: await md5Hex(bytes('two')) }]));
    expect(failure.kind).toBe('invalid-part');
    expect(await backend.head('obj')).toBeNull();
    await backend.abortMultipart('obj', id);
  });

  it('abort leaves nothing of the upload behind', async () => {
    const { backend, stagingStatus } = await isolated('abort');
    const id = await backend.createMultipart('obj', noMetadata);
    await backend.uploadPart('obj', id, 1, stream('one'), 3);
    await backend.uploadPart('obj', id, 1, stream('one again'), 9);
    expect(await stagingStatus(id)).toBe(207);
    await backend.abortMultipart('obj', id);
    expect(await stagingStatus(id)).toBe(404);
    expect((await storageFailure(backend.uploadPart('obj', id, 2, stream('x'), 1))).kind).toBe('no-such-upload');
  });
});
