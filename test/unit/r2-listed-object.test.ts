import { describe, expect, it } from 'vitest';
import { listedObjectFromR2 } from '../../src/storage/r2/metadata';

describe('listedObjectFromR2', () => {
  it('takes a list entry\'s own fields and never reads its metadata getters (each crosses into the runtime)', () => {
    const uploaded = new Date('2026-11-28T12:00:00Z');
    const entry = {
      key: 'base/a.txt', size: 12, etag: 'abc', uploaded,
      get httpMetadata(): never { throw new Error('httpMetadata read'); },
      get customMetadata(): never { throw new Error('customMetadata read'); },
      get checksums(): never { throw new Error('checksums read'); },
    } as unknown as R2Object;
    expect(listedObjectFromR2(entry, 'a.txt')).toEqual({ key: 'a.txt', size: 12, etag: 'abc', lastModified: uploaded });
  });
});
