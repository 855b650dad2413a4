import { describe, expect, it } from 'vitest';
import { evaluateReadPreconditions, writeConditionsFrom } from '../../src/s3/conditional';
import { S3Error } from '../../src/core/s3-error';

const object = { etag: 'abc123', lastModified: new Date('2026-01-10T12:00:00.750Z') };
const before = 'Sat, 10 Jan 2026 11:00:00 GMT';
const same = 'Sat, 10 Jan 2026 12:00:00 GMT';
const after = 'Sat, 10 Jan 2026 13:00:00 GMT';

function evaluate(headers: Record<string, string>) {
  return evaluateReadPreconditions(new Headers(headers), object);
}

describe('evaluateReadPreconditions', () => {
  it('proceeds without conditions', () => {
    expect(evaluate({})).toEqual({ outcome: 'proceed' });
  });

  it.each([
    [{ 'if-match': '"abc123"' }, 'proceed'],
    [{ 'if-match': 'abc123' }, 'proceed'],
    [{ 'if-match': '"zzz", "abc123"' }, 'proceed'],
    [{ 'if-match': '*' }, 'proceed'],
    [{ 'if-match': '"zzz"' }, 'failed'],
    [{ 'if-match': 'W/"abc123"' }, 'failed'],
    [{ 'if-none-match': '"abc123"' }, 'not-modified'],
    [{ 'if-none-match': 'W/"abc123"' }, 'not-modified'],
    [{ 'if-none-match': '*' }, 'not-modified'],
    [{ 'if-none-match': '"zzz"' }, 'proceed'],
    [{ 'if-modified-since': same }, 'not-modified'],
    [{ 'if-modified-since': after }, 'not-modified'],
    [{ 'if-modified-since': before }, 'proceed'],
    [{ 'if-unmodified-since': same }, 'proceed'],
    [{ 'if-unmodified-since': before }, 'failed'],
    [{ 'if-unmodified-since': 'not a date' }, 'proceed'],
    [{ 'if-modified-since': 'not a date' }, 'proceed'],
  ])('%j → %s', (headers, outcome) => {
    expect(evaluate(headers).outcome).toBe(outcome);
  });

  it('names the header that failed', () => {
    expect(evaluate({ 'if-match': '"zzz"' })).toEqual({ outcome: 'failed', condition: 'If-Match' });
    expect(evaluate({ 'if-unmodified-since': before })).toEqual({ outcome: 'failed', condition: 'If-Unmodified-Since' });
  });

  it('follows RFC 9110 precedence as S3 documents it', () => {
    // If-Match true + If-Unmodified-Since false → 200 (the date is not evaluated).
    expect(evaluate({ 'if-match': '"abc123"', 'if-unmodified-since': before }).outcome).toBe('proceed');
    // If-None-Match false + If-Modified-Since true → 200 (the date is not evaluated).
    expect(evaluate({ 'if-none-match': '"zzz"', 'if-modified-since': after }).outcome).toBe('proceed');
    // If-None-Match true + If-Modified-Since false → 304.
    expect(evaluate({ 'if-none-match': '"abc123"', 'if-modified-since': before }).outcome).toBe('not-modified');
    // A failed If-Match wins over a matching If-None-Match.
    expect(evaluate({ 'if-match': '"zzz"', 'if-none-match': '"abc123"' }).outcome).toBe('failed');
  });
});

describe('writeConditionsFrom', () => {
  it('reads If-None-Match: * and If-Match', () => {
    expect(writeConditionsFrom(new Headers())).toBeUndefined();
    expect(writeConditionsFrom(new Headers({ 'if-none-match': '*' }))).toEqual({ ifMatch: undefined, ifNoneMatch: '*' });
    expect(writeConditionsFrom(new Headers({ 'if-match': '"e1"' }))).toEqual({ ifMatch: '"e1"', ifNoneMatch: undefined });
  });

  it('refuses If-None-Match with an ETag on writes, as S3 does', () => {
    const attempt = () => writeConditionsFrom(new Headers({ 'if-none-match': '"e1"' }));
    expect(attempt).toThrow(S3Error);
    expect(attempt).toThrow(expect.objectContaining({ code: 'NotImplemented' }));
  });
});
