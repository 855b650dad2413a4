export type WebDavAuth = { kind: 'basic'; username: string; password: string } | { kind: 'bearer'; token: string } | { kind: 'anonymous' };

/** One WebDAV location behind a virtual bucket (adrs/0022). */
export interface WebDavDriverConfig {
  /** Collection URL ending in '/': e.g. https://host/remote.php/dav/files/<user>/<root>/ */
  baseUrl: string;
  prefix: string;                      // '' or ending in '/'
  flavor: 'generic' | 'nextcloud';
  /** Nextcloud chunked upload v2 root, e.g. https://host/remote.php/dav/uploads/<user>/ (flavor nextcloud) */
  uploadsUrl?: string;
  auth: WebDavAuth;
  /** Probed at validation time: the server applies If-Match / If-None-Match on PUT. */
  conditionalWrites: boolean;
  /** Probed: the server keeps dead properties (PROPPATCH), so user metadata can be stored. */
  deadProperties: boolean;
  timeoutMs?: number; retries?: number; retryBaseMs?: number;
  /** How long a collection's listing is served from isolate memory (listing-cache.ts); 0 turns it off. Default 60 s. */
  listingCacheTtlMs?: number;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_RETRIES = 2;
export const DEFAULT_RETRY_BASE_MS = 100;

/**
 * Hidden collection (directly under baseUrl, outside every client prefix) where emulated multipart
 * uploads keep their manifests and parts. A client key that would address it is refused.
 */
export const STAGING_COLLECTION = '.bucketgate-uploads';

/** XML namespace of the dead properties the driver stores (ETag, metadata). */
export const BUCKETGATE_NS = 'https://bucketgate.dev/ns/webdav';
/** The one dead property per object: JSON of what S3 needs and WebDAV does not keep. */
export const OBJECT_PROPERTY = 'bucketgate-object';
