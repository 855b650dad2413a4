import { z } from 'zod';

/**
 * Formats of static access key credentials. Generated keys look like AWS's (so tools that sniff
 * the format accept them); imported keys may come from AWS, R2 or MinIO-style deployments.
 */

/** `ASIA…` is how AWS marks session credentials; it is kept free for this gateway's STS. */
const SESSION_PREFIX = 'ASIA';

export const AccessKeyId = z
  .string()
  .regex(/^[A-Za-z0-9]{16,128}$/, '16–128 letters and digits')
  .refine((id) => !id.toUpperCase().startsWith(SESSION_PREFIX), `must not start with "${SESSION_PREFIX}" (reserved for session credentials)`);

export const SecretAccessKey = z.string().regex(/^[A-Za-z0-9+/=_-]{40,128}$/, '40–128 characters of base64, base64url or hex');

/** Cheap pre-check for lookups, so malformed ids from the wire never reach a cache or D1. */
export function isWellFormedAccessKeyId(id: string): boolean {
  return /^[A-Za-z0-9]{16,128}$/.test(id);
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** `AKIA` + 16 random base32 characters: 20 characters, 80 random bits. */
export function generateAccessKeyId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  // 256 is a multiple of 32, so masking keeps every character equally likely.
  return `AKIA${Array.from(bytes, (b) => BASE32[b & 31]).join('')}`;
}

/** 40 base64 characters (30 random bytes, 240 bits), the shape of an AWS secret access key. */
export function generateSecretAccessKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(30));
  return btoa(String.fromCharCode(...bytes));
}
