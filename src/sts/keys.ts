import type { JWK } from 'jose';
import type { Env } from '../env';
import { MasterKeyError, MIN_MASTER_KEY_LENGTH } from '../secrets/envelope';

/**
 * Versioned STS key material, derived from MASTER_KEY with HKDF so nothing is stored and a fresh
 * deployment (or a test) needs no setup. Each version has two keys: the ES256 key that signs
 * session tokens and the HMAC secret that session secrets are derived from. Rotation is adding a
 * version to STS_KEY_VERSIONS: the highest mints, every listed one still verifies, and removing
 * one retires it (its sessions stop working at once).
 */
export interface StsKeyVersion {
  version: number;
  /** `kid` of the session tokens this version signs, and of its entry in /.well-known/jwks.json. */
  kid: string;
  signingKey: CryptoKey;
  verifyKey: CryptoKey;
  publicJwk: JWK;
  /** HMAC-SHA256 key: SecretAccessKey = HMAC(hmacKey, AccessKeyId). */
  hmacKey: CryptoKey;
}

export interface StsKeyring {
  current: StsKeyVersion;
  byVersion: ReadonlyMap<number, StsKeyVersion>;
}

export const MAX_KEY_VERSION = 1295; // two base-36 digits in the AccessKeyId

const HKDF_SALT = new TextEncoder().encode('bucketgate/sts');

/** Parses STS_KEY_VERSIONS (or FEDERATION_KEY_VERSIONS, named by `variable`): "1", "1,2"; default "1". */
export function parseKeyVersions(value: string | undefined, variable = 'STS_KEY_VERSIONS'): number[] {
  const raw = (value ?? '').trim() || '1';
  const versions = raw.split(',').map((v) => v.trim());
  const parsed = versions.map((v) => (/^\d{1,4}$/.test(v) ? Number(v) : NaN));
  if (parsed.some((v) => !Number.isInteger(v) || v < 1 || v > MAX_KEY_VERSION)) {
    throw new Error(`${variable} must list versions 1–${MAX_KEY_VERSION}, comma-separated`);
  }
  return [...new Set(parsed)].sort((a, b) => a - b);
}

export function kidFor(version: number): string {
  return `bucketgate-sts-v${version}`;
}

// Derived keys are plain values, safe to share across requests; keyed by the secret they come from.
let cached: { masterKey: string; versions: string; keyring: StsKeyring } | undefined;

export async function stsKeyring(env: Pick<Env, 'MASTER_KEY' | 'STS_KEY_VERSIONS'>): Promise<StsKeyring> {
  const versionsSpec = env.STS_KEY_VERSIONS ?? '';
  if (cached && cached.masterKey === env.MASTER_KEY && cached.versions === versionsSpec) return cached.keyring;
  if (typeof env.MASTER_KEY !== 'string' || env.MASTER_KEY.length < MIN_MASTER_KEY_LENGTH) {
    throw new MasterKeyError(`MASTER_KEY must be set to at least ${MIN_MASTER_KEY_LENGTH} characters`);
  }
  const master = await importMaster(env.MASTER_KEY);
  const versions = parseKeyVersions(versionsSpec);
  const entries = await Promise.all(versions.map((v) => deriveVersion(master, v)));
  const byVersion = new Map(entries.map((e) => [e.version, e]));
  const keyring: StsKeyring = { current: entries[entries.length - 1]!, byVersion };
  cached = { masterKey: env.MASTER_KEY, versions: versionsSpec, keyring };
  return keyring;
}

/** The public half of every accepted version, as served at /.well-known/jwks.json. */
export function publicJwks(keyring: StsKeyring): { keys: JWK[] } {
  return { keys: [...keyring.byVersion.values()].map((k) => k.publicJwk) };
}

