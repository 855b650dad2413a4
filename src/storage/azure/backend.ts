import type { Backend, ByteRange, Capabilities, CompletedPart, ListPage, ListQuery, ObjectBody, ObjectInfo, ObjectMetadata, WriteConditions } from '../backend';
import type { AllowList } from '../endpoint-guard';
import { AzureClient, type AzureUpstream } from './client';
import type { AzureDriverConfig } from './config';
import { listObjects } from './listing';
import * as multipart from './multipart';
import { deleteObjects, getObject, headObject, putObject } from './objects';

/** Azure blob names are at most 1024 characters; counted here in UTF-8 bytes, which is never fewer. */
const AZURE_MAX_NAME = 1024;

/**
 * A virtual bucket stored in an Azure Blob container under a name prefix (adrs/0021). Objects are
 * block blobs; S3 ETags are MD5s (Content-MD5, which Put Blob computes, or the multipart ETag the
 * driver records in metadata); multipart uploads are Put Block / Put Block List on the destination
 * blob; conditions on Put Blob are Azure's own, so they are atomic.
 */
export class AzureBackend implements Backend {
  readonly capabilities: Capabilities;
  readonly maxKeyBytes: number;
  private readonly up: AzureUpstream;

  constructor(
    config: AzureDriverConfig,
    allowList: AllowList,
    /** Tests shrink the block size to split parts without uploading gigabytes. */
    private readonly options: { maxBlockBytes?: number } = {},
  ) {
    this.up = { client: new AzureClient(config, allowList), prefix: config.prefix };
    this.maxKeyBytes = AZURE_MAX_NAME - new TextEncoder().encode(config.prefix).byteLength;
    this.capabilities = {
      atomicConditionalWrite: true,
      // Put Block List applies If-Match / If-None-Match atomically with the commit.
      atomicConditionalComplete: true,
      nativeMultipart: true,
      // Put Block List commits blocks already stored; nothing is copied.
      lengthyCompletion: false,
      uniformPartSizes: false,
      serverSideCopy: 'none',
      md5ETags: true,
      userMetadata: true,
      // Block blobs: 50,000 blocks of 4000 MiB (x-ms-version 2019-12-12 and later).
      maxObjectSize: 50_000 * multipart.MAX_BLOCK_BYTES,
      // S3's part limit; parts above Azure's block limit are split into several blocks.
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
    return multipart.uploadPart(this.up, key, uploadId, partNumber, body, length, this.options.maxBlockBytes);
  }

  /** `conditions` go to Put Block List, applied atomically by Azure. */
  completeMultipart(key: string, uploadId: string, parts: CompletedPart[], conditions?: WriteConditions): Promise<ObjectInfo> {
    return multipart.completeMultipart(this.up, key, uploadId, parts, conditions);
  }

  abortMultipart(key: string, uploadId: string): Promise<void> {
    return multipart.abortMultipart(this.up, key, uploadId);
  }
}
