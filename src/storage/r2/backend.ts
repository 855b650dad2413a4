import { log } from '../../core/log';
import { StorageError } from '../errors';
import { resolveRange } from '../emulate/range';
import type { Backend, Capabilities, ByteRange, CompletedPart, ListPage, ListQuery, ObjectBody, ObjectInfo, ObjectMetadata, WriteConditions } from '../backend';
import { listedObjectFromR2, objectInfoFromR2, toR2Metadata } from './metadata';

/** R2's `v4code`s for the failures a client should hear about (the rest stay unexplained: 'internal'). */
const R2_ERRORS: Record<number, () => StorageError> = {
  10007: () => new StorageError('not-found'),
  10011: () => new StorageError('entity-too-small'),
  10012: () => new StorageError('metadata-too-large'),
  10020: () => new StorageError('invalid-key'),
  10024: () => new StorageError('no-such-upload'),
  10025: () => new StorageError('invalid-part'),
  10031: () => new StorageError('precondition-failed'),
  10048: () => new StorageError('invalid-part', 'This storage (R2) requires every part except the last to have the same size, and the last part to be no larger.'),
  100100: () => new StorageError('entity-too-large'),
};
const R2_INVALID_RANGE = 10039;
const R2_INVALID_ARGUMENT = 10029;
/** R2's key limit, in UTF-8 bytes, counting the bucket's prefix. */
const R2_MAX_KEY_BYTES = 1024;
/**
 * R2 conditions puts atomically (`onlyIf`), but `R2MultipartUpload.complete(parts)` takes no
 * conditions at all, so a conditional CompleteMultipartUpload cannot be honoured atomically.
 * Limits: https://developers.cloudflare.com/r2/platform/limits/ (5 GiB parts, 5 TiB objects).
 */
const R2_CAPABILITIES: Capabilities = {
  atomicConditionalWrite: true,
  atomicConditionalComplete: false,
  nativeMultipart: true,
  // R2 commits the parts in place.
  lengthyCompletion: false,
  uniformPartSizes: true,
  serverSideCopy: 'none',
  md5ETags: true,
  userMetadata: true,
  maxObjectSize: 5 * 1024 ** 4 - 5 * 1024 ** 3,
  maxPartSize: 5 * 1024 ** 3 - 5 * 1024 ** 2,
  rangedReads: true,
  nativeDelimiter: true,
};
/** R2.delete takes at most this many keys per call. */
const DELETE_BATCH = 1000;

function r2ErrorCode(error: unknown): number | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as Partial<R2Error>).code;
  if (typeof code === 'number') return code;
  const match = /\((\d{5,6})\)\s*$/.exec(error.message);
  return match ? Number(match[1]) : undefined;
}

