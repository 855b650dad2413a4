import { describe, expect, it } from 'vitest';
import { MasterKeyError, openSecret, SealedSecretError, SECRET_PURPOSE, sealSecret } from '../../src/secrets/envelope';

const MASTER = 'unit-master-key-0123456789abcdef0123456789';
const OTHER_MASTER = 'unit-master-key-fedcba9876543210fedcba9876';
const PURPOSE = SECRET_PURPOSE.accessKeySecret;
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

describe('envelope encryption', () => {
  it('round-trips a secret bound to its row', async () => {
    const sealed = await sealSecret(MASTER, PURPOSE, SECRET, 'AKIAEXAMPLE000000001');
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain(SECRET);
    expect(await openSecret(MASTER, PURPOSE, sealed, 'AKIAEXAMPLE000000001')).toBe(SECRET);
  });

  it('uses a fresh IV for every seal', async () => {
    const a = await sealSecret(MASTER, PURPOSE, SECRET, 'row');
    const b = await sealSecret(MASTER, PURPOSE, SECRET, 'row');
    expect(a).not.toBe(b);
    expect(a.split('.')[1]).not.toBe(b.split('.')[1]);
  });

  it('refuses a tampered ciphertext, IV or version', async () => {
    const sealed = await sealSecret(MASTER, PURPOSE, SECRET, 'row');
    const [version, iv, ct] = sealed.split('.') as [string, string, string];
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
    for (const tampered of [
      `${version}.${iv}.${flip(ct, 5)}`,
      `${version}.${iv}.${flip(ct, ct.length - 3)}`,
      `${version}.${flip(iv, 0)}.${ct}`,
      `v2.${iv}.${ct}`,
      `${version}.${iv}.${ct.slice(0, -4)}`,
      `${version}.${iv}`,
      `${version}.${iv}.${ct}.extra`,
      `${version}.${iv}.${ct}!`,
    ]) {
      await expect(openSecret(MASTER, PURPOSE, tampered, 'row')).rejects.toBeInstanceOf(SealedSecretError);
    }
  });

  it('refuses a ciphertext presented for another row (wrong associated data)', async () => {
    const sealed = await sealSecret(MASTER, PURPOSE, SECRET, 'AKIAROWONE0000000001');
    await expect(openSecret(MASTER, PURPOSE, sealed, 'AKIAROWTWO0000000002')).rejects.toBeInstanceOf(SealedSecretError);
  });

  it('refuses a ciphertext under another master key', async () => {
    const sealed = await sealSecret(MASTER, PURPOSE, SECRET, 'row');
    await expect(openSecret(OTHER_MASTER, PURPOSE, sealed, 'row')).rejects.toBeInstanceOf(SealedSecretError);
    // ...and the subkey cache follows the master key rather than serving the old one.
    expect(await openSecret(MASTER, PURPOSE, sealed, 'row')).toBe(SECRET);
  });

  it('refuses a ciphertext opened for another purpose', async () => {
    const sealed = await sealSecret(MASTER, PURPOSE, SECRET, 'row');
    const otherPurpose = 'bucketgate/v1/some-other-secret' as typeof PURPOSE;
    await expect(openSecret(MASTER, otherPurpose, sealed, 'row')).rejects.toBeInstanceOf(SealedSecretError);
  });

  it('refuses a MASTER_KEY shorter than 32 characters, or none', async () => {
    await expect(sealSecret('x'.repeat(31), PURPOSE, SECRET, 'row')).rejects.toThrow(MasterKeyError);
    await expect(sealSecret('x'.repeat(31), PURPOSE, SECRET, 'row')).rejects.toThrow(/at least 32 characters/);
    await expect(sealSecret(undefined, PURPOSE, SECRET, 'row')).rejects.toThrow(MasterKeyError);
    await expect(sealSecret('x'.repeat(32), PURPOSE, SECRET, 'row')).resolves.toMatch(/^v1\./);
  });
});
