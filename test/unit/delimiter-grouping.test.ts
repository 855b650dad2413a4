import { describe, expect, it } from 'vitest';
import type { Backend, Capabilities, ListPage, ListQuery, ObjectInfo } from '../../src/storage/backend';
import { listPage } from '../../src/storage/emulate/list-grouping';

/**
 * capabilities.nativeDelimiter decides who groups by delimiter: a store that lists only flat gets
 * flat queries and the S3 layer's emulation groups (src/storage/emulate/delimiter-grouping.ts).
 */

const KEYS = ['a.txt', 'dir/1', 'dir/2', 'dir/sub/3', 'e.txt', 'photos/2024/x.jpg', 'photos/y.jpg', 'z'];

/** An in-memory store listing flat, `pageSize` keys at a time; it records every query it gets. */
function flatStore(nativeDelimiter: boolean, pageSize = 2) {
  const queries: ListQuery[] = [];
  const object = (key: string): ObjectInfo => ({ key, size: 1, etag: 'e', lastModified: new Date(0), metadata: { user: {} } });
  const backend = {
    capabilities: { nativeDelimiter } as Capabilities,
    async list(query: ListQuery): Promise<ListPage> {
      queries.push(query);
      if (query.delimiter) throw new Error('a flat store was asked to group');
      const after = query.cursor ?? query.startAfter;
      const matching = KEYS.filter((k) => k.startsWith(query.prefix) && (after === undefined || k > after));
      const page = matching.slice(0, Math.min(pageSize, query.maxKeys));
      const truncated = matching.length > page.length;
      return { objects: page.map(object), commonPrefixes: [], truncated, ...(truncated ? { cursor: page.at(-1)! } : {}) };
    },
  } as unknown as Backend;
  return { backend, queries };
}

const names = (page: ListPage) => ({ keys: page.objects.map((o) => o.key), prefixes: page.commonPrefixes, truncated: page.truncated });

describe('delimiter grouping over a flat store (nativeDelimiter: false)', () => {
  it('groups keys into common prefixes, each once, in key order', async () => {
    const { backend } = flatStore(false);
    expect(names(await listPage(backend, { prefix: '', delimiter: '/', maxKeys: 1000 }))).toEqual({ keys: ['a.txt', 'e.txt', 'z'], prefixes: ['dir/', 'photos/'], truncated: false });
    expect(names(await listPage(backend, { prefix: 'photos/', delimiter: '/', maxKeys: 1000 }))).toEqual({ keys: ['photos/y.jpg'], prefixes: ['photos/2024/'], truncated: false });
  });

  it('skips a whole group with one listing past it, rather than reading its keys', async () => {
    const { backend, queries } = flatStore(false);
    await listPage(backend, { prefix: '', delimiter: '/', maxKeys: 1000 });
    expect(queries.map((q) => q.startAfter ?? q.cursor ?? null)).toEqual([null, 'dir/\u{10FFFF}', 'photos/\u{10FFFF}']);
  });

  it('pages by max-keys over keys and prefixes together; each cursor continues after the last name, a group as a whole', async () => {
    const { backend } = flatStore(false);
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 10; i++) {
      const page = await listPage(backend, { prefix: '', delimiter: '/', maxKeys: 2, ...(cursor ? { cursor } : {}) });
      seen.push(...page.objects.map((o) => o.key), ...page.commonPrefixes);
      expect(page.objects.length + page.commonPrefixes.length).toBeLessThanOrEqual(2);
      if (!page.truncated) break;
      cursor = page.cursor;
    }
    expect(seen.sort()).toEqual(['a.txt', 'dir/', 'e.txt', 'photos/', 'z']);
  });

  it('continues a V1 listing from a common prefix marker past that group', async () => {
    const { backend } = flatStore(false);
    expect(names(await listPage(backend, { prefix: '', delimiter: '/', maxKeys: 1000, startAfter: 'dir/' }))).toEqual({ keys: ['e.txt', 'z'], prefixes: ['photos/'], truncated: false });
  });

  it('leaves grouping to a store that declares nativeDelimiter', async () => {
    const { backend, queries } = flatStore(true);
    await expect(listPage(backend, { prefix: '', delimiter: '/', maxKeys: 10 })).rejects.toThrow('a flat store was asked to group');
    expect(queries[0]?.delimiter).toBe('/');
  });
});
