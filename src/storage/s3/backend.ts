import type { AllowList } from '../endpoint-guard';
import type { Backend, Capabilities, CopySourceRef, ByteRange, CompletedPart, ListPage, ListQuery, MultipartChecksum, ObjectBody, ObjectInfo, ObjectMetadata, PartChecksum, TrailingChecksum, WriteConditions } from '../backend';
import { type Upstream, UpstreamClient } from './client';
import type { S3DriverConfig } from './config';
import { listObjects } from './listing';
import * as multipart from './multipart';
import { copyObject, deleteObjects, getObject, headObject, putObject } from './objects';

/**
 * A virtual bucket stored in any S3-compatible bucket, under a key prefix. Translation only: ranges
 * are asked of the upstream as given, conditions passed to it, errors mapped in one place
 * (`errors.ts`); the S3 rules about them stay in the S3 layer. It copies server-side (CopyObject,
 * UploadPartCopy) from any S3Backend on the same endpoint with the same credentials, and offers
 * the upstream's multipart listings.
 */
const S3_MAX_KEY_BYTES = 1024;

export class S3Backend implements Backend {
  readonly capabilities: Capabilities;
  private readonly up: Upstream;
  private readonly bucket: string;
  /** S3 counts the upstream key prefix in its own 1024-byte key limit. */
  readonly maxKeyBytes: number;
  readonly storeIdentity: string;
  private readonly trailingChecksums: boolean;

  constructor(config: S3DriverConfig, allowList: AllowList) {
    this.up = { client: new UpstreamClient(config, allowList), prefix: config.prefix };
    this.bucket = config.bucket;
    this.trailingChecksums = config.trailingChecksums ?? true;
    // A copy stays inside the upstream only if this backend's credentials reach the other's bytes:
    // the same endpoint (as addressed and signed) and the same key pair. Federated credentials
    // are minted per virtual bucket, so two such buckets stream their copies (adrs/0017).
    this.storeIdentity = JSON.stringify(['s3', config.endpoint, config.region, config.pathStyle, config.credentials?.accessKeyId ?? null, config.credentials?.sessionToken ?? null]);
    this.maxKeyBytes = S3_MAX_KEY_BYTES - new TextEncoder().encode(config.prefix).byteLength;
    this.capabilities = {
      atomicConditionalWrite: config.conditionalWrites ?? false,
      // CompleteMultipartUpload is sent without conditions: not every S3-compatible store honours them.
      atomicConditionalComplete: false,
      nativeMultipart: true,
      // S3 assembles on completion and may take minutes (it keeps its own connection alive the same way).
      lengthyCompletion: true,
      uniformPartSizes: false,
      serverSideCopy: 'same-backend',
      md5ETags: true,
      userMetadata: true,
      // S3's limits (https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html).
      maxObjectSize: 5 * 1024 ** 4,
      maxPartSize: 5 * 1024 ** 3,
      rangedReads: true,
      nativeDelimiter: true,
    };
  }

  head(key: string): Promise<ObjectInfo | null> {
    return headObject(this.up, key);
  }

  get(key: string, options: { range?: ByteRange } = {}): Promise<ObjectBody | null> {
    return getObject(this.up, key, options.range);
  }

  put(key: string, body: ReadableStream<Uint8Array>, length: number, metadata: ObjectMetadata, conditions?: WriteConditions, trailing?: TrailingChecksum): Promise<ObjectInfo> {
    return putObject(this.up, key, body, length, metadata, conditions, this.trailingChecksums ? trailing : undefined);
  }

  delete(keys: string[]): Promise<void> {
    return deleteObjects(this.up, keys);
  }

  list(query: ListQuery): Promise<ListPage> {
    return listObjects(this.up, query);
  }

  // Multipart checksums ride on the same per-connection setting as PutObject's trailers: an upload
  // created with an algorithm needs every part's checksum, and most parts carry theirs as a
  // trailer. Without it (s3rver) nothing is sent and the gateway's ledger alone keeps them.
  createMultipart(key: string, metadata: ObjectMetadata, checksum?: MultipartChecksum): Promise<string> {
    return multipart.createMultipart(this.up, key, metadata, this.trailingChecksums ? checksum : undefined);
  }

  uploadPart(key: string, uploadId: string, partNumber: number, body: ReadableStream<Uint8Array>, length: number, checksum?: PartChecksum): Promise<{ etag: string }> {
    return multipart.uploadPart(this.up, key, uploadId, partNumber, body, length, this.trailingChecksums ? checksum : undefined);
  }

  completeMultipart(key: string, uploadId: string, parts: CompletedPart[]): Promise<ObjectInfo> {
    return multipart.completeMultipart(this.up, key, uploadId, this.trailingChecksums ? parts : parts.map(({ partNumber, etag }) => ({ partNumber, etag })));
  }

  abortMultipart(key: string, uploadId: string): Promise<void> {
    return multipart.abortMultipart(this.up, key, uploadId);
  }

  /** Server-side CopyObject inside the upstream (no bytes pass through the gateway). */
  copy(from: Backend, source: CopySourceRef & { size: number }, key: string, metadata: ObjectMetadata): Promise<ObjectInfo> {
    return copyObject(this.up, { ...this.sameStore(from).upstreamKey(source.key), etag: source.etag, size: source.size }, key, metadata);
  }

  /** Server-side UploadPartCopy inside the upstream. */
  uploadPartCopy(from: Backend, source: CopySourceRef, key: string, uploadId: string, partNumber: number, range?: { offset: number; length: number }): Promise<{ etag: string }> {
    return multipart.uploadPartCopy(this.up, { ...this.sameStore(from).upstreamKey(source.key), etag: source.etag }, key, uploadId, partNumber, range);
  }

  /** Where a client key of this backend lives upstream. */
  private upstreamKey(key: string): { bucket: string; key: string } {
    return { bucket: this.bucket, key: this.up.prefix + key };
  }

  private sameStore(from: Backend): S3Backend {
    // serverSideCopier() only pairs equal identities; anything else is a caller's bug, not the client's.
    if (!(from instanceof S3Backend) || from.storeIdentity !== this.storeIdentity) throw new Error('server-side copy between different stores');
    return from;
  }

  listParts(key: string, uploadId: string, options?: { partNumberMarker?: number; maxParts?: number }): ReturnType<typeof multipart.listParts> {
    return multipart.listParts(this.up, key, uploadId, options);
  }

  listUploads(prefix: string, options?: { keyMarker?: string; uploadIdMarker?: string; maxUploads?: number }): ReturnType<typeof multipart.listUploads> {
    return multipart.listUploads(this.up, prefix, options);
  }
}
