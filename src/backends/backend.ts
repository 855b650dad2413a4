import type { ChecksumAlgorithm } from '../core/checksum-names';

/** HTTP and user metadata stored with an object and returned on GET/HEAD. */
export interface ObjectMetadata {
  contentType?: string;
  cacheControl?: string;
  contentDisposition?: string;
  contentEncoding?: string;
  contentLanguage?: string;
  expires?: string;
  /** `x-amz-meta-*` without the prefix, names lowercased. */
  user: Record<string, string>;
  /** Base64 checksums the client supplied and the gateway verified (x-amz-checksum-*). */
  checksums?: Partial<Record<ChecksumAlgorithm, string>>;
}

export interface ObjectInfo {
  /** Key as the client sees it (backend prefixes already removed). */
  key: string;
  size: number;
  /** ETag without quotes, e.g. `d41d8cd98f00b204e9800998ecf8427e` or `...-3`. */
  etag: string;
  lastModified: Date;
  metadata: ObjectMetadata;
}

/** A byte range to read: `offset`+`length` (length omitted = to the end), or the last `suffix` bytes. */
export type ByteRange = { offset: number; length?: number } | { suffix: number };

export interface ObjectBody extends ObjectInfo {
  body: ReadableStream<Uint8Array>;
  /** The range actually served, resolved against the object size; absent for a full read. */
  range?: { offset: number; length: number };
}

/** Preconditions on a write, as the client sent them (`*` or a quoted/unquoted ETag). */
export interface WriteConditions {
  ifMatch?: string;
  ifNoneMatch?: string;
}

export interface ListQuery {
  prefix: string;
  delimiter?: string;
  /** List keys strictly after this one (V1 marker, V2 start-after). */
  startAfter?: string;
  /** Opaque position from a previous page's `cursor`. */
  cursor?: string;
  maxKeys: number;
}

export interface ListPage {
  objects: ObjectInfo[];
  commonPrefixes: string[];
  truncated: boolean;
  /** Pass back as `cursor` to continue; present when truncated. */
  cursor?: string;
}

export interface CompletedPart {
  partNumber: number;
  etag: string;
}

/**
 * One storage location behind a virtual bucket. Every method takes client-visible keys; the
 * backend adds its own prefix. Failures the client should see are thrown as S3Error
 * (PreconditionFailed, InvalidRange, NoSuchUpload, InvalidPart, ...).
 */
export interface Backend {
  /**
   * The longest client key, in UTF-8 bytes, this storage can hold: its own key limit less the
   * prefix it adds (R2 keys are at most 1024 bytes, prefix included).
   */
  readonly maxKeyBytes: number;
  head(key: string): Promise<ObjectInfo | null>;
  get(key: string, options?: { range?: ByteRange }): Promise<ObjectBody | null>;
  /** `body` yields exactly `length` bytes, or errors (then nothing may be left written). */
  put(key: string, body: ReadableStream<Uint8Array>, length: number, metadata: ObjectMetadata, conditions?: WriteConditions): Promise<ObjectInfo>;
  delete(keys: string[]): Promise<void>;
  list(query: ListQuery): Promise<ListPage>;
  createMultipart(key: string, metadata: ObjectMetadata): Promise<string>;
  uploadPart(key: string, uploadId: string, partNumber: number, body: ReadableStream<Uint8Array>, length: number): Promise<{ etag: string }>;
  completeMultipart(key: string, uploadId: string, parts: CompletedPart[]): Promise<ObjectInfo>;
  abortMultipart(key: string, uploadId: string): Promise<void>;
}
