import type { ChecksumAlgorithm } from '../core/checksum-names';

/**
 * CRC of a concatenation from the CRCs of its pieces, as S3's FULL_OBJECT multipart checksums
 * need: crc(A‖B) = crc(A)·x^(8·|B|) mod P ⊕ crc(B) (zlib's crc32_combine, generalised to any
 * reflected CRC with all-ones init and xorout — CRC32, CRC32C and CRC64NVME all are). Runs once
 * per part at CompleteMultipartUpload, so plain BigInt arithmetic is fast enough.
 */
export type CombinableCrc = Extract<ChecksumAlgorithm, 'crc32' | 'crc32c' | 'crc64nvme'>;

interface CrcShape {
  width: bigint;
  /** Reflected (bit-reversed) polynomial, as the table code in checksums.ts uses. */
  polynomial: bigint;
}

const SHAPES: Record<CombinableCrc, CrcShape> = {
  crc32: { width: 32n, polynomial: 0xedb88320n },
  crc32c: { width: 32n, polynomial: 0x82f63b78n },
  crc64nvme: { width: 64n, polynomial: 0x9a6c9329ac4bc9b5n },
};

export function isCombinableCrc(algorithm: ChecksumAlgorithm): algorithm is CombinableCrc {
  return algorithm in SHAPES;
}

/** a·b mod P in the reflected representation (bit width-1 is x^0). */
function multiplyModP(shape: CrcShape, a: bigint, b: bigint): bigint {
  const top = 1n << (shape.width - 1n);
  let product = 0n;
  for (let m = top; m > 0n; m >>= 1n) {
    if (a & m) product ^= b;
    b = b & 1n ? (b >> 1n) ^ shape.polynomial : b >> 1n;
  }
  return product;
}

/** x^(8·bytes) mod P by repeated squaring: x^(2^k) for each set bit of the bit count. */
function shiftOperator(shape: CrcShape, bytes: number): bigint {
  let result = 1n << (shape.width - 1n); // x^0
  let power = 1n << (shape.width - 2n); // x^1
  for (let bits = BigInt(bytes) * 8n; bits > 0n; bits >>= 1n) {
    if (bits & 1n) result = multiplyModP(shape, power, result);
    power = multiplyModP(shape, power, power);
  }
  return result;
}

function toBigInt(bytes: Uint8Array): bigint {
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  return value;
}

function fromBigInt(value: bigint, width: bigint): Uint8Array {
  const out = new Uint8Array(Number(width / 8n));
  for (let i = out.length - 1; i >= 0; i--) {
    out[i] = Number(value & 0xffn);
    value >>= 8n;
  }
  return out;
}

/** The CRC of the pieces laid end to end, from each piece's CRC (big-endian bytes, as S3 prints them) and length. */
export function combineCrcs(algorithm: CombinableCrc, pieces: { crc: Uint8Array; length: number }[]): Uint8Array {
  const shape = SHAPES[algorithm];
  let crc: bigint | undefined;
  for (const piece of pieces) {
    const next = toBigInt(piece.crc);
    crc = crc === undefined ? next : multiplyModP(shape, shiftOperator(shape, piece.length), crc) ^ next;
  }
  return fromBigInt(crc ?? 0n, shape.width);
}
