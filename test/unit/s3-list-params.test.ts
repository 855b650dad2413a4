import { describe, expect, it } from 'vitest';
import { globCanMatchPrefix } from '../../src/auth/policy';
import { compareNames, decodeContinuationToken, encodeContinuationToken, nameEncoder, parseMaxEntries, s3UrlEncode } from '../../src/s3/list-params';

function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

describe('s3UrlEncode', () => {
  it.each([
    ['plain/key-1_2.~txt', 'plain/key-1_2.~txt'],
    ['a b', 'a%20b'],
    ['a+b', 'a%2Bb'],
    ['100%', '100%25'],
    ['é', '%C3%A9'],
    ['😀', '%F0%9F%98%80'],
    ['a&b<c>', 'a%26b%3Cc%3E'],
  ])('%s → %s', (name, encoded) => {
    expect(s3UrlEncode(name)).toBe(encoded);
  });

  it('round-trips through decodeURIComponent', () => {
    const name = 'dir/ sp+ce %20 é😀 &?#';
    expect(decodeURIComponent(s3UrlEncode(name))).toBe(name);
  });
});

describe('nameEncoder', () => {
  it('accepts only encoding-type=url', () => {
    expect(nameEncoder(new URLSearchParams()).encodingType).toBeUndefined();
    expect(nameEncoder(new URLSearchParams('encoding-type=url')).encode('a b')).toBe('a%20b');
    expect(code(() => nameEncoder(new URLSearchParams('encoding-type=base64')))).toBe('InvalidArgument');
  });
});

describe('parseMaxEntries', () => {
  const parse = (q: string) => parseMaxEntries(new URLSearchParams(q), 'max-keys');
  it('defaults to 1000 and clamps above it', () => {
    expect(parse('')).toBe(1000);
    expect(parse('max-keys=0')).toBe(0);
    expect(parse('max-keys=7')).toBe(7);
    expect(parse('max-keys=5000')).toBe(1000);
  });
  it.each(['-1', 'abc', '1.5', '', '0x10'])('refuses max-keys=%s', (value) => {
    expect(code(() => parse(`max-keys=${value}`))).toBe('InvalidArgument');
  });
});

describe('continuation tokens', () => {
  it('round-trip a cursor', () => {
    const cursor = 'buckets/x/é some cursor';
    expect(decodeContinuationToken(encodeContinuationToken(cursor))).toBe(cursor);
  });
  it.each(['', '!!!not-base64', btoa('no-prefix'), btoa('bg1:'), btoa('\xff\xfe')])('refuses %j', (token) => {
    expect(code(() => decodeContinuationToken(token))).toBe('InvalidArgument');
  });
});

describe('compareNames', () => {
  it('orders by code point, as UTF-8 bytes do', () => {
    // U+FF5E sorts before U+1F600 in UTF-8, although its UTF-16 unit is larger than the surrogate.
    expect(compareNames('\uff5e', '😀')).toBeLessThan(0);
    expect(compareNames('a/', 'a/b')).toBeLessThan(0);
    expect(compareNames('b', 'a')).toBeGreaterThan(0);
    expect(compareNames('same', 'same')).toBe(0);
  });
});

describe('globCanMatchPrefix', () => {
  it.each([
    ['demo/reports/*', 'demo/', true],
    ['demo/*', 'demo/', true],
    ['*', 'demo/', true],
    ['de*', 'demo/', true],
    ['demo', 'demo/', false],
    ['other/*', 'demo/', false],
    ['demo-2/*', 'demo/', false],
    ['d?mo/x', 'demo/', true],
  ])('%s within %s → %s', (pattern, prefix, expected) => {
    expect(globCanMatchPrefix(pattern, prefix)).toBe(expected);
  });
});
