import { describe, expect, it } from 'vitest';
import { createHasher } from '../../src/auth/checksums';
import { type CombinableCrc, combineCrcs } from '../../src/auth/crc-combine';

async function crc(algorithm: CombinableCrc, bytes: Uint8Array): Promise<Uint8Array> {
  const hasher = createHasher(algorithm);
  await hasher.update(bytes);
  return hasher.digest();
}

function bytes(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 7 + seed * 131 + (i >> 5)) & 0xff);
}

describe('combineCrcs', () => {
  it.each(['crc32', 'crc32c', 'crc64nvme'] as const)('gives the %s of the concatenation', async (algorithm) => {
    const pieces = [bytes(1000, 1), bytes(1, 2), bytes(4099, 3), bytes(0, 4), bytes(17, 5)];
    const whole = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
    pieces.reduce((offset, p) => (whole.set(p, offset), offset + p.length), 0);
    const combined = combineCrcs(algorithm, await Promise.all(pieces.map(async (p) => ({ crc: await crc(algorithm, p), length: p.length }))));
    expect([...combined]).toEqual([...(await crc(algorithm, whole))]);
  });

  it('matches the published CRC32 check value when split', async () => {
    const text = new TextEncoder().encode('123456789');
    const combined = combineCrcs('crc32', [
      { crc: await crc('crc32', text.slice(0, 4)), length: 4 },
      { crc: await crc('crc32', text.slice(4)), length: 5 },
    ]);
    expect([...combined]).toEqual([0xcb, 0xf4, 0x39, 0x26]);
  });
});
