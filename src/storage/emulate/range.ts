import type { ByteRange } from '../backend';

/** A range resolved against an object's size: always non-empty and inside the object. */
export interface ResolvedRange {
  offset: number;
  length: number;
}

/**
 * The bytes a range selects from an object of `size` bytes, or null when it selects none (416).
 * Shared arithmetic: the S3 layer resolves HEAD ranges with it, a driver whose store does not report
 * the served range (R2) resolves GET ranges with it.
 */
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
