import { afterEach, describe, expect, it } from 'vitest';
import type { Backend, Capabilities, ObjectBody } from '../../src/storage/backend';
import { COPY_LIMITS, copyObjectData, copyPartData } from '../../src/s3/copy-engine';
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

const CAPABILITIES = { serverSideCopy: 'none', maxPartSize: 5 * 1024 * MiB, md5ETags: true } as Capabilities;

/** A destination that records what happens to its multipart upload; a source whose ETag changes after `changeAfter` reads. */
function fakes(changeAfter: number, capabilities: Partial<Capabilities> = {}) {
  const calls: string[] = [];
  let reads = 0;
  const source = {
    capabilities: CAPABILITIES,
    async get(_key: string, options: { range?: { offset: number; length: number } } = {}) {
      reads++;
      const length = options.range && 'length' in options.range ? options.range.length : 0;
      return opened(reads > changeAfter ? 'replaced' : 'original', length);
    },
  } as unknown as Backend;
  const destination = {
    capabilities: { ...CAPABILITIES, ...capabilities },
    async createMultipart() {
      calls.push('create');
      return 'upload-1';
    },
    async uploadPart(_key: string, _id: string, partNumber: number, body: ReadableStream<Uint8Array>, length: number) {
      await new Response(body).arrayBuffer();
      calls.push(`part ${partNumber}${length === 8 * MiB ? '' : ` (${length / MiB} MiB)`}`);
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
    expect(calls).toEqual(['create', 'part 1', 'part 2', 'part 3 (4 MiB)', 'complete']);
  });

  it('aborts with OperationAborted when the source is replaced between parts, completing nothing', async () => {
    Object.assign(COPY_LIMITS, { multipartThreshold: 10 * MiB, partSize: 8 * MiB });
    const { calls, source, destination } = fakes(1);
    const failure = await copyObjectData(opened('original', 20 * MiB), { backend: source, key: 'src' }, { backend: destination, key: 'dst', metadata: { user: {} } }).catch((e) => e);
    expect(isS3Error(failure) && failure.code).toBe('OperationAborted');
    expect(calls).toEqual(['create', 'part 1', 'abort']);
  });
});

describe('copyObjectData part sizes', () => {
  it('never makes a part larger than the destination declares (maxPartSize)', async () => {
    Object.assign(COPY_LIMITS, { multipartThreshold: 10 * MiB, partSize: 8 * MiB });
    const { calls, source, destination } = fakes(Infinity, { maxPartSize: 6 * MiB });
    await copyObjectData(opened('original', 20 * MiB), { backend: source, key: 'src' }, { backend: destination, key: 'dst', metadata: { user: {} } });
    expect(calls).toEqual(['create', 'part 1 (6 MiB)', 'part 2 (6 MiB)', 'part 3 (6 MiB)', 'part 4 (2 MiB)', 'complete']);
  });
});

/** Backends that copy inside their store, recording what they were asked; `identity` says which store and credentials. */
function copying(identity: string, calls: string[]): Backend {
  return {
    capabilities: { ...CAPABILITIES, serverSideCopy: 'same-backend' },
    storeIdentity: identity,
    async copy(_from: Backend, source: { key: string; etag: string }, key: string) {
      calls.push(`copy ${source.key}@${source.etag} → ${key}`);
      return { key, size: 5, etag: 'copied', lastModified: new Date(0), metadata: { user: {} } };
    },
    async uploadPartCopy(_from: Backend, source: { key: string; etag: string }, _key: string, _id: string, partNumber: number, range?: { offset: number; length: number }) {
      calls.push(`part-copy ${source.key}@${source.etag} ${range?.offset}+${range?.length} → part ${partNumber}`);
      return { etag: 'part-etag' };
    },
    async put(key: string, body: ReadableStream<Uint8Array>) {
      await new Response(body).arrayBuffer();
      calls.push(`put ${key}`);
      return { key, size: 5, etag: 'streamed', lastModified: new Date(0), metadata: { user: {} } };
    },
    async uploadPart(_key: string, _id: string, partNumber: number, body: ReadableStream<Uint8Array>) {
      await new Response(body).arrayBuffer();
      calls.push(`part ${partNumber}`);
      return { etag: 'streamed-part' };
    },
  } as unknown as Backend;
}

/** An opened source whose body records whether anyone read it. */
function watched(calls: string[], range?: { offset: number; length: number }): ObjectBody {
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      calls.push('source read');
      controller.enqueue(new Uint8Array(5));
      controller.close();
    },
    cancel() {
      calls.push('source cancelled');
    },
  }, { highWaterMark: 0 });
  return { key: 'src', size: 5, etag: 'v1', lastModified: new Date(0), metadata: { user: {} }, body, ...(range ? { range } : {}) };
}

describe('server-side copy (capabilities.serverSideCopy)', () => {
  it('copies inside the store when both backends share it, pinned to the ETag judged; no byte is read', async () => {
    const calls: string[] = [];
    const from = copying('store-1', calls);
    const to = copying('store-1', calls);
    const info = await copyObjectData(watched(calls), { backend: from, key: 'src' }, { backend: to, key: 'dst', metadata: { user: {} } });
    expect(info.etag).toBe('copied');
    expect(calls).toEqual(['source cancelled', 'copy src@v1 → dst']);
  });

  it('streams GET → PUT between two stores (or two credentials on one)', async () => {
    const calls: string[] = [];
    await copyObjectData(watched(calls), { backend: copying('store-1', calls), key: 'src' }, { backend: copying('store-2', calls), key: 'dst', metadata: { user: {} } });
    expect(calls).toEqual(['source read', 'put dst']);
  });

  it('copies a part inside the store with its range, and streams it across stores', async () => {
    const calls: string[] = [];
    const range = { offset: 0, length: 5 };
    const inside = await copyPartData(watched(calls, range), { backend: copying('s', calls), key: 'src' }, { backend: copying('s', calls), key: 'dst', uploadId: 'u', partNumber: 2 });
    expect(inside).toEqual({ etag: 'part-etag', backendEtag: 'part-etag', size: 5 });
    expect(calls).toEqual(['source cancelled', 'part-copy src@v1 0+5 → part 2']);
    calls.length = 0;
    const across = await copyPartData(watched(calls, range), { backend: copying('s', calls), key: 'src' }, { backend: copying('t', calls), key: 'dst', uploadId: 'u', partNumber: 2 });
    expect(across.backendEtag).toBe('streamed-part');
    expect(calls).toEqual(['source read', 'part 2']);
  });

  it('streams when the destination does not declare server-side copy, even with an equal identity', async () => {
    const calls: string[] = [];
    const to = Object.assign(copying('store-1', calls), { capabilities: CAPABILITIES });
    await copyObjectData(watched(calls), { backend: copying('store-1', calls), key: 'src' }, { backend: to, key: 'dst', metadata: { user: {} } });
    expect(calls).toEqual(['source read', 'put dst']);
  });
});
