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

/**
 * A checksum the client sends after the body (an aws-chunked trailer): its algorithm is known
 * before the body, its value only after. A backend that can pass it on does so (the s3 driver
 * re-frames the upload as aws-chunked with the same trailer); the others ignore it, and the S3
 * layer keeps the value itself (src/s3/object-checksums.ts).
 */
export interface TrailingChecksum {
  algorithm: ChecksumAlgorithm;
  /** The base64 value the gateway verified; complete once the body stream has ended. */
  value(): string | undefined;
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

/**
 * What a listing says of each object: S3 listings show no metadata, and a store may not send it
 * with a list (R2 does only when asked; reading it per entry costs more than the rest of a page).
 */
export type ListedObject = Pick<ObjectInfo, 'key' | 'size' | 'etag' | 'lastModified'>;

export interface ListPage {
  objects: ListedObject[];
  commonPrefixes: string[];
  truncated: boolean;
  /** Pass back as `cursor` to continue; present when truncated. */
  cursor?: string;
}

export interface CompletedPart {
  partNumber: number;
  etag: string;
  /** The part's verified checksum in the upload's algorithm, for a backend that stores multipart checksums. */
  checksums?: Partial<Record<ChecksumAlgorithm, string>>;
}

/**
 * The checksum a multipart upload is created with (CreateMultipartUpload's x-amz-checksum-algorithm,
 * and x-amz-checksum-type when the client sent one). A backend that stores multipart checksums
 * creates its upload with it, so it verifies every part and keeps the object's checksum.
 */
export interface MultipartChecksum {
  algorithm: ChecksumAlgorithm;
  type?: 'COMPOSITE' | 'FULL_OBJECT';
}

/**
 * A part's checksum in its upload's algorithm: a value the client sent before the body (a header),
 * or one known only once the body has ended (a trailer, or one the gateway computed).
 */
export type PartChecksum = { algorithm: ChecksumAlgorithm; value: string } | TrailingChecksum;

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
  /**
   * completeMultipart() can take minutes on a large upload: the parts' bytes are copied, by the
   * gateway's staging emulation or by a store that assembles on completion (S3 documents minutes).
   * The S3 layer then answers 200 at once and keeps the client's connection alive with whitespace
   * while it runs (src/s3/handlers/complete-keep-alive.ts), as S3 does.
   */
  lengthyCompletion: boolean;
  /** Every part but the last must have the same size (R2). */
  uniformPartSizes: boolean;
  /**
   * 'same-backend': copy()/uploadPartCopy() run inside the store, between any two backends whose
   * `storeIdentity` is equal (same upstream, same credentials); 'none': the S3 layer streams GET→PUT.
   */
  serverSideCopy: 'none' | 'same-backend';
  /** ETags are the MD5 of the bytes (and md5-of-md5s "-N" for multipart), as S3's. */
  md5ETags: boolean;
  /** x-amz-meta-* is stored and returned. */
  userMetadata: boolean;
  /** Largest object, in bytes. */
  maxObjectSize: number;
  /** Largest part, in bytes: a larger UploadPart / UploadPartCopy is refused with EntityTooLarge. */
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
  /**
   * `body` yields exactly `length` bytes, or errors (then nothing may be left written).
   * `trailing`: the body's verified checksum, known once it has ended; may be ignored.
   */
  put(key: string, body: ReadableStream<Uint8Array>, length: number, metadata: ObjectMetadata, conditions?: WriteConditions, trailing?: TrailingChecksum): Promise<ObjectInfo>;
  delete(keys: string[]): Promise<void>;
  list(query: ListQuery): Promise<ListPage>;
  /** `checksum`: the upload's checksum choice; a backend that does not store multipart checksums ignores it (the S3 layer keeps them). */
  createMultipart(key: string, metadata: ObjectMetadata, checksum?: MultipartChecksum): Promise<string>;
  /** `checksum`: the part's, when its upload has one; ignored like createMultipart's. */
  uploadPart(key: string, uploadId: string, partNumber: number, body: ReadableStream<Uint8Array>, length: number, checksum?: PartChecksum): Promise<{ etag: string }>;
  /** `conditions` are passed only to a backend that declares atomicConditionalComplete, which applies them with the commit. */
  completeMultipart(key: string, uploadId: string, parts: CompletedPart[], conditions?: WriteConditions): Promise<ObjectInfo>;
  abortMultipart(key: string, uploadId: string): Promise<void>;

  // Server-side copy: present when, and only when, capabilities.serverSideCopy is 'same-backend'.
  // Callers go through `serverSideCopier` (below), never through these members directly.
  /**
   * Who serves this backend's bytes and with which credentials, for deciding whether a copy can
   * stay inside the store: equal identities mean this backend's copy() can read the other's keys.
   * In memory only; never logged (it may include an access key id).
   */
  readonly storeIdentity?: string;
  /**
   * Copies `source` (a key of `from`, whose storeIdentity equals this one's) to `key` inside the
   * store, only while the source still has `etag` (else a `precondition` StorageError).
   */
  copy?(from: Backend, source: CopySourceRef & { size: number }, key: string, metadata: ObjectMetadata): Promise<ObjectInfo>;
  /** Copies `source` (or a byte range of it) of `from` into part `partNumber` of an upload inside the store, pinned to `etag` too. */
  uploadPartCopy?(from: Backend, source: CopySourceRef, key: string, uploadId: string, partNumber: number, range?: { offset: number; length: number }): Promise<{ etag: string }>;
}

/** The object a server-side copy reads: its key and the ETag the S3 layer judged the conditions on. */
export interface CopySourceRef {
  key: string;
  etag: string;
}

/** A backend that copies inside its store. */
export type ServerSideCopier = Backend & Required<Pick<Backend, 'storeIdentity' | 'copy' | 'uploadPartCopy'>>;

/**
 * The destination backend when a copy from `from` to `to` can run inside the store — `to` declares
 * server-side copy and both reach the same store with the same credentials — else null, and the
 * S3 layer streams the bytes GET→PUT (src/s3/copy-engine.ts).
 */
export function serverSideCopier(from: Backend, to: Backend): ServerSideCopier | null {
  if (to.capabilities.serverSideCopy !== 'same-backend' || !to.copy || !to.uploadPartCopy || to.storeIdentity === undefined) return null;
  return from.storeIdentity === to.storeIdentity ? (to as ServerSideCopier) : null;
}
