import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { ObjectMetadata } from '../../src/storage/backend';
import { openBackend } from '../../src/connections/open-backend';
import { R2Backend } from '../../src/storage/r2/backend';
import { s3ErrorFromStorage } from '../../src/s3/storage-errors';
import { listPage } from '../../src/storage/emulate/list-grouping';
import { isStorageError, StorageError } from '../../src/storage/errors';

const noMetadata: ObjectMetadata = { user: {} };

function backend(label: string): R2Backend {
  return new R2Backend(env.STORAGE_B, `contract/${label}-${crypto.randomUUID().slice(0, 8)}/`);
}

function stream(text: string | Uint8Array): ReadableStream<Uint8Array> {
  return new Blob([text]).stream();
}

/** What a client would hear: the driver must throw a StorageError, seen through the one S3 mapping. */
async function failure(work: Promise<unknown>): Promise<{ code: string; extra: Record<string, string>; message: string }> {
  try {
    await work;
  } catch (error) {
    expect(error).toBeInstanceOf(StorageError);
    const e = s3ErrorFromStorage(error as StorageError);
    return { code: e.code, extra: e.extra, message: e.message };
  }
  throw new Error('expected a StorageError');
}

describe('openBackend', () => {
  it('opens the R2 binding a config names', async () => {
    expect(await openBackend(env, { type: 'r2', binding: 'STORAGE_B', prefix: 'x/' })).toBeInstanceOf(R2Backend);
  });

  it('refuses a config naming a missing binding as misconfigured, naming nothing internal', async () => {
    const error = await openBackend(env, { type: 'r2', binding: 'NOT_BOUND', prefix: '' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isStorageError(error, 'misconfigured')).toBe(true);
    expect((error as StorageError).message).not.toContain('NOT_BOUND');
  });
});

describe('R2Backend', () => {
  it('keeps each prefix to itself', async () => {
    const a = backend('iso-a');
    const b = backend('iso-b');
    await a.put('same-key', stream('from a'), 6, noMetadata);
    expect(await b.head('same-key')).toBeNull();
    expect((await b.list({ prefix: '', maxKeys: 10 })).objects).toEqual([]);
    const listed = await a.list({ prefix: '', maxKeys: 10 });
    expect(listed.objects.map((o) => o.key)).toEqual(['same-key']);
  });

  it('stores metadata and checksums, keeping gateway entries out of user metadata', async () => {
    const r2 = backend('meta');
    const metadata: ObjectMetadata = {
      contentType: 'text/plain',
      expires: 'not a date',
      user: { color: 'red' },
      checksums: { crc32: 'AAAAAA==' },
    };
    await r2.put('k', stream('x'), 1, metadata);
    const info = await r2.head('k');
    expect(info?.metadata).toMatchObject({ contentType: 'text/plain', expires: 'not a date', user: { color: 'red' }, checksums: { crc32: 'AAAAAA==' } });
    expect(info?.etag).toBe('9dd4e461268c8034f5c8564e155c67a6');
  });

  it('resolves ranges and refuses unsatisfiable ones with the object size', async () => {
    const r2 = backend('range');
    await r2.put('k', stream('0123456789'), 10, noMetadata);
    const suffix = await r2.get('k', { range: { suffix: 3 } });
    expect(suffix?.range).toEqual({ offset: 7, length: 3 });
    expect(await new Response(suffix!.body).text()).toBe('789');
    expect(await failure(r2.get('k', { range: { offset: 10 } }))).toMatchObject({ code: 'InvalidRange', extra: { ActualObjectSize: '10' } });
    expect(await r2.get('missing', { range: { offset: 1 } })).toBeNull();
  });

  it('writes conditionally and fails a write whose stream is shorter than declared, keeping the old object', async () => {
    const r2 = backend('cond');
    const first = await r2.put('k', stream('one'), 3, noMetadata, { ifNoneMatch: '*' });
    expect((await failure(r2.put('k', stream('two'), 3, noMetadata, { ifNoneMatch: '*' }))).code).toBe('PreconditionFailed');
    expect((await failure(r2.put('k', stream('two'), 3, noMetadata, { ifMatch: 'ffffffffffffffffffffffffffffffff' }))).code).toBe('PreconditionFailed');
    // The driver only reports the failed condition; answering NoSuchKey for a missing key is the S3 layer's rule.
    expect(await failure(r2.put('absent', stream('two'), 3, noMetadata, { ifMatch: first.etag }))).toMatchObject({ code: 'PreconditionFailed', extra: { Condition: 'If-Match' } });
    await expect(r2.put('k', stream('short'), 10, noMetadata)).rejects.toThrow();
    expect(await new Response((await r2.get('k'))!.body).text()).toBe('one');
  });

  it('skips a whole common prefix when listing continues after it', async () => {
    const r2 = backend('groups');
    for (const key of ['a/1', 'a/2', 'b', 'c/1']) await r2.put(key, stream('x'), 1, noMetadata);
    const after = await listPage(r2, { prefix: '', delimiter: '/', startAfter: 'a/', maxKeys: 10 });
    expect([...after.commonPrefixes, ...after.objects.map((o) => o.key)]).toEqual(['c/', 'b']);
    expect((await listPage(r2, { prefix: '', maxKeys: 0 })).objects).toEqual([]);
  });

  it('translates R2 multipart failures into storage errors', async () => {
    const r2 = backend('mpu');
    expect((await failure(r2.uploadPart('k', 'no-such-upload', 1, stream('x'), 1))).code).toBe('NoSuchUpload');
    const uploadId = await r2.createMultipart('k', noMetadata);
    const MiB = 1024 * 1024;
    const sizes = [5 * MiB + 1, 5 * MiB, 10];
    const parts = [];
    for (const [i, size] of sizes.entries()) parts.push({ partNumber: i + 1, ...(await r2.uploadPart('k', uploadId, i + 1, stream(new Uint8Array(size)), size)) });
    // R2 needs equal non-final parts, which S3 does not: the gateway says so rather than failing opaquely.
    const unequal = await failure(r2.completeMultipart('k', uploadId, parts));
    expect(unequal.code).toBe('InvalidPart');
    expect(unequal.message).toContain('same size');
    expect((await failure(r2.completeMultipart('k', uploadId, [{ partNumber: 1, etag: 'bogus' }]))).code).toBe('InvalidPart');
    await r2.abortMultipart('k', uploadId);
    expect(await r2.head('k')).toBeNull();
  });
});
