import { describe, expect, it } from 'vitest';
import { type Backend, type ByteRange, type ObjectMetadata, type ServerSideCopier, serverSideCopier } from '../../../src/storage/backend';
import { s3ErrorFromStorage } from '../../../src/s3/storage-errors';
import { assertConditionalWriteSupported } from '../../../src/storage/emulate/conditional';
import { StorageError } from '../../../src/storage/errors';
import { bytes, failingStream, md5Hex, noMetadata, pattern, put, read, s3Failure, storageFailure, stream, text } from './support';

/**
 * The backend contract: ONE set of cases every storage driver must pass against a real server
 * (after hono's router `common.case.test.ts`). A runner calls `runBackendContract` with a factory
 * and declares, per case it cannot pass, why — a reason a reviewer can check against the server's
 * or the store's documentation. A case not declared skipped must pass.
 */

export type FaultMode = 'unreachable' | 'fail500' | 'slowdown' | 'unavailable' | 'stall' | 'redirect' | 'dropmid';

export interface ContractTarget {
  /** A fresh backend with nothing in it (its own key prefix), one per test. */
  make(label: string): Backend;
  /** A backend whose upstream misbehaves as `mode`, and how many requests that upstream saw. */
  faulty?(mode: FaultMode): { backend: Backend; hits(): Promise<number>; timeoutMs: number; retries: number };
}

export type ContractCase =
  | 'basic'
  | 'ranges'
  | 'edge-ranges'
  | 'metadata'
  | 'checksums'
  | 'encoded-bytes'
  | 'conditional-writes'
  | 'error-kinds'
  | 'capability-refusals'
  | 'list-delimiter'
  | 'list-start-after'
  | 'list-paging'
  | 'awkward-keys'
  | 'xml-special-keys'
  | 'long-key'
  | 'multipart'
  | 'multipart-etag'
  | 'multipart-abort'
  | 'multipart-list-parts'
  | 'multipart-list-uploads'
  | 'copy'
  | 'copy-pinned'
  | 'upload-part-copy'
  | 'missing-key'
  | 'bad-upload-id'
  | 'bad-part'
  | 'put-fails-midway'
  | 'upstream-faults';

/** Multipart listings a driver with native S3 semantics offers beyond `Backend` (today: the `s3` driver). */
interface NativeListings {
  listParts(key: string, uploadId: string, options?: { maxParts?: number; partNumberMarker?: number }): Promise<{ parts: { partNumber: number; etag: string; size: number }[]; truncated: boolean; nextPartNumberMarker?: number }>;
  listUploads(prefix: string): Promise<{ uploads: { key: string; uploadId: string }[] }>;
}

function extras(backend: Backend): NativeListings {
  const candidate = backend as Backend & Partial<NativeListings>;
  // A driver without them must declare the case skipped, with its reason.
  expect(typeof candidate.listParts, 'driver offers native multipart listings').toBe('function');
  return candidate as Backend & NativeListings;
}

/** The backend as its own server-side copier (Backend's typed optional members, gated by the capability). */
function copier(backend: Backend): ServerSideCopier {
  const native = serverSideCopier(backend, backend);
  // A driver without it must declare the case skipped, with its reason.
  expect(native, 'driver declares serverSideCopy and copies within itself').not.toBeNull();
  return native!;
}

const MiB = 1024 * 1024;

async function expectRange(b: Backend, data: Uint8Array, range: ByteRange, offset: number, length: number): Promise<void> {
  const object = await b.get('r', { range });
  expect(object?.range, JSON.stringify(range)).toEqual({ offset, length });
  expect(object?.size).toBe(data.byteLength);
  expect(new Uint8Array(await new Response(object!.body).arrayBuffer())).toEqual(data.slice(offset, offset + length));
}

