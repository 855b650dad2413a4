import type { Backend, ByteRange, Capabilities, CompletedPart, ListPage, ListQuery, ObjectBody, ObjectInfo, ObjectMetadata, WriteConditions } from '../backend';
import { assertConditionalWriteSupported } from '../emulate/conditional';
import { MultipartStaging, StagedPartBytes } from '../emulate/multipart-staging';
import type { AllowList } from '../endpoint-guard';
import { StorageError } from '../errors';
import { WebDavClient } from './client';
import type { WebDavDriverConfig } from './config';
import { listObjects } from './listing';
import { DEFAULT_LISTING_TTL_MS, ListingCache } from './listing-cache';
import { NextcloudChunkedParts } from './nextcloud-chunked';
import { type DavBucket, deleteObjects, getObject, headObject, pathOf, putObject, recordStoredObject } from './objects';
import { DavStagingStore } from './staging';

/** Paths on WebDAV servers are bounded by the server's file system and URL limits, not a key limit; S3's is kept. */
const MAX_KEY_BYTES = 1024;

/**
 * A virtual bucket stored in a WebDAV collection (generic RFC 4918 servers, Nextcloud/ownCloud),
 * adrs/0022. Objects are files under `baseUrl + prefix`; what S3 needs and WebDAV does not keep (MD5
 * ETags, metadata) is a dead property where the server keeps them; multipart is emulated by staging
 * parts (src/storage/emulate/multipart-staging.ts), or uses Nextcloud's chunked upload.
 */
export class WebDavBackend implements Backend {
  readonly capabilities: Capabilities;
  readonly maxKeyBytes: number;
  private readonly bucket: DavBucket;
  private readonly multipart: MultipartStaging;

  constructor(private readonly config: WebDavDriverConfig, allowList: AllowList) {
    if (!config.baseUrl.endsWith('/')) throw new StorageError('misconfigured', 'The WebDAV base URL must end in "/".');
    if (config.prefix !== '' && !config.prefix.endsWith('/')) throw new StorageError('misconfigured', 'The WebDAV key prefix must be empty or end in "/".');
    const client = new WebDavClient(config, allowList);
    // One connection's listings: same server, same credentials (another user may see another tree).
    const listings = new ListingCache(`${config.baseUrl}\n${JSON.stringify(config.auth)}`, config.listingCacheTtlMs ?? DEFAULT_LISTING_TTL_MS);
    this.bucket = { tree: { client, root: config.baseUrl }, prefix: config.prefix, deadProperties: config.deadProperties, listings };
    this.maxKeyBytes = MAX_KEY_BYTES - new TextEncoder().encode(config.prefix).byteLength;
    const staging = new DavStagingStore(this.bucket.tree);
    const parts =
      config.flavor === 'nextcloud' && config.uploadsUrl
        ? new NextcloudChunkedParts(client, config.uploadsUrl.endsWith('/') ? config.uploadsUrl : `${config.uploadsUrl}/`, this.bucket, staging, (key, etag, size, metadata) =>
            this.bucket.deadProperties ? recordStoredObject(this.bucket, key, this.bucket.prefix + key, etag, size, metadata) : this.headAfterWrite(key, size, metadata),
          )
        : new StagedPartBytes(staging, (key, body, length, metadata, etag) => putObject(this.bucket, key, body, length, metadata, { conditionalWrites: false, etag }));
    this.multipart = new MultipartStaging(staging, parts);
    this.capabilities = {
      atomicConditionalWrite: config.conditionalWrites,
      // Completion is a PUT (or MOVE) of the assembled object; it is sent unconditionally.
      atomicConditionalComplete: false,
      nativeMultipart: config.flavor === 'nextcloud' && !!config.uploadsUrl,
      // the staged parts are streamed into one PUT (or Nextcloud assembles its chunks on MOVE).
      lengthyCompletion: true,
      uniformPartSizes: false,
      serverSideCopy: 'none',
      // With dead properties the MD5 computed while streaming is kept and served; without, the
      // server's own getetag is the ETag, whatever it is (rclone's can be an MD5, Apache's is not).
      md5ETags: config.deadProperties,
      userMetadata: config.deadProperties,
      maxObjectSize: 5 * 1024 ** 4,
      maxPartSize: 5 * 1024 ** 3,
      rangedReads: true,
      nativeDelimiter: true,
    };
  }

  private async headAfterWrite(key: string, size: number, metadata: ObjectMetadata): Promise<ObjectInfo> {
    return (await headObject(this.bucket, key)) ?? { key, size, etag: '', lastModified: new Date(), metadata };
  }

  head(key: string): Promise<ObjectInfo | null> {
    return headObject(this.bucket, key);
  }

  get(key: string, options: { range?: ByteRange } = {}): Promise<ObjectBody | null> {
    return getObject(this.bucket, key, options.range);
  }

  async put(key: string, body: ReadableStream<Uint8Array>, length: number, metadata: ObjectMetadata, conditions?: WriteConditions): Promise<ObjectInfo> {
    try {
      assertConditionalWriteSupported(this.capabilities, 'put', conditions);
    } catch (error) {
      await body.cancel().catch(() => {});
      throw error;
    }
    return putObject(this.bucket, key, body, length, metadata, { conditionalWrites: this.config.conditionalWrites, ...(conditions ? { conditions } : {}) });
  }

  delete(keys: string[]): Promise<void> {
    return deleteObjects(this.bucket, keys);
  }

  list(query: ListQuery): Promise<ListPage> {
    return listObjects(this.bucket, query);
  }

  createMultipart(key: string, metadata: ObjectMetadata): Promise<string> {
    // A key the store cannot hold is refused now, not after every part has been uploaded.
    if (key.endsWith('/')) return Promise.reject(new StorageError('invalid-key', 'On this storage a key ending in "/" is a directory and can hold no bytes.'));
    try {
      this.bucket.tree.client.urlFor(this.bucket.tree.root, pathOf(this.bucket, key));
    } catch (error) {
      return Promise.reject(error);
    }
    return this.multipart.create(key, metadata);
  }

  uploadPart(key: string, uploadId: string, partNumber: number, body: ReadableStream<Uint8Array>, length: number): Promise<{ etag: string }> {
    return this.multipart.uploadPart(key, uploadId, partNumber, body, length);
  }

  completeMultipart(key: string, uploadId: string, parts: CompletedPart[]): Promise<ObjectInfo> {
    return this.multipart.complete(key, uploadId, parts);
  }

  abortMultipart(key: string, uploadId: string): Promise<void> {
    return this.multipart.abort(key, uploadId);
  }
}
