import type { ByteRange } from '../storage/backend';

/** A range resolved against an object's size: always non-empty and inside the object. */
export interface ResolvedRange {
  offset: number;
  length: number;
}

const SINGLE_BYTE_RANGE = /^bytes=(\d*)-(\d*)$/i;

/**
 * Reads a Range header the way S3 honours it: one byte range (`a-b`, open-ended `a-`, suffix `-n`).
 * Anything else — several ranges, another unit, `b < a`, garbage — is ignored and the whole object
 * served, as RFC 9110 §14.2 allows and S3 does.
 */
export function parseRangeHeader(value: string | null): ByteRange | undefined {
  if (value === null) return undefined;
  const match = SINGLE_BYTE_RANGE.exec(value.replace(/\s+/g, ''));
  if (!match) return undefined;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return undefined;
  if (first === '') return { suffix: toInteger(last) };
  const offset = toInteger(first);
  if (last === '') return { offset };
  const end = toInteger(last);
  if (end < offset) return undefined;
  return { offset, length: end - offset + 1 };
}

/** Positions beyond 2^53 cannot address any stored byte; they saturate instead of losing precision. */
function toInteger(digits: string): number {
  const n = Number(digits);
  return Number.isSafeInteger(n) ? n : Number.MAX_SAFE_INTEGER;
}

/** The bytes a range selects from an object of `size` bytes, or null when it selects none (416). */
export function resolveRange(range: ByteRange, size: number): ResolvedRange | null {
  if ('suffix' in range) {
    if (range.suffix === 0 || size === 0) return null;
    const length = Math.min(range.suffix, size);
    return { offset: size - length, length };
  }
  if (range.offset >= size) return null;
  const available = size - range.offset;
  return { offset: range.offset, length: Math.min(range.length ?? available, available) };
}

/** `Content-Range` for a 206 answer. */
export function contentRange(range: ResolvedRange, size: number): string {
  return `bytes ${range.offset}-${range.offset + range.length - 1}/${size}`;
}
