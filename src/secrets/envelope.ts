/**
 * Envelope encryption for secrets kept at rest (D1, KV): AES-256-GCM under a subkey derived with
 * HKDF-SHA256 from the MASTER_KEY Worker secret, one subkey per purpose, so a ciphertext made for
 * one purpose never opens under another. The associated data binds each ciphertext to the row it
 * belongs to, so ciphertexts cannot be swapped between rows.
 *
 * Sealed form: `v1.<base64url iv>.<base64url ciphertext+tag>`. The version names the scheme
 * (HKDF-SHA256 → AES-256-GCM, 96-bit random IV) so a later scheme can sit beside it.
 */

/** HKDF `info` strings: one per purpose. Never reuse one for a different kind of secret. */
export const SECRET_PURPOSE = {
  accessKeySecret: 'bucketgate/v1/access-key-secret',
  /** A storage connection's static upstream key pair (adrs/0019), bound to the connection id. */
  connectionCredential: 'bucketgate/v1/connection-credential',
} as const;
export type SecretPurpose = (typeof SECRET_PURPOSE)[keyof typeof SECRET_PURPOSE];

export const MIN_MASTER_KEY_LENGTH = 32;
const VERSION = 'v1';
// Fixed, public salt: HKDF's extract step only needs one to be domain-separated from other uses of the same IKM.
const HKDF_SALT = new TextEncoder().encode('bucketgate/hkdf-salt/v1');

/** MASTER_KEY is missing or too short to derive keys from: a deployment error, not a client one. */
export class MasterKeyError extends Error {
  override readonly name = 'MasterKeyError';
}

/** A sealed value that does not open: tampered, bound to another row, or sealed under another key. */
export class SealedSecretError extends Error {
  override readonly name = 'SealedSecretError';
}

// Imported keys are plain values (never promises) so no request ever awaits another request's I/O.
const subkeys = new Map<string, { masterKey: string; key: CryptoKey }>();

async function subkey(masterKey: string | undefined, purpose: SecretPurpose): Promise<CryptoKey> {
  if (typeof masterKey !== 'string' || masterKey.length < MIN_MASTER_KEY_LENGTH) {
    throw new MasterKeyError(`MASTER_KEY must be set to at least ${MIN_MASTER_KEY_LENGTH} characters (e.g. \`openssl rand -base64 32\`)`);
  }
  const cached = subkeys.get(purpose);
  if (cached && cached.masterKey === masterKey) return cached.key;
  const ikm = await crypto.subtle.importKey('raw', new TextEncoder().encode(masterKey), 'HKDF', false, ['deriveKey']);
  const key = await crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: HKDF_SALT, info: new TextEncoder().encode(purpose) },
    ikm,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
  subkeys.set(purpose, { masterKey, key });
  return key;
}

function associatedData(purpose: SecretPurpose, boundTo: string): Uint8Array {
  return new TextEncoder().encode(`${VERSION}\u0000${purpose}\u0000${boundTo}`);
}

/** Encrypts `plaintext` for `purpose`, bound to `boundTo` (e.g. the access key id of its row). */
export async function sealSecret(masterKey: string | undefined, purpose: SecretPurpose, plaintext: string, boundTo: string): Promise<string> {
  const key = await subkey(masterKey, purpose);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ciphertext = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: associatedData(purpose, boundTo) },
    key,
    new TextEncoder().encode(plaintext),
  );
  return `${VERSION}.${toBase64Url(iv)}.${toBase64Url(new Uint8Array(ciphertext))}`;
}

/** Decrypts a value from `sealSecret`; throws SealedSecretError unless purpose, binding and key all match. */
export async function openSecret(masterKey: string | undefined, purpose: SecretPurpose, sealed: string, boundTo: string): Promise<string> {
  const key = await subkey(masterKey, purpose);
  const [version, iv, ciphertext, ...rest] = sealed.split('.');
  if (version !== VERSION || iv === undefined || ciphertext === undefined || rest.length > 0) {
    throw new SealedSecretError('sealed secret has an unknown format');
  }
  try {
    const plaintext = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: fromBase64Url(iv), additionalData: associatedData(purpose, boundTo) },
      key,
      fromBase64Url(ciphertext),
    );
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(plaintext);
  } catch {
    throw new SealedSecretError('sealed secret does not open: tampered, bound to another record, or sealed under another MASTER_KEY');
  }
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new SealedSecretError('sealed secret has an unknown format');
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}
