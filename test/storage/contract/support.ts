import { expect } from 'vitest';
import type { Backend, ObjectMetadata } from '../../../src/storage/backend';
import type { S3Error } from '../../../src/core/s3-error';
import { s3ErrorFromStorage } from '../../../src/s3/storage-errors';
import { StorageError } from '../../../src/storage/errors';

export const noMetadata: ObjectMetadata = { user: {} };

export function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

export function stream(data: string | Uint8Array): ReadableStream<Uint8Array> {
  return new Blob([data]).stream();
}

/** `size` bytes of a repeating, position-dependent pattern (so a misplaced range shows). */
export function pattern(size: number, seed = 0): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

/** A body that yields `sent` bytes of `total` and then fails, as a client connection cut midway. */
export function failingStream(sent: Uint8Array): ReadableStream<Uint8Array> {
  let done = false;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (!done) {
        done = true;
        controller.enqueue(sent);
        return;
      }
      controller.error(new Error('client connection lost'));
    },
  });
}

export async function text(body: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(body).text();
}

export async function put(backend: Backend, key: string, data: string | Uint8Array, metadata: ObjectMetadata = noMetadata) {
  const b = typeof data === 'string' ? bytes(data) : data;
  return backend.put(key, stream(b), b.byteLength, metadata);
}

export async function read(backend: Backend, key: string): Promise<string | null> {
  const object = await backend.get(key);
  return object ? text(object.body) : null;
}

/**
 * The S3 error a client would get for a call's failure: the driver must throw a StorageError (fails
 * the test if it resolves or throws anything else), seen through the one mapping (src/s3/storage-errors.ts).
 */
export async function s3Failure(work: Promise<unknown>): Promise<S3Error> {
  return s3ErrorFromStorage(await storageFailure(work));
}

/** The StorageError a call fails with (fails the test if it resolves or throws anything else). */
export async function storageFailure(work: Promise<unknown>): Promise<StorageError> {
  try {
    await work;
  } catch (error) {
    expect(error).toBeInstanceOf(StorageError);
    return error as StorageError;
  }
  throw new Error('expected a StorageError');
}

export async function md5Hex(data: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('MD5', data));
  return [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
}
