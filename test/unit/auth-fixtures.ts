import { expect } from 'vitest';
import type { CredentialStore } from '../../src/auth/identity';
import type { Principal } from '../../src/auth/principal';
import { isS3Error, type S3ErrorCode } from '../../src/core/s3-error';
import { concatBytes } from '../support/bytes';

/** The example credentials of the AWS S3 documentation. */
export const DOC_KEY = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
export const DOC_TIME = new Date('2013-05-24T00:00:00Z');

export interface Key {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** An in-memory credential store (a test fixture standing in for the registry's). */
export function memoryStore(...keys: Key[]): CredentialStore & { lookups: { accessKeyId: string; sessionToken?: string }[] } {
  const lookups: { accessKeyId: string; sessionToken?: string }[] = [];
  return {
    lookups,
    async lookup(accessKeyId, sessionToken) {
      lookups.push({ accessKeyId, sessionToken });
      const key = keys.find((k) => k.accessKeyId === accessKeyId && k.sessionToken === sessionToken);
      if (!key) return null;
      const principal: Principal = { kind: 'access-key', accessKeyId, displayName: `key ${accessKeyId}`, policies: [[]] };
      return { secretAccessKey: key.secretAccessKey, principal };
    },
  };
}

export async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of stream) parts.push(part);
  return concatBytes(parts);
}

export async function readText(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new TextDecoder().decode(await readAll(stream));
}

/** Awaits `promise`, expecting it to reject with an S3Error of `code`; returns the error for further checks. */
export async function expectS3Error(promise: Promise<unknown>, code: S3ErrorCode) {
  let caught: unknown;
  try {
    await promise;
  } catch (e) {
    caught = e;
  }
  expect(isS3Error(caught), `expected S3Error ${code}, got ${String(caught)}`).toBe(true);
  if (!isS3Error(caught)) throw caught;
  expect(caught.code).toBe(code);
  return caught;
}

/** A stream that delivers `bytes` in pieces of `size` (1 = byte by byte), to exercise arbitrary read boundaries. */
export function streamOf(bytes: Uint8Array, size = bytes.length || 1): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + size));
      offset += size;
    },
  });
}

export const utf8 = (s: string) => new TextEncoder().encode(s);

export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  const bytes = typeof data === 'string' ? utf8(data) : data;
  return [...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** HMAC-SHA256 straight from WebCrypto: test-side signing that does not go through src/auth. */
export async function hmacSha256(key: Uint8Array, data: string): Promise<Uint8Array> {
  const k = await crypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await crypto.subtle.sign('HMAC', k, utf8(data)));
}

export const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');

export async function deriveSigningKey(secret: string, date: string, region: string, service = 's3'): Promise<Uint8Array> {
  let key = await hmacSha256(utf8('AWS4' + secret), date);
  for (const part of [region, service, 'aws4_request']) key = await hmacSha256(key, part);
  return key;
}
