import { afterEach, describe, expect, it } from 'vitest';
import type { Backend, ObjectBody } from '../../src/storage/backend';
import { COPY_LIMITS, copyObjectData } from '../../src/s3/copy-engine';
import { isS3Error } from '../../src/core/s3-error';

const MiB = 1024 * 1024;
const DEFAULT_LIMITS = { ...COPY_LIMITS };
afterEach(() => Object.assign(COPY_LIMITS, DEFAULT_LIMITS));

function bytes(n: number): ReadableStream<Uint8Array> {
  return new Response(new Uint8Array(n)).body!;
}

function opened(etag: string, size: number): ObjectBody {
  return { key: 'src', size, etag, lastModified: new Date(0), metadata: { user: {} }, body: bytes(size) } as ObjectBody;
}

/** A destination that records what happens to its multipart upload; a source whose ETag changes after `changeAfter` reads. */
function fakes(changeAfter: number) {
  const calls: string[] = [];
  let reads = 0;
  const source = {
    async get(_key: string, options: { range?: { offset: number; length: number } } = {}) {
      reads++;
      const length = options.range && 'length' in options.range ? options.range.length : 0;
      return opened(reads > changeAfter ? 'replaced' : 'original', length);
    },
  } as unknown as Backend;
  const destination = {
    async createMultipart() {
      calls.push('create');
      return 'upload-1';
    },
    async uploadPart(_key: string, _id: string, partNumber: number, body: ReadableStream<Uint8Array>) {
      await new Response(body).arrayBuffer();
      calls.push(`part ${partNumber}`);
      return { etag: `e${partNumber}` };
    },
    async completeMultipart() {
      calls.push('complete');
      return { key: 'dst', size: 0, etag: 'done-3', lastModified: new Date(0) };
    },
    async abortMultipart() {
      calls.push('abort');
    },
  } as unknown as Backend;
  return { calls, source, destination };
}

describe('copyObjectData above the multipart threshold', () => {
  it('writes every part from a ranged read of the same version', async () => {
    Object.assign(COPY_LIMITS, { multipartThreshold: 10 * MiB, partSize: 8 * MiB });
    const { calls, source, destination } = fakes(Infinity);
    await copyObjectData(opened('original', 20 * MiB), { backend: source, key: 'src' }, { backend: destination, key: 'dst', metadata: { user: {} } });
    expect(calls).toEqual(['create', 'part 1', 'part 2', 'part 3', 'complete']);
  });

  it('aborts with OperationAborted when the source is replaced between parts, completing nothing', async () => {
    Object.assign(COPY_LIMITS, { multipartThreshold: 10 * MiB, partSize: 8 * MiB });
    const { calls, source, destination } = fakes(1);
    const failure = await copyObjectData(opened('original', 20 * MiB), { backend: source, key: 'src' }, { backend: destination, key: 'dst', metadata: { user: {} } }).catch((e) => e);
    expect(isS3Error(failure) && failure.code).toBe('OperationAborted');
    expect(calls).toEqual(['create', 'part 1', 'abort']);
  });
});