/** Turns an R2 binding failure into a StorageError: a known v4code by its kind, anything else 'internal' (logged). */
function translate(error: unknown): StorageError {
  if (error instanceof StorageError) return error;
  const code = r2ErrorCode(error);
  const known = code === undefined ? undefined : R2_ERRORS[code];
  if (known) return known();
  log.error('R2 binding failure', { code, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
  return new StorageError('internal');
}

function invalidRange(size: number): StorageError {
  return new StorageError('invalid-range', '', { actualObjectSize: size });
}

function toR2Range(range: ByteRange): R2Range {
  return 'suffix' in range ? { suffix: range.suffix } : { offset: range.offset, length: range.length };
}

/** An ETag condition as R2 parses it: an HTTP entity-tag list, so bare hex tags get their quotes. */
function quoted(tag: string): string {
  const t = tag.trim();
  return t === '*' || t.includes('"') ? t : `"${t}"`;
}

function toR2Conditional(conditions: WriteConditions): Headers {
  const headers = new Headers();
  if (conditions.ifMatch !== undefined) headers.set('if-match', quoted(conditions.ifMatch));
  if (conditions.ifNoneMatch !== undefined) headers.set('if-none-match', quoted(conditions.ifNoneMatch));
  return headers;
}

/**
 * R2 stores only streams of known length: pipe the (verified, unknown-length) body through a
 * FixedLengthStream. `stop` cancels the source when R2 gives up before reading it all. `settled`
 * ends with the copy: answer only after it, or the next request on a kept-alive connection can
 * find the runtime still pumping this one's body.
 */
function withKnownLength(body: ReadableStream<Uint8Array>, length: number): { stream: ReadableStream<Uint8Array>; settled: Promise<void>; stop(): Promise<void> } {
  const fixed = new FixedLengthStream(length);
  const abort = new AbortController();
  // A failed copy surfaces as R2 rejecting the write; `settled` only marks the end.
  const settled = body.pipeTo(fixed.writable, { signal: abort.signal }).catch(() => {});
  return {
    stream: fixed.readable,
    settled,
    stop: () => {
      abort.abort();
      return settled;
    },
  };
}

/**
 * A virtual bucket stored in an R2 binding under a key prefix. R2 speaks S3's object model
 * natively (MD5 ETags, `<md5-of-md5s>-N` multipart ETags, conditional puts, ranged reads), so
 * this is mostly translation; what R2 lacks (ListParts, ListMultipartUploads) the gateway's
 * multipart ledger answers.
 */
export class R2Backend implements Backend {
  readonly capabilities: Capabilities = R2_CAPABILITIES;
  readonly maxKeyBytes: number;

  constructor(
    private readonly bucket: R2Bucket,
    private readonly prefix: string,
  ) {
    this.maxKeyBytes = R2_MAX_KEY_BYTES - new TextEncoder().encode(prefix).byteLength;
  }

  private path(key: string): string {
    return this.prefix + key;
  }

  private unprefixed(path: string): string {
    return path.slice(this.prefix.length);
  }

  /** A key longer than this storage holds names no object: R2 would refuse it rather than say so. */
  private holds(key: string): boolean {
    return new TextEncoder().encode(key).byteLength <= this.maxKeyBytes;
  }

  async head(key: string): Promise<ObjectInfo | null> {
    if (!this.holds(key)) return null;
    try {
      const object = await this.bucket.head(this.path(key));
      return object ? objectInfoFromR2(object, key) : null;
    } catch (error) {
      throw translate(error);
    }
  }

  async get(key: string, options: { range?: ByteRange } = {}): Promise<ObjectBody | null> {
    const { range } = options;
    if (!this.holds(key)) return null;
    let object: R2ObjectBody | null;
    try {
      object = await this.bucket.get(this.path(key), range ? { range: toR2Range(range) } : {});
    } catch (error) {
      if (r2ErrorCode(error) !== R2_INVALID_RANGE) throw translate(error);
      const info = await this.head(key);
      if (!info) return null;
      throw invalidRange(info.size);
    }
    if (!object) return null;
    const info = objectInfoFromR2(object, key);
    if (!range) return { ...info, body: object.body };
    const served = resolveRange(range, object.size);
    if (!served) {
      await object.body.cancel();
      throw invalidRange(object.size);
    }
    return { ...info, body: object.body, range: served };
  }

  async put(key: string, body: ReadableStream<Uint8Array>, length: number, metadata: ObjectMetadata, conditions?: WriteConditions): Promise<ObjectInfo> {
    const source = withKnownLength(body, length);
    const options: R2PutOptions = { ...toR2Metadata(metadata), ...(conditions ? { onlyIf: toR2Conditional(conditions) } : {}) };
    let object: R2Object | null;
    try {
      object = (await this.bucket.put(this.path(key), source.stream, options)) as R2Object | null;
    } catch (error) {
      await source.stop();
      throw translate(error);
    }
    if (object === null) {
      // R2 answers a failed write condition with null; which answer S3 gives is the S3 layer's rule.
      await source.stop();
      throw new StorageError('precondition-failed', '', { condition: conditions?.ifMatch !== undefined ? 'If-Match' : 'If-None-Match' });
    }
    await source.settled;
    return objectInfoFromR2(object, key);
  }

  async delete(keys: string[]): Promise<void> {
    const stored = keys.filter((k) => this.holds(k));
    try {
      for (let i = 0; i < stored.length; i += DELETE_BATCH) {
        await this.bucket.delete(stored.slice(i, i + DELETE_BATCH).map((k) => this.path(k)));
      }
    } catch (error) {
      throw translate(error);
    }
  }

  async list(query: ListQuery): Promise<ListPage> {
    if (query.maxKeys <= 0) return { objects: [], commonPrefixes: [], truncated: false };
    let page: R2Objects;
    try {
      page = await this.bucket.list({
        prefix: this.path(query.prefix),
        delimiter: query.delimiter || undefined,
        startAfter: query.startAfter !== undefined ? this.path(query.startAfter) : undefined,
        cursor: query.cursor,
        limit: query.maxKeys,
      });
    } catch (error) {
      if (query.cursor !== undefined && r2ErrorCode(error) === R2_INVALID_ARGUMENT) throw new StorageError('invalid-cursor');
      throw translate(error);
    }
    return {
      objects: page.objects.map((o) => listedObjectFromR2(o, this.unprefixed(o.key))),
      commonPrefixes: page.delimitedPrefixes.map((p) => this.unprefixed(p)),
      truncated: page.truncated,
      ...(page.truncated ? { cursor: page.cursor } : {}),
    };
  }

  async createMultipart(key: string, metadata: ObjectMetadata): Promise<string> {
    try {
      const upload = await this.bucket.createMultipartUpload(this.path(key), toR2Metadata(metadata));
      return upload.uploadId;
    } catch (error) {
      throw translate(error);
    }
  }

  async uploadPart(key: string, uploadId: string, partNumber: number, body: ReadableStream<Uint8Array>, length: number): Promise<{ etag: string }> {
    const source = withKnownLength(body, length);
    try {
      const part = await this.bucket.resumeMultipartUpload(this.path(key), uploadId).uploadPart(partNumber, source.stream);
      await source.settled;
      return { etag: part.etag };
    } catch (error) {
      await source.stop();
      throw translate(error);
    }
  }

  async completeMultipart(key: string, uploadId: string, parts: CompletedPart[]): Promise<ObjectInfo> {
    try {
      const object = await this.bucket.resumeMultipartUpload(this.path(key), uploadId).complete(parts);
      return objectInfoFromR2(object, key);
    } catch (error) {
      throw translate(error);
    }
  }

  async abortMultipart(key: string, uploadId: string): Promise<void> {
    try {
      await this.bucket.resumeMultipartUpload(this.path(key), uploadId).abort();
    } catch (error) {
      throw translate(error);
    }
  }
}