async function deriveVersion(master: CryptoKey, version: number): Promise<StsKeyVersion> {
  const hmacBits = await hkdf(master, `sts-session-secret/v${version}`, 32);
  const hmacKey = await crypto.subtle.importKey('raw', hmacBits, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const kid = kidFor(version);
  const { signingKey, verifyKey, publicJwk } = await deriveEs256Key(master, `sts-session-signing/v${version}`, kid);
  return { version, kid, signingKey, verifyKey, publicJwk, hmacKey };
}

/** An ES256 key pair derived for one purpose (`infoPrefix`), with its public JWK published under `kid`. */
export interface DerivedEs256Key {
  signingKey: CryptoKey;
  verifyKey: CryptoKey;
  publicJwk: JWK;
}

/** Derives the ES256 key for `infoPrefix` from MASTER_KEY (other purposes than session tokens, e.g. outbound federation). */
export async function deriveEs256KeyFromMaster(masterKey: string, infoPrefix: string, kid: string): Promise<DerivedEs256Key> {
  if (typeof masterKey !== 'string' || masterKey.length < MIN_MASTER_KEY_LENGTH) {
    throw new MasterKeyError(`MASTER_KEY must be set to at least ${MIN_MASTER_KEY_LENGTH} characters`);
  }
  return deriveEs256Key(await importMaster(masterKey), infoPrefix, kid);
}

async function deriveEs256Key(master: CryptoKey, infoPrefix: string, kid: string): Promise<DerivedEs256Key> {
  const { signingKey, publicJwk } = await deriveP256(master, infoPrefix);
  const jwk: JWK = { kty: 'EC', crv: 'P-256', x: publicJwk.x, y: publicJwk.y, kid, alg: 'ES256', use: 'sig' };
  const verifyKey = await crypto.subtle.importKey('jwk', { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
  return { signingKey, verifyKey, publicJwk: jwk };
}

/**
 * A P-256 private scalar from HKDF, imported as PKCS#8 without the optional public point (the
 * crypto library computes it). A scalar outside [1, n-1] (odds ~2^-32) takes the next counter.
 */
async function deriveP256(master: CryptoKey, infoPrefix: string): Promise<{ signingKey: CryptoKey; publicJwk: JsonWebKey }> {
  for (let counter = 0; counter < 16; counter++) {
    const d = new Uint8Array(await hkdf(master, `${infoPrefix}/${counter}`, 32));
    if (!isValidP256Scalar(d)) continue;
    const pkcs8 = new Uint8Array(P256_PKCS8_PREFIX.length + 32);
    pkcs8.set(P256_PKCS8_PREFIX);
    pkcs8.set(d, P256_PKCS8_PREFIX.length);
    const extractable = await crypto.subtle.importKey('pkcs8', pkcs8, { name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign']);
    const publicJwk = (await crypto.subtle.exportKey('jwk', extractable)) as JsonWebKey;
    const signingKey = await crypto.subtle.importKey('pkcs8', pkcs8, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
    return { signingKey, publicJwk };
  }
  throw new Error('could not derive an ES256 key');
}

// SEQUENCE { INTEGER 0, SEQUENCE { id-ecPublicKey, prime256v1 }, OCTET STRING { ECPrivateKey { INTEGER 1, OCTET STRING(32) } } }
const P256_PKCS8_PREFIX = new Uint8Array([
  0x30, 0x41, 0x02, 0x01, 0x00, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86,
  0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x04, 0x27, 0x30, 0x25, 0x02, 0x01, 0x01, 0x04, 0x20,
]);

const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

function isValidP256Scalar(d: Uint8Array): boolean {
  const n = BigInt('0x' + [...d].map((b) => b.toString(16).padStart(2, '0')).join(''));
  return n > 0n && n < P256_ORDER;
}

/** `bytes` of key material for `info`, derived from MASTER_KEY (also used for the audit's IP-hash key). */
export async function deriveStsKeyBits(masterKey: string, info: string, bytes: number): Promise<ArrayBuffer> {
  return hkdf(await importMaster(masterKey), info, bytes);
}

function importMaster(masterKey: string): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', new TextEncoder().encode(masterKey), 'HKDF', false, ['deriveBits']);
}

async function hkdf(master: CryptoKey, info: string, bytes: number): Promise<ArrayBuffer> {
  return crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: HKDF_SALT, info: new TextEncoder().encode(info) }, master, bytes * 8);
}
