import type { AllowList } from '../endpoint-guard';
import type { Backend, Capabilities, ByteRange, CompletedPart, ListPage, ListQuery, ObjectBody, ObjectInfo, ObjectMetadata, WriteConditions } from '../backend';
import { type Upstream, UpstreamClient } from './client';
import type { S3DriverConfig } from './config';
import { listObjects } from './listing';
import * as multipart from './multipart';
import { copyObject, deleteObjects, getObject, headObject, putObject } from './objects';

/**
 * A virtual bucket stored in any S3-compatible bucket, under a key prefix. Translation only: ranges
 * are asked of the upstream as given, conditions passed to it, errors mapped in one place
 * (`errors.ts`); the S3 rules about them stay in the S3 layer. Beyond `Backend` it offers what a
 * store with native S3 semantics can do itself: server-side copy and multipart listings.
 */
const S3_MAX_KEY_BYTES = 1024;

export class S3Backend implements Backend {
  readonly capabilities: Capabilities;
  private readonly up: Upstream;
  /** S3 counts the upstream key prefix in its own 1024-byte key limit. */
  readonly maxKeyBytes: number;

  constructor(config: S3DriverConfig, allowList: AllowList) {
    this.up = { client: new UpstreamClient(config, allowList), prefix: config.prefix };
    this.maxKeyBytes = S3_MAX_KEY_BYTES - new TextEncoder().encode(config.prefix).byteLength;
    this.capabilities = {
      atomicConditionalWrite: config.conditionalWrites ?? false,
      // CompleteMultipartUpload is sent without conditions: not every S3-compatible store honours them.
      atomicConditionalComplete: false,
      nativeMultipart: true,
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

  put(key: string, body: ReadableStream<Uint8Array>, length: number, metadata: ObjectMetadata, conditions?: WriteConditions): Promise<ObjectInfo> {
    return putObject(this.up, key, body, length, metadata, conditions);
  }

  delete(keys: string[]): Promise<void> {
    return deleteObjects(this.up, keys);
  }

  list(query: ListQuery): Promise<ListPage> {
    return listObjects(this.up, query);
  }

  createMultipart(key: string, metadata: ObjectMetadata): Promise<string> {
    return multipart.createMultipart(this.up, key, metadata);
  }

  uploadPart(key: string, uploadId: string, partNumber: number, body: ReadableStream<Uint8Array>, length: number): Promise<{ etag: string }> {
    return multipart.uploadPart(this.up, key, uploadId, partNumber, body, length);
  }

  completeMultipart(key: string, uploadId: string, parts: CompletedPart[]): Promise<ObjectInfo> {
    return multipart.completeMultipart(this.up, key, uploadId, parts);
  }

  abortMultipart(key: string, uploadId: string): Promise<void> {
    return multipart.abortMultipart(this.up, key, uploadId);
  }

  /** Server-side CopyObject within this upstream bucket (no bytes pass through the gateway). */
  copy(source: { key: string; size: number }, key: string, metadata: ObjectMetadata): Promise<ObjectInfo> {
    return copyObject(this.up, source, key, metadata);
  }

  /** Server-side UploadPartCopy within this upstream bucket. */
  uploadPartCopy(sourceKey: string, key: string, uploadId: string, partNumber: number, range?: { offset: number; length: number }): Promise<{ etag: string }> {
    return multipart.uploadPartCopy(this.up, sourceKey, key, uploadId, partNumber, range);
  }

  listParts(key: string, uploadId: string, options?: { partNumberMarker?: number; maxParts?: number }): ReturnType<typeof multipart.listParts> {
    return multipart.listParts(this.up, key, uploadId, options);
  }

  listUploads(prefix: string, options?: { keyMarker?: string; uploadIdMarker?: string; maxUploads?: number }): ReturnType<typeof multipart.listUploads> {
    return multipart.listUploads(this.up, prefix, options);
  }
}
