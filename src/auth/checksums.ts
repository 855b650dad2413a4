/**
 * Incremental digests over a payload as it streams: the S3 flexible checksums (CRC32, CRC32C,
 * CRC64NVME, SHA-1, SHA-256) plus MD5 for Content-MD5. The SHA family and MD5 run in workerd's
 * native crypto.DigestStream; the CRCs are table-driven here (a few lines each, no dependency).
 */

export type ChecksumAlgorithm = 'crc32' | 'crc32c' | 'sha1' | 'sha256' | 'crc64nvme';

export const CHECKSUM_ALGORITHMS: readonly ChecksumAlgorithm[] = ['crc32', 'crc32c', 'crc64nvme', 'sha1', 'sha256'];

/** Digest length in bytes, to validate a client-supplied base64 value before trusting it. */
export const CHECKSUM_BYTES: Record<ChecksumAlgorithm | 'md5', number> = {
  crc32: 4,
  crc32c: 4,
  crc64nvme: 8,
  sha1: 20,
  sha256: 32,
  md5: 16,
};

export function isChecksumAlgorithm(name: string): name is ChecksumAlgorithm {
  return (CHECKSUM_ALGORITHMS as readonly string[]).includes(name);
}

export interface Hasher {
  update(bytes: Uint8Array): Promise<void>;
  digest(): Promise<Uint8Array>;
}

export function createHasher(algorithm: ChecksumAlgorithm | 'md5'): Hasher {
  switch (algorithm) {
    case 'crc32':
      return crc32Hasher(CRC32_TABLE);
    case 'crc32c':
      return crc32Hasher(CRC32C_TABLE);
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

/** Reflected CRC-32 lookup table for `polynomial` (already bit-reversed). */
function crc32Table(polynomial: number): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ polynomial : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

const CRC32_TABLE = crc32Table(0xedb88320);
const CRC32C_TABLE = crc32Table(0x82f63b78);

function crc32Hasher(table: Uint32Array): Hasher {
  let crc = 0xffffffff;
  return {
    async update(bytes) {
      let c = crc;
      for (let i = 0; i < bytes.length; i++) c = table[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
      crc = c;
    },
    async digest() {
      const out = new Uint8Array(4);
      new DataView(out.buffer).setUint32(0, (crc ^ 0xffffffff) >>> 0);
      return out;
    },
  };
}

/** CRC-64/NVME (reflected polynomial 0x9a6c9329ac4bc9b5), kept as two 32-bit halves to avoid BigInt per byte. */
const CRC64_TABLE = (() => {
  const hi = new Uint32Array(256);
  const lo = new Uint32Array(256);
  const polyHi = 0x9a6c9329;
  const polyLo = 0xac4bc9b5;
  for (let n = 0; n < 256; n++) {
    let h = 0;
    let l = n;
    for (let k = 0; k < 8; k++) {
      const carry = l & 1;
      l = ((l >>> 1) | ((h & 1) << 31)) >>> 0;
      h = h >>> 1;
      if (carry) {
        h = (h ^ polyHi) >>> 0;
        l = (l ^ polyLo) >>> 0;
      }
    }
    hi[n] = h;
    lo[n] = l;
  }
  return { hi, lo };
})();

function crc64Hasher(): Hasher {
  let h = 0xffffffff;
  let l = 0xffffffff;
  return {
    async update(bytes) {
      const { hi, lo } = CRC64_TABLE;
      let ch = h;
      let cl = l;
      for (let i = 0; i < bytes.length; i++) {
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
