import { describe, expect, it } from 'vitest';
import { ListingCache } from '../../src/storage/webdav/listing-cache';
import type { DavEntry } from '../../src/storage/webdav/multistatus';

const URL = 'https://dav.example/base/dir/';

describe('ListingCache and writes racing a listing', () => {
  it('answers a listing that was loading while a write forgot its collection, but does not keep it', async () => {
    const cache = new ListingCache(`conn-${crypto.randomUUID()}`, 60_000);
    let loads = 0;
    let release!: (entries: DavEntry[]) => void;
    const stale = cache.members(URL, () => {
      loads++;
      return new Promise<DavEntry[]>((resolve) => (release = resolve));
    });
    cache.forget([URL]);
    release([]);
    expect(await stale).toEqual([]);
    await cache.members(URL, async () => {
      loads++;
      return [];
    });
    expect(loads).toBe(2);
  });

  it('keeps a listing no write interrupted', async () => {
    const cache = new ListingCache(`conn-${crypto.randomUUID()}`, 60_000);
    let loads = 0;
    const load = async () => {
      loads++;
      return [] as DavEntry[];
    };
    await cache.members(URL, load);
    await cache.members(URL, load);
    expect(loads).toBe(1);
  });
});
