import type { ByteRange } from '../storage/backend';
import type { ResolvedRange } from '../storage/emulate/range';

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

/** `Content-Range` for a 206 answer. */
export function contentRange(range: ResolvedRange, size: number): string {
  return `bytes ${range.offset}-${range.offset + range.length - 1}/${size}`;
}
