import { describe, expect, it } from 'vitest';
import { parseCopySource } from '../../src/s3/copy-source';
import { S3Error } from '../../src/core/s3-error';
import { parseCopySourceRange } from '../../src/s3/handlers/copy';

function codeOf(call: () => unknown): string | undefined {
  try {
    call();
  } catch (error) {
    return error instanceof S3Error ? `${error.code} ${error.extra.ArgumentName ?? ''}`.trim() : 'not an S3Error';
  }
  return undefined;
}

describe('parseCopySource', () => {
  it.each([
    ['b/k', { bucket: 'b', key: 'k' }],
    ['/b/k', { bucket: 'b', key: 'k' }],
    ['b/dir/file.txt', { bucket: 'b', key: 'dir/file.txt' }],
    ['b/a%2Fb%20c%2B%3F', { bucket: 'b', key: 'a/b c+?' }],
    ['b/%C3%BC%F0%9F%98%80', { bucket: 'b', key: 'ü😀' }],
    ['b/k?versionId=null', { bucket: 'b', key: 'k' }],
  ])('%s → %j', (value, expected) => {
    expect(parseCopySource(value)).toEqual(expected);
  });

  it.each([
    ['empty', '', 'InvalidArgument x-amz-copy-source'],
    ['no key', 'b', 'InvalidArgument x-amz-copy-source'],
    ['an empty key', 'b/', 'InvalidArgument x-amz-copy-source'],
    ['no bucket', '//k', 'InvalidArgument x-amz-copy-source'],
    ['a broken percent-encoding', 'b/%E0%A4', 'InvalidArgument x-amz-copy-source'],
    ['a parameter other than versionId', 'b/k?partNumber=1', 'InvalidArgument x-amz-copy-source'],
    ['a version id other than null', 'b/k?versionId=3HL4kqt', 'InvalidArgument versionId'],
    ['a `..` segment', 'b/x/../y', 'InvalidArgument'],
  ])('refuses %s', (_label, value, code) => {
    expect(codeOf(() => parseCopySource(value))).toBe(code);
  });
});

describe('parseCopySourceRange', () => {
  it.each([
    [null, undefined],
    ['bytes=0-9', { offset: 0, length: 10 }],
    ['bytes=5-5', { offset: 5, length: 1 }],
  ])('%s → %j', (value, expected) => {
    expect(parseCopySourceRange(value)).toEqual(expected);
  });

  it.each(['bytes=9-0', 'bytes=0-', 'bytes=-5', '0-9', 'bytes=0-1,2-3', 'items=0-9', 'bytes=a-b', ''])('refuses %j with InvalidArgument', (value) => {
    expect(codeOf(() => parseCopySourceRange(value))).toBe('InvalidArgument x-amz-copy-source-range');
  });
});
