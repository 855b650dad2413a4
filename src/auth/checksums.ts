/**
 * Incremental digests over a payload as it streams: the S3 flexible checksums (CRC32, CRC32C,
 * CRC64NVME, SHA-1, SHA-256) plus MD5 for Content-MD5. The SHA family and MD5 run in workerd's
 * native crypto.DigestStream; the CRCs are table-driven here (a few lines each, no dependency).
 */

import type { ChecksumAlgorithm } from '../core/checksum-names';

/** Digest lengths, to validate a client-supplied base64 value before trusting it (kept in core/ for the storage layer too). */
export { CHECKSUM_BYTES } from '../core/checksum-names';

export interface Hasher {
  update(bytes: Uint8Array): Promise<void>;
  digest(): Promise<Uint8Array>;
}

export function createHasher(algorithm: ChecksumAlgorithm | 'md5'): Hasher {
  switch (algorithm) {
    case 'crc32':
      return crc32Hasher(CRC32_TABLES);
    case 'crc32c':
      return crc32Hasher(CRC32C_TABLES);
    case 'crc64nvme':
      return crc64Hasher();
    case 'sha1':
      return digestStreamHasher('SHA-1');
    case 'sha256':
      return digestStreamHasher('SHA-256');
    case 'md5':
      return digestStreamHasher('MD5');
  }
}

function digestStreamHasher(name: 'SHA-1' | 'SHA-256' | 'MD5'): Hasher {
  const stream = new crypto.DigestStream(name);
  const writer = stream.getWriter();
  return {
    update: (bytes) => writer.write(bytes),
    async digest() {
      await writer.close();
      return new Uint8Array(await stream.digest);
    },
  };
}

/*
 * The CRCs use "slicing by 8": eight derived tables let each step fold in eight bytes, several
 * times faster than a byte at a time (CPU time is what a Worker pays for on large uploads).
 * Table k maps a byte to its CRC contribution when followed by k zero bytes.
 */

/** Reflected CRC-32 tables for `polynomial` (bit-reversed form), 8 × 256 entries. */
function crc32Tables(polynomial: number): Uint32Array {
  const t = new Uint32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ polynomial : c >>> 1;
    t[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    for (let k = 1; k < 8; k++) {
      const previous = t[(k - 1) * 256 + n]!;
      t[k * 256 + n] = ((previous >>> 8) ^ t[previous & 0xff]!) >>> 0;
    }
  }
  return t;
}

const CRC32_TABLES = crc32Tables(0xedb88320);
const CRC32C_TABLES = crc32Tables(0x82f63b78);

function crc32Hasher(t: Uint32Array): Hasher {
  let crc = 0xffffffff;
  return {
    async update(bytes) {
      let c = crc;
      let i = 0;
      for (const end8 = bytes.length - 7; i < end8; i += 8) {
        c ^= bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
        c =
          t[1792 + (c & 0xff)]! ^ t[1536 + ((c >>> 8) & 0xff)]! ^ t[1280 + ((c >>> 16) & 0xff)]! ^ t[1024 + (c >>> 24)]! ^
          t[768 + bytes[i + 4]!]! ^ t[512 + bytes[i + 5]!]! ^ t[256 + bytes[i + 6]!]! ^ t[bytes[i + 7]!]!;
      }
      for (; i < bytes.length; i++) c = t[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
      crc = c;
    },
    async digest() {
      const out = new Uint8Array(4);
      new DataView(out.buffer).setUint32(0, (crc ^ 0xffffffff) >>> 0);
      return out;
    },
  };
}

/** CRC-64/NVME (reflected polynomial 0x9a6c9329ac4bc9b5): 64-bit values as high/low 32-bit halves, no BigInt per byte. */
const CRC64_TABLES = (() => {
  const hi = new Uint32Array(8 * 256);
  const lo = new Uint32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let h = 0;
    let l = n;
    for (let k = 0; k < 8; k++) {
      const carry = l & 1;
      l = ((l >>> 1) | ((h & 1) << 31)) >>> 0;
      h >>>= 1;
      if (carry) {
        h = (h ^ 0x9a6c9329) >>> 0;
        l = (l ^ 0xac4bc9b5) >>> 0;
      }
    }
    hi[n] = h;
    lo[n] = l;
  }
  for (let n = 0; n < 256; n++) {
    for (let k = 1; k < 8; k++) {
      const ph = hi[(k - 1) * 256 + n]!;
      const pl = lo[(k - 1) * 256 + n]!;
      const index = pl & 0xff;
      hi[k * 256 + n] = ((ph >>> 8) ^ hi[index]!) >>> 0;
      lo[k * 256 + n] = (((pl >>> 8) | (ph << 24)) ^ lo[index]!) >>> 0;
    }
  }
  return { hi, lo };
})();

function crc64Hasher(): Hasher {
  let h = 0xffffffff;
  let l = 0xffffffff;
  return {
    async update(bytes) {
      const { hi, lo } = CRC64_TABLES;
      let ch = h;
      let cl = l;
      let i = 0;
      for (const end8 = bytes.length - 7; i < end8; i += 8) {
        cl ^= bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
        ch ^= bytes[i + 4]! | (bytes[i + 5]! << 8) | (bytes[i + 6]! << 16) | (bytes[i + 7]! << 24);
        const a = 1792 + (cl & 0xff);
        const b = 1536 + ((cl >>> 8) & 0xff);
        const c = 1280 + ((cl >>> 16) & 0xff);
        const d = 1024 + (cl >>> 24);
        const e = 768 + (ch & 0xff);
        const f = 512 + ((ch >>> 8) & 0xff);
        const g = 256 + ((ch >>> 16) & 0xff);
        const k = ch >>> 24;
        cl = lo[a]! ^ lo[b]! ^ lo[c]! ^ lo[d]! ^ lo[e]! ^ lo[f]! ^ lo[g]! ^ lo[k]!;
        ch = hi[a]! ^ hi[b]! ^ hi[c]! ^ hi[d]! ^ hi[e]! ^ hi[f]! ^ hi[g]! ^ hi[k]!;
      }
      for (; i < bytes.length; i++) {
        const index = (cl ^ bytes[i]!) & 0xff;
        cl = (((cl >>> 8) | (ch << 24)) ^ lo[index]!) >>> 0;
        ch = ((ch >>> 8) ^ hi[index]!) >>> 0;
      }
      h = ch;
      l = cl;
    },
    async digest() {
      const out = new Uint8Array(8);
      const view = new DataView(out.buffer);
      view.setUint32(0, (h ^ 0xffffffff) >>> 0);
      view.setUint32(4, (l ^ 0xffffffff) >>> 0);
      return out;
    },
  };
}

export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

export function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return hex;
}

/** Strict base64 decode; undefined for anything that is not canonical base64 of `length` bytes. */
export function fromBase64(value: string, length: number): Uint8Array | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0) return undefined;
  let binary: string;
  try {
    binary = atob(value);
  } catch {
    return undefined;
  }
  if (binary.length !== length) return undefined;
  return Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
}
