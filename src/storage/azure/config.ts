/** How the driver authenticates to the Blob service; resolved by the caller (connection, federation). */
export type AzureAuth =
  | { kind: 'shared-key'; accountName: string; accountKey: string } // accountKey base64
  | { kind: 'sas'; token: string } // query string without '?'
  | { kind: 'bearer'; token: string } // an Azure AD access token (federation resolves it)
  | { kind: 'anonymous' };

/** One Azure Blob container location behind a virtual bucket. */
export interface AzureDriverConfig {
  /** Blob service URL: https://<account>.blob.core.windows.net, or Azurite's http://127.0.0.1:<port>/devstoreaccount1 */
  accountUrl: string;
  container: string;
  prefix: string; // '' or ending in '/'
  auth: AzureAuth;
  /** Per-call bound (ms) from the moment the request is fully sent until the response headers arrive. */
  timeoutMs?: number;
  /** Extra attempts for idempotent calls that failed with a 5xx or a connection error. */
  retries?: number;
  /** First backoff delay (ms); doubled per attempt, with full jitter. */
  retryBaseMs?: number;
}

/**
 * The one REST version every request is sent with. 2026-02-06 is the first with List Blobs
 * `startFrom` (S3's start-after) and has everything else the driver uses (4000 MiB blocks,
 * 5000 MiB Put Blob, Bearer auth, Copy Blob From URL); Azurite 3.37 serves up to 2026-06-06.
 */
export const AZURE_API_VERSION = '2026-02-06';

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_RETRIES = 2;
export const DEFAULT_RETRY_BASE_MS = 100;
