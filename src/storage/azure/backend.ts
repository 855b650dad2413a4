import type { Backend, ByteRange, Capabilities, CompletedPart, CopySourceRef, ListPage, ListQuery, ObjectBody, ObjectInfo, ObjectMetadata, WriteConditions } from '../backend';
import type { AllowList } from '../endpoint-guard';
import { AzureClient, type AzureUpstream } from './client';
import type { AzureAuth, AzureDriverConfig } from './config';
import { copyObject } from './copy';
import type { CopySource } from './copy-source';
import { listObjects } from './listing';
import * as multipart from './multipart';
import { deleteObjects, getObject, headObject, putObject } from './objects';

/** Azure blob names are at most 1024 characters; counted here in UTF-8 bytes, which is never fewer. */
const AZURE_MAX_NAME = 1024;

/**
 * A virtual bucket stored in an Azure Blob container under a name prefix (adrs/0021). Objects are
 * block blobs; S3 ETags are MD5s (Content-MD5, which Put Blob computes, or the multipart ETag the
 * driver records in metadata); multipart uploads are Put Block / Put Block List on the destination
 * blob; conditions on Put Blob are Azure's own, so they are atomic. Copies between two backends
 * on the same account with the same credentials run inside Azure (copy.ts, Copy Blob From URL /
 * Put Block From URL); the bytes never pass through the gateway.
 */
export class AzureBackend implements Backend {
  readonly capabilities: Capabilities;
  readonly maxKeyBytes: number;
  readonly storeIdentity: string;
  private readonly up: AzureUpstream;

  constructor(
    config: AzureDriverConfig,
    allowList: AllowList,
    /** Tests shrink the block size to split parts without uploading gigabytes. */
    private readonly options: { maxBlockBytes?: number } = {},
  ) {
    this.up = { client: new AzureClient(config, allowList), prefix: config.prefix };
    this.storeIdentity = JSON.stringify(['azure', config.accountUrl, ...credentialIdentity(config.auth)]);
    this.maxKeyBytes = AZURE_MAX_NAME - new TextEncoder().encode(config.prefix).byteLength;
    this.capabilities = {
      atomicConditionalWrite: true,
      // Put Block List applies If-Match / If-None-Match atomically with the commit.
      atomicConditionalComplete: true,
      nativeMultipart: true,
      // Put Block List commits blocks already stored; nothing is copied.
      lengthyCompletion: false,
      uniformPartSizes: false,
      // Copy Blob From URL / Put Block From URL inside the account (copy.ts).
      serverSideCopy: 'same-backend',
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

  /** Server-side CopyObject inside the account (no bytes pass through the gateway). */
  copy(from: Backend, source: CopySourceRef & { size: number }, key: string, metadata: ObjectMetadata): Promise<ObjectInfo> {
    return copyObject(this.up, this.sameStore(from).copySource(source), key, metadata, this.options.maxBlockBytes ?? multipart.MAX_BLOCK_BYTES);
  }

  /** Server-side UploadPartCopy inside the account. */
  uploadPartCopy(from: Backend, source: CopySourceRef, key: string, uploadId: string, partNumber: number, range?: { offset: number; length: number }): Promise<{ etag: string }> {
    return multipart.uploadPartCopy(this.up, this.sameStore(from).copySource(source), key, uploadId, partNumber, range, this.options.maxBlockBytes);
  }

  /** Where a copy reads a client key of this backend. */
  private copySource(source: CopySourceRef): CopySource {
    return { up: this.up, key: source.key, etag: source.etag };
  }

  private sameStore(from: Backend): AzureBackend {
    // serverSideCopier() only pairs equal identities; anything else is a caller's bug, not the client's.
    if (!(from instanceof AzureBackend) || from.storeIdentity !== this.storeIdentity) throw new Error('server-side copy between different stores');
    return from;
  }
}

/**
 * What makes two backends' credentials the same for a copy: any key of an account reads all of its
 * containers, so Shared Key is the account; a SAS or a Bearer token reaches what it was granted, so
 * it is the token itself (in memory only, never logged).
 */
function credentialIdentity(auth: AzureAuth): string[] {
  switch (auth.kind) {
    case 'shared-key':
      return [auth.kind, auth.accountName];
    case 'sas':
    case 'bearer':
      return [auth.kind, auth.token];
    case 'anonymous':
      return [auth.kind];
  }
}
