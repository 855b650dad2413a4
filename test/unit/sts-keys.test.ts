import { describe, expect, it } from 'vitest';
import { kidFor, parseKeyVersions, publicJwks, stsKeyring } from '../../src/sts/keys';
import { MasterKeyError } from '../../src/secrets/envelope';

const MASTER_KEY = 'unit-master-key-0123456789abcdef0123456789abcdef';

async function sign(key: CryptoKey, data: string): Promise<ArrayBuffer> {
  return crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key, new TextEncoder().encode(data));
}

describe('parseKeyVersions', () => {
  it.each([
    [undefined, [1]],
    ['', [1]],
    ['1', [1]],
    ['2, 1', [1, 2]],
    ['3,3,1', [1, 3]],
  ])('%s → %j', (spec, expected) => {
    expect(parseKeyVersions(spec)).toEqual(expected);
  });

  it.each(['0', '-1', 'a', '1,,2', '1296', '1.5'])('refuses %s', (spec) => {
    expect(() => parseKeyVersions(spec)).toThrow(/STS_KEY_VERSIONS/);
  });
});

describe('stsKeyring', () => {
  it('mints with the highest version and keeps every listed one', async () => {
    const ring = await stsKeyring({ MASTER_KEY, STS_KEY_VERSIONS: '1,3' });
    expect(ring.current.version).toBe(3);
    expect([...ring.byVersion.keys()]).toEqual([1, 3]);
    expect(ring.current.kid).toBe(kidFor(3));
  });

  it('derives the same keys from the same MASTER_KEY, and other keys per version and per MASTER_KEY', async () => {
    const a = await stsKeyring({ MASTER_KEY, STS_KEY_VERSIONS: '1,2' });
    const again = await stsKeyring({ MASTER_KEY: MASTER_KEY, STS_KEY_VERSIONS: '2,1' });
    const other = await stsKeyring({ MASTER_KEY: MASTER_KEY + 'x', STS_KEY_VERSIONS: '1,2' });
    const v1 = a.byVersion.get(1)!.publicJwk;
    const v2 = a.byVersion.get(2)!.publicJwk;
    expect(again.byVersion.get(1)!.publicJwk).toEqual(v1);
    expect(v1.x).not.toBe(v2.x);
    expect(other.byVersion.get(1)!.publicJwk.x).not.toBe(v1.x);
  });

  it('signs with a private key whose public half is the published one', async () => {
    const ring = await stsKeyring({ MASTER_KEY, STS_KEY_VERSIONS: '1' });
    const key = ring.current;
    const signature = await sign(key.signingKey, 'payload');
    const published = await crypto.subtle.importKey('jwk', publicJwks(ring).keys[0]! as JsonWebKey, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
    const ok = (data: string) => crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, published, signature, new TextEncoder().encode(data));
    expect(await ok('payload')).toBe(true);
    expect(await ok('payloaD')).toBe(false);
  });

  it('publishes only public parameters, one entry per accepted version', async () => {
    const jwks = publicJwks(await stsKeyring({ MASTER_KEY, STS_KEY_VERSIONS: '1,2' }));
    expect(jwks.keys.map((k) => k.kid)).toEqual([kidFor(1), kidFor(2)]);
    for (const k of jwks.keys) {
      expect(Object.keys(k).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
      expect(k).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    }
  });

  it('refuses a missing or short MASTER_KEY', async () => {
    await expect(stsKeyring({ MASTER_KEY: 'short', STS_KEY_VERSIONS: '1' })).rejects.toBeInstanceOf(MasterKeyError);
    await expect(stsKeyring({ MASTER_KEY: undefined as unknown as string })).rejects.toBeInstanceOf(MasterKeyError);
  });
});
