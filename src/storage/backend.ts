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
 * What a driver instance can do natively. The S3 layer reads these before it calls the backend:
 * what a backend lacks is emulated (src/storage/emulate) or refused, never approximated.
 */
export interface Capabilities {
  /** put() applies If-Match / If-None-Match atomically with the write. */
  atomicConditionalWrite: boolean;
  /** completeMultipart() applies If-Match / If-None-Match atomically with the completion. */
  atomicConditionalComplete: boolean;
  /** Multipart uploads are the store's own (not assembled by the gateway). */
  nativeMultipart: boolean;
  /** Every part but the last must have the same size (R2). */
  uniformPartSizes: boolean;
  /** 'same-backend': copy()/uploadPartCopy() run inside the store; 'none': the S3 layer streams GET→PUT. */
  serverSideCopy: 'none' | 'same-backend';
  /** ETags are the MD5 of the bytes (and md5-of-md5s "-N" for multipart), as S3's. */
  md5ETags: boolean;
  /** x-amz-meta-* is stored and returned. */
  userMetadata: boolean;
  /** Largest object, in bytes. */
  maxObjectSize: number;
  /** Largest part, in bytes. */
  maxPartSize: number;
  /** get() serves byte ranges itself. */
  rangedReads: boolean;
  /** list() groups by delimiter itself (otherwise src/storage/emulate/list-grouping.ts does). */
  nativeDelimiter: boolean;
}

/**
 * One storage location behind a virtual bucket. Every method takes client-visible keys; the
 * backend adds its own prefix. Failures are thrown as StorageError (src/storage/errors.ts) and
 * nothing else; the S3 layer maps them to S3 errors.
 */
export interface Backend {
  readonly capabilities: Capabilities;
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
  /** `conditions` are passed only to a backend that declares atomicConditionalComplete, which applies them with the commit. */
  completeMultipart(key: string, uploadId: string, parts: CompletedPart[], conditions?: WriteConditions): Promise<ObjectInfo>;
  abortMultipart(key: string, uploadId: string): Promise<void>;
}
