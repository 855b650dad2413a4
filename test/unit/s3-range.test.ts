import { describe, expect, it } from 'vitest';
import { contentRange, parseRangeHeader } from '../../src/s3/range';
import { resolveRange } from '../../src/storage/emulate/range';

describe('parseRangeHeader', () => {
  it.each([
    ['bytes=0-9', { offset: 0, length: 10 }],
    ['bytes=5-', { offset: 5 }],
    ['bytes=-3', { suffix: 3 }],
    ['bytes = 2 - 4', { offset: 2, length: 3 }],
    ['BYTES=1-1', { offset: 1, length: 1 }],
    ['bytes=-0', { suffix: 0 }],
  ])('%s → %j', (header, expected) => {
    expect(parseRangeHeader(header)).toEqual(expected);
  });

  it.each([
    ['absent', null],
    ['several ranges (S3 serves the whole object)', 'bytes=0-1,4-5'],
    ['another unit', 'items=0-1'],
    ['last before first', 'bytes=5-2'],
    ['no positions', 'bytes=-'],
    ['garbage', 'bytes=a-b'],
    ['negative', 'bytes=-1-2'],
  ])('ignores %s', (_label, header) => {
    expect(parseRangeHeader(header)).toBeUndefined();
  });

  it('saturates positions beyond 2^53 instead of losing precision', () => {
    expect(parseRangeHeader('bytes=99999999999999999999-')).toEqual({ offset: Number.MAX_SAFE_INTEGER });
  });
});

describe('resolveRange', () => {
  it.each([
    [{ offset: 0, length: 10 }, 100, { offset: 0, length: 10 }],
    [{ offset: 95, length: 10 }, 100, { offset: 95, length: 5 }],
    [{ offset: 40 }, 100, { offset: 40, length: 60 }],
    [{ suffix: 10 }, 100, { offset: 90, length: 10 }],
    [{ suffix: 500 }, 100, { offset: 0, length: 100 }],
    [{ offset: 99 }, 100, { offset: 99, length: 1 }],
  ])('%j of %d bytes → %j', (range, size, expected) => {
    expect(resolveRange(range, size)).toEqual(expected);
  });

  it.each([
    [{ offset: 100 }, 100],
    [{ offset: 500, length: 1 }, 100],
    [{ suffix: 0 }, 100],
    [{ suffix: 5 }, 0],
    [{ offset: 0 }, 0],
  ])('%j of %d bytes is unsatisfiable', (range, size) => {
    expect(resolveRange(range, size)).toBeNull();
  });

  it('formats Content-Range', () => {
    expect(contentRange({ offset: 90, length: 10 }, 100)).toBe('bytes 90-99/100');
  });
});