/**
 * `skips`: cases that do not apply to the driver (it lacks the feature and declares so) — not registered; one test checks each declaration names a contract case and gives its reason.
 * `deviations`: cases that run and fail for a documented quirk of the upstream server — run as
 * `it.fails`, so the day the upstream is fixed the suite reports it and the entry can go.
 */
export interface ContractOptions {
  skips: Partial<Record<ContractCase, string>>;
  deviations?: Partial<Record<ContractCase, string>>;
}

export function runBackendContract(name: string, target: ContractTarget, options: ContractOptions): void {
  const { skips, deviations = {} } = options;
  /** Every case the suite defines, so a declaration naming anything else is caught below. */
  const defined = new Set<ContractCase>();
  const test = (id: ContractCase, title: string, fn: () => Promise<void>, timeout?: number) => {
    defined.add(id);
    const deviation = deviations[id];
    // A case that does not apply to the driver is not registered: the declaration itself is checked instead.
    if (skips[id]) return;
    if (deviation) it.fails(`${title} — fails on ${name}: ${deviation}`, fn, timeout);
    else it(title, fn, timeout);
  };

  describe(`backend contract: ${name}`, () => {
    it('declares the cases that do not apply to it by their ids, each with its reason, none also a deviation', () => {
      for (const [id, reason] of Object.entries(skips) as [ContractCase, string][]) {
        expect(defined.has(id), `${id} is a case of the contract`).toBe(true);
        expect(reason.trim().length, `${id} has a reason`).toBeGreaterThan(10);
        expect(deviations[id], `${id} is not also a deviation`).toBeUndefined();
      }
      for (const id of Object.keys(deviations) as ContractCase[]) expect(defined.has(id), `${id} is a case of the contract`).toBe(true);
    });

    test('basic', 'put, head, get and delete an object', async () => {
      const b = target.make('basic');
      const info = await put(b, 'a.txt', 'hello');
      expect(info).toMatchObject({ key: 'a.txt', size: 5, etag: await md5Hex(bytes('hello')) });
      expect(await b.head('a.txt')).toMatchObject({ key: 'a.txt', size: 5, etag: info.etag });
      const object = await b.get('a.txt');
      expect(object).toMatchObject({ size: 5, etag: info.etag });
      expect(await text(object!.body)).toBe('hello');
      await put(b, 'a.txt', 'replaced');
      expect(await read(b, 'a.txt')).toBe('replaced');
      await b.delete(['a.txt']);
      expect(await b.head('a.txt')).toBeNull();
      expect(await b.get('a.txt')).toBeNull();
    });

    test('ranges', 'serves byte ranges and refuses one past the end', async () => {
      const b = target.make('ranges');
      const data = pattern(100);
      await put(b, 'r', data);
      const cases = [
        [{ offset: 10, length: 20 }, 10, 20],
        [{ offset: 90 }, 90, 10],
        [{ offset: 1, length: 1 }, 1, 1],
      ] as const;
      for (const [range, offset, length] of cases) await expectRange(b, data, range, offset, length);
      const error = await s3Failure(b.get('r', { range: { offset: 200 } }));
      expect(error.code).toBe('InvalidRange');
      expect(error.extra.ActualObjectSize).toBe('100');
    });

    test('edge-ranges', 'serves a suffix range (the last n bytes) and the first byte alone', async () => {
      const b = target.make('edges');
      const data = pattern(100);
      await put(b, 'r', data);
      await expectRange(b, data, { suffix: 5 }, 95, 5);
      await expectRange(b, data, { offset: 0, length: 1 }, 0, 1);
    });

    test('metadata', 'round-trips HTTP and user metadata', async () => {
      const b = target.make('meta');
      const metadata: ObjectMetadata = {
        contentType: 'text/plain; charset=utf-8',
        cacheControl: 'max-age=60',
        contentDisposition: 'attachment; filename="x.txt"',
        contentEncoding: 'gzip',
        contentLanguage: 'de',
        expires: 'Wed, 21 Oct 2037 07:28:00 GMT',
        user: { color: 'blue', 'multi-word': 'a value with spaces' },
      };
      await put(b, 'm', 'data', metadata);
      const expected = { ...metadata };
      expect((await b.head('m'))?.metadata).toMatchObject(expected);
      const object = await b.get('m');
      await object!.body.cancel();
      expect(object?.metadata).toMatchObject(expected);
    });

    test('encoded-bytes', 'serves the stored bytes of a gzip-labelled object as stored, never decoded', async () => {
      const b = target.make('gzip');
      const gzipped = new Uint8Array(await new Response(stream('compress me '.repeat(100)).pipeThrough(new CompressionStream('gzip'))).arrayBuffer());
      await put(b, 'page.html', gzipped, { contentType: 'text/html', contentEncoding: 'gzip', user: {} });
      const object = await b.get('page.html');
      expect(object?.metadata.contentEncoding).toBe('gzip');
      expect(object?.size).toBe(gzipped.byteLength);
      expect(new Uint8Array(await new Response(object!.body).arrayBuffer())).toEqual(gzipped);
    });

    test('checksums', 'stores the verified checksums and returns them', async () => {
      const b = target.make('checksums');
      const data = bytes('checksummed');
      const sha256 = btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.digest('SHA-256', data))));
      await put(b, 'c', data, { user: {}, checksums: { sha256 } });
      expect((await b.head('c'))?.metadata.checksums).toEqual({ sha256 });
    });

    test('conditional-writes', 'passes If-Match / If-None-Match and leaves the object when they fail', async () => {
      const b = target.make('cond');
      // Only a backend that declares atomic conditions is handed them (src/storage/emulate/conditional.ts).
      expect(b.capabilities.atomicConditionalWrite, 'declares atomic conditional writes').toBe(true);
      const first = await b.put('k', stream('v1'), 2, noMetadata, { ifNoneMatch: '*' });
      const exists = await s3Failure(b.put('k', stream('v2'), 2, noMetadata, { ifNoneMatch: '*' }));
      expect([exists.code, exists.extra.Condition]).toEqual(['PreconditionFailed', 'If-None-Match']);
      const wrong = await s3Failure(b.put('k', stream('v3'), 2, noMetadata, { ifMatch: '"0123456789abcdef0123456789abcdef"' }));
      expect(wrong.code).toBe('PreconditionFailed');
      expect(await read(b, 'k')).toBe('v1');
      await b.put('k', stream('v4'), 2, noMetadata, { ifMatch: first.etag });
      expect(await read(b, 'k')).toBe('v4');
      // Either is fine: the S3 layer answers If-Match on a missing key with NoSuchKey (src/s3/conditional.ts).
      const missing = await storageFailure(b.put('absent', stream('x'), 1, noMetadata, { ifMatch: first.etag }));
      expect(['precondition-failed', 'not-found']).toContain(missing.kind);
      expect(await b.head('absent')).toBeNull();
    });

    test('error-kinds', 'fails only with StorageErrors of the documented kinds, with their details', async () => {
      const b = target.make('kinds');
      const data = pattern(100);
      await put(b, 'r', data);
      const range = await storageFailure(b.get('r', { range: { offset: 200 } }));
      expect([range.kind, range.detail.actualObjectSize]).toEqual(['invalid-range', 100]);
      expect(s3ErrorFromStorage(range)).toMatchObject({ code: 'InvalidRange', status: 416, extra: { ActualObjectSize: '100' } });
      if (b.capabilities.atomicConditionalWrite) {
        const failed = await storageFailure(b.put('r', stream('x'), 1, noMetadata, { ifNoneMatch: '*' }));
        expect([failed.kind, failed.detail.condition]).toEqual(['precondition-failed', 'If-None-Match']);
      }
      // Absence is an answer, not an error.
      expect(await b.head('absent')).toBeNull();
      expect(await b.get('absent')).toBeNull();
    });

    test('capability-refusals', 'declares its capabilities, and a conditional write it cannot do atomically is refused before anything changes', async () => {
      const b = target.make('caps');
      const caps = b.capabilities;
      expect(caps.maxObjectSize).toBeGreaterThan(0);
      expect(caps.maxPartSize).toBeGreaterThan(0);
      expect(['none', 'same-backend']).toContain(caps.serverSideCopy);
      const conditions = { ifNoneMatch: '*' };
      for (const [operation, atomic] of [['put', caps.atomicConditionalWrite], ['complete', caps.atomicConditionalComplete]] as const) {
        const check = () => assertConditionalWriteSupported(caps, operation, conditions);
        if (atomic) {
          expect(check).not.toThrow();
          continue;
        }
        let refusal: unknown;
        try {
          check();
        } catch (error) {
          refusal = error;
        }
        expect(refusal).toBeInstanceOf(StorageError);
        const answer = s3ErrorFromStorage(refusal as StorageError);
        expect([answer.code, answer.status]).toEqual(['NotImplemented', 501]);
        expect(answer.message).toContain(operation === 'put' ? 'PutObject' : 'CompleteMultipartUpload');
        // Unconditional writes are unaffected.
        expect(() => assertConditionalWriteSupported(caps, operation, undefined)).not.toThrow();
      }
    });

    test('list-delimiter', 'lists with prefix and delimiter', async () => {
      const b = target.make('delim');
      for (const key of ['a/1', 'a/2', 'a/b/3', 'b/1', 'c']) await put(b, key, key);
      const all = await b.list({ prefix: '', maxKeys: 1000 });
      expect(all.objects.map((o) => o.key)).toEqual(['a/1', 'a/2', 'a/b/3', 'b/1', 'c']);
      expect(all.objects[4]).toMatchObject({ size: 1, etag: await md5Hex(bytes('c')) });
      const top = await b.list({ prefix: '', delimiter: '/', maxKeys: 1000 });
      expect([top.objects.map((o) => o.key), top.commonPrefixes, top.truncated]).toEqual([['c'], ['a/', 'b/'], false]);
      const inA = await b.list({ prefix: 'a/', delimiter: '/', maxKeys: 1000 });
      expect([inA.objects.map((o) => o.key), inA.commonPrefixes]).toEqual([['a/1', 'a/2'], ['a/b/']]);
      expect((await b.list({ prefix: 'zzz', maxKeys: 1000 })).objects).toEqual([]);
    });

    test('list-start-after', 'lists strictly after start-after', async () => {
      const b = target.make('after');
      for (const key of ['a', 'b', 'c', 'd']) await put(b, key, key);
      const page = await b.list({ prefix: '', startAfter: 'b', maxKeys: 1000 });
      expect(page.objects.map((o) => o.key)).toEqual(['c', 'd']);
      const between = await b.list({ prefix: '', startAfter: 'bb', maxKeys: 1000 });
      expect(between.objects.map((o) => o.key)).toEqual(['c', 'd']);
    });

    test(
      'list-paging',
      'pages through more than 1000 keys with the cursor',
      async () => {
        const b = target.make('paging');
        const keys = Array.from({ length: 1005 }, (_, i) => `k/${String(i).padStart(4, '0')}`);
        for (let i = 0; i < keys.length; i += 25) await Promise.all(keys.slice(i, i + 25).map((k) => put(b, k, 'x')));
        const first = await b.list({ prefix: 'k/', maxKeys: 1000 });
        expect([first.objects.length, first.truncated, typeof first.cursor]).toEqual([1000, true, 'string']);
        const second = await b.list({ prefix: 'k/', maxKeys: 1000, cursor: first.cursor });
        expect(second.truncated).toBe(false);
        expect([...first.objects, ...second.objects].map((o) => o.key)).toEqual(keys);
        // Small pages walk the same keys in the same order.
        const walked: string[] = [];
        let cursor: string | undefined;
        do {
          const page = await b.list({ prefix: 'k/000', maxKeys: 3, ...(cursor ? { cursor } : {}) });
          walked.push(...page.objects.map((o) => o.key));
          cursor = page.cursor;
          if (page.truncated) expect(cursor).toBeDefined();
        } while (cursor);
        expect(walked).toEqual(keys.slice(0, 10));
      },
      180_000,
    );

    test('awkward-keys', 'stores, lists and deletes awkward keys exactly', async () => {
      const b = target.make('awkward');
      const keys = [
        'with space.txt',
        'plus+sign',
        'percent%20literal',
        '100%',
        'ünïcödé/日本語.txt',
        'emoji-😀',
        'deep/a/b/c/d/e/f/g/h/i/j/k.txt',
        'tilde~star*paren()',
        'equals=and?question#hash',
        'semi;colon:comma,at@dollar$',
      ];
      for (const key of keys) await put(b, key, key);
      for (const key of keys) {
        expect((await b.head(key))?.size, key).toBe(bytes(key).byteLength);
        expect(await read(b, key), key).toBe(key);
      }
      const listed = await b.list({ prefix: '', maxKeys: 1000 });
      expect(listed.objects.map((o) => o.key).sort()).toEqual([...keys].sort());
      await b.delete(keys);
      expect((await b.list({ prefix: '', maxKeys: 1000 })).objects).toEqual([]);
    });

    test('xml-special-keys', 'stores and lists keys with XML-special characters exactly', async () => {
      const b = target.make('xmlkeys');
      const keys = ['amp&lt;tag>', 'quote"\'', 'a&b', '<not-a-tag/>'];
      for (const key of keys) await put(b, key, key);
      for (const key of keys) expect(await read(b, key), key).toBe(key);
      expect((await b.list({ prefix: '', maxKeys: 1000 })).objects.map((o) => o.key).sort()).toEqual([...keys].sort());
    });

    test('long-key', 'stores a key near 1024 bytes (leaving 64 for the backend prefix)', async () => {
      const b = target.make('long');
      const segments = Array.from({ length: 9 }, (_, i) => `${i}`.repeat(100));
      let key = segments.join('/') + '/';
      key += 'é'.repeat((1024 - 64 - bytes(key).byteLength) >> 1);
      expect(bytes(key).byteLength).toBeGreaterThan(950);
      await put(b, key, 'long');
      expect(await read(b, key)).toBe('long');
      expect((await b.list({ prefix: segments[0]!, maxKeys: 10 })).objects.map((o) => o.key)).toEqual([key]);
    });

    test(
      'multipart',
      'uploads in parts and completes with the S3 multipart ETag',
      async () => {
        const b = target.make('mpu');
        const metadata: ObjectMetadata = { contentType: 'application/x-test', user: { origin: 'parts' } };
        const id = await b.createMultipart('big', metadata);
        const one = pattern(5 * MiB, 1);
        const two = pattern(1024, 2);
        const p1 = await b.uploadPart('big', id, 1, stream(one), one.byteLength);
        const p2 = await b.uploadPart('big', id, 2, stream(two), two.byteLength);
        const info = await b.completeMultipart('big', id, [{ partNumber: 1, etag: p1.etag }, { partNumber: 2, etag: p2.etag }]);
        expect(info.size).toBe(one.byteLength + two.byteLength);
        const head = await b.head('big');
        expect(head).toMatchObject({ size: info.size, etag: info.etag });
        expect(head?.metadata).toMatchObject(metadata);
        const object = await b.get('big', { range: { offset: one.byteLength - 2, length: 4 } });
        expect(new Uint8Array(await new Response(object!.body).arrayBuffer())).toEqual(new Uint8Array([...one.slice(-2), ...two.slice(0, 2)]));
      },
      120_000,
    );

    test('multipart-etag', 'gives a completed upload the S3 multipart ETag (md5 of the part md5s, -N)', async () => {
      const b = target.make('mpuetag');
      const id = await b.createMultipart('m', noMetadata);
      const one = pattern(5 * MiB, 4);
      const two = bytes('tail');
      const p1 = await b.uploadPart('m', id, 1, stream(one), one.byteLength);
      const p2 = await b.uploadPart('m', id, 2, stream(two), two.byteLength);
      const info = await b.completeMultipart('m', id, [{ partNumber: 1, etag: p1.etag }, { partNumber: 2, etag: p2.etag }]);
      const hex = (h: string) => new Uint8Array(h.match(/../g)!.map((x) => parseInt(x, 16)));
      const expected = `${await md5Hex(new Uint8Array([...hex(await md5Hex(one)), ...hex(await md5Hex(two))]))}-2`;
      expect(info.etag).toBe(expected);
      expect((await b.head('m'))?.etag).toBe(expected);
    });

    test('multipart-abort', 'aborts an upload: its id is then unknown and no object appears', async () => {
      const b = target.make('abort');
      const id = await b.createMultipart('gone', noMetadata);
      await b.uploadPart('gone', id, 1, stream('part'), 4);
      await b.abortMultipart('gone', id);
      expect((await s3Failure(b.uploadPart('gone', id, 2, stream('more'), 4))).code).toBe('NoSuchUpload');
      expect((await s3Failure(b.completeMultipart('gone', id, [{ partNumber: 1, etag: await md5Hex(bytes('part')) }]))).code).toBe('NoSuchUpload');
      expect(await b.head('gone')).toBeNull();
    });

    test('multipart-list-parts', 'lists the parts of an upload, paged', async () => {
      const b = target.make('parts');
      const native = extras(b);
      const id = await b.createMultipart('p', noMetadata);
      for (const n of [1, 2, 3]) await b.uploadPart('p', id, n, stream(`part${n}`), 5);
      const first = await native.listParts('p', id, { maxParts: 2 });
      expect(first.parts.map((p) => [p.partNumber, p.size])).toEqual([[1, 5], [2, 5]]);
      expect(first.truncated).toBe(true);
      const rest = await native.listParts('p', id, { partNumberMarker: first.nextPartNumberMarker! });
      expect(rest.parts.map((p) => p.partNumber)).toEqual([3]);
      expect(rest.parts[0]!.etag).toBe(await md5Hex(bytes('part3')));
      await b.abortMultipart('p', id);
    });

    test('multipart-list-uploads', 'lists the uploads in progress under a prefix', async () => {
      const b = target.make('uploads');
      const native = extras(b);
      const a = await b.createMultipart('dir/a', noMetadata);
      const c = await b.createMultipart('dir/c', noMetadata);
      const listed = await native.listUploads('dir/');
      expect(listed.uploads.map((u) => [u.key, u.uploadId])).toEqual([['dir/a', a], ['dir/c', c]]);
      await b.abortMultipart('dir/a', a);
      await b.abortMultipart('dir/c', c);
      expect((await native.listUploads('dir/')).uploads).toEqual([]);
    });

    test('copy', 'copies server-side with the metadata it is given', async () => {
      const b = target.make('copy');
      const native = copier(b);
      const source = await put(b, 'src', 'copied bytes', { contentType: 'text/plain', user: { a: '1' } });
      const metadata: ObjectMetadata = { contentType: 'application/octet-stream', user: { b: '2' } };
      const info = await native.copy(b, { key: 'src', size: source.size, etag: source.etag }, 'dst', metadata);
      expect(info.etag).toBe(source.etag);
      expect(await read(b, 'dst')).toBe('copied bytes');
      expect((await b.head('dst'))?.metadata).toMatchObject(metadata);
      expect((await b.head('dst'))?.metadata.user).toEqual({ b: '2' });
      expect(await read(b, 'src')).toBe('copied bytes');
      expect((await s3Failure(native.copy(b, { key: 'nope', size: 0, etag: source.etag }, 'dst2', noMetadata))).code).toBe('NoSuchKey');
    });

    test('copy-pinned', 'refuses a server-side copy whose source no longer has the ETag the copy was judged on', async () => {
      const b = target.make('copy-pinned');
      const native = copier(b);
      const old = await put(b, 'src', 'first version');
      await put(b, 'src', 'second version');
      expect((await s3Failure(native.copy(b, { key: 'src', size: old.size, etag: old.etag }, 'dst', noMetadata))).code).toBe('PreconditionFailed');
      expect(await b.head('dst')).toBeNull();
    });

    test(
      'upload-part-copy',
      'builds a multipart object from server-side part copies',
      async () => {
        const b = target.make('partcopy');
        const native = copier(b);
        const data = pattern(5 * MiB + 10, 3);
        const source = { key: 'src', etag: (await put(b, 'src', data)).etag };
        const id = await b.createMultipart('dst', noMetadata);
        const p1 = await native.uploadPartCopy(b, source, 'dst', id, 1, { offset: 0, length: 5 * MiB });
        const p2 = await native.uploadPartCopy(b, source, 'dst', id, 2, { offset: 5 * MiB, length: 10 });
        const info = await b.completeMultipart('dst', id, [{ partNumber: 1, etag: p1.etag }, { partNumber: 2, etag: p2.etag }]);
        expect(info.size).toBe(data.byteLength);
        expect(await md5Hex(new Uint8Array(await new Response((await b.get('dst'))!.body).arrayBuffer()))).toBe(await md5Hex(data));
      },
      120_000,
    );

    test('missing-key', 'answers a missing key with null, and deleting it is not an error', async () => {
      const b = target.make('missing');
      expect(await b.head('nothing')).toBeNull();
      expect(await b.get('nothing')).toBeNull();
      expect(await b.get('nothing', { range: { offset: 0, length: 1 } })).toBeNull();
      await b.delete(['nothing', 'nothing-either']);
      expect((await b.list({ prefix: '', maxKeys: 10 })).objects).toEqual([]);
    });

    test('bad-upload-id', 'answers an unknown upload id with NoSuchUpload', async () => {
      const b = target.make('badid');
      const bogus = 'bm90LWFuLXVwbG9hZC1pZA';
      expect((await s3Failure(b.uploadPart('k', bogus, 1, stream('x'), 1))).code).toBe('NoSuchUpload');
      expect((await s3Failure(b.completeMultipart('k', bogus, [{ partNumber: 1, etag: 'd41d8cd98f00b204e9800998ecf8427e' }]))).code).toBe('NoSuchUpload');
      expect((await s3Failure(b.abortMultipart('k', bogus))).code).toBe('NoSuchUpload');
      expect(await b.head('k')).toBeNull();
    });

    test('bad-part', 'answers a completion naming a part not uploaded with InvalidPart', async () => {
      const b = target.make('badpart');
      const id = await b.createMultipart('k', noMetadata);
      const p1 = await b.uploadPart('k', id, 1, stream('only'), 4);
      expect((await s3Failure(b.completeMultipart('k', id, [{ partNumber: 1, etag: '0123456789abcdef0123456789abcdef' }]))).code).toBe('InvalidPart');
      expect((await s3Failure(b.completeMultipart('k', id, [{ partNumber: 1, etag: p1.etag }, { partNumber: 2, etag: p1.etag }]))).code).toBe('InvalidPart');
      expect(await b.head('k')).toBeNull();
      await b.abortMultipart('k', id);
    });

    test('put-fails-midway', 'keeps the old object when a PUT body fails midway', async () => {
      const b = target.make('midway');
      await put(b, 'k', 'the old object');
      await expect(b.put('k', failingStream(pattern(64 * 1024)), 1 * MiB, noMetadata)).rejects.toThrow();
      expect(await read(b, 'k')).toBe('the old object');
    });

    // All its cases are 'upstream-faults': declared not applicable, the group is left out whole.
    defined.add('upstream-faults');
    if (!skips['upstream-faults']) describe('upstream faults', () => {
      const faulty = (mode: FaultMode) => {
        if (!target.faulty) throw new Error('the runner must provide faulty() or skip upstream-faults');
        return target.faulty(mode);
      };
      const noLeak = (error: { message: string; extra: Record<string, string> }) => {
        const shown = JSON.stringify([error.message, error.extra]);
        for (const marker of ['secret-upstream.example', 'REQID-LEAK-7Q', 'HOSTID-LEAK-9Z', 'internal-bucket-name', '169.254', '127.0.0.1']) {
          expect(shown).not.toContain(marker);
        }
      };

      test('upstream-faults', 'an unreachable upstream is ServiceUnavailable', async () => {
        const { backend } = faulty('unreachable');
        // One call at a time: a promise made before its turn could reject unobserved.
        for (const work of [() => backend.head('k'), () => backend.get('k'), () => put(backend, 'k', 'x'), () => backend.list({ prefix: '', maxKeys: 1 })]) {
          const error = await s3Failure(work());
          expect([error.code, error.status]).toEqual(['ServiceUnavailable', 503]);
          noLeak(error);
        }
      });

      test('upstream-faults', 'an upstream 500 is InternalError, retried only for idempotent calls, leaking nothing', async () => {
        const reads = faulty('fail500');
        const error = await s3Failure(reads.backend.get('secret/key'));
        expect([error.code, error.status]).toEqual(['InternalError', 500]);
        noLeak(error);
        expect(error.message).not.toContain('secret/key');
        expect(await reads.hits()).toBe(reads.retries + 1);
        const writes = faulty('fail500');
        expect((await s3Failure(put(writes.backend, 'k', 'x'))).code).toBe('InternalError');
        expect((await s3Failure(writes.backend.createMultipart('k', noMetadata))).code).toBe('InternalError');
        expect(await writes.hits()).toBe(2);
      });

      test('upstream-faults', 'an upstream 503 SlowDown is SlowDown, a bare 503 ServiceUnavailable', async () => {
        const slow = faulty('slowdown');
        const throttled = await s3Failure(slow.backend.get('k'));
        expect([throttled.code, throttled.status]).toEqual(['SlowDown', 503]);
        noLeak(throttled);
        const down = faulty('unavailable');
        for (const work of [() => down.backend.head('k'), () => down.backend.get('k')]) {
          const error = await s3Failure(work());
          expect([error.code, error.status]).toEqual(['ServiceUnavailable', 503]);
          noLeak(error);
        }
      });

      test('upstream-faults', 'an upstream that stalls is ServiceUnavailable within the timeout', async () => {
        const { backend, timeoutMs } = faulty('stall');
        for (const work of [() => backend.get('k'), () => put(backend, 'k', 'x')]) {
          const started = Date.now();
          const error = await s3Failure(work());
          const elapsed = Date.now() - started;
          expect(error.code).toBe('ServiceUnavailable');
          expect(elapsed).toBeGreaterThanOrEqual(timeoutMs - 50);
          // Not retried: a stalled upstream would only multiply the wait.
          expect(elapsed).toBeLessThan(timeoutMs + 1500);
        }
      });

      test('upstream-faults', 'an upstream redirect is never followed', async () => {
        const { backend, hits } = faulty('redirect');
        const error = await s3Failure(backend.get('k'));
        expect(error.code).toBe('InternalError');
        noLeak(error);
        expect(await hits()).toBe(1);
      });

      test('upstream-faults', 'an upstream that drops the connection mid-upload fails the PUT', async () => {
        const { backend, hits } = faulty('dropmid');
        const data = pattern(1 * MiB);
        const error = await s3Failure(backend.put('k', stream(data), data.byteLength, noMetadata));
        expect(error.code).toBe('ServiceUnavailable');
        expect(await hits()).toBe(1);
      });
    });
  });
}
