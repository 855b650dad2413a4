/** Resolved credentials for an upstream; where they come from (registry, federation) is not the driver's business. */
export interface UpstreamCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** One S3-compatible upstream location behind a virtual bucket. */
export interface S3DriverConfig {
  /** Base URL of the service, e.g. `https://s3.eu-west-1.amazonaws.com` (checked by the SSRF guard). */
  endpoint: string;
  /** Signing region (`us-east-1`, `auto` for R2, …). */
  region: string;
  /** The upstream bucket. */
  bucket: string;
  /** Prepended to every client key upstream ("" for none); lets one upstream bucket hold many virtual ones. */
  prefix: string;
  /** `https://endpoint/bucket/key` when true, `https://bucket.endpoint/key` when false. */
  pathStyle: boolean;
  /** null: anonymous (public upstream bucket), requests are sent unsigned. */
  credentials: UpstreamCredentials | null;
  /** The upstream applies If-Match / If-None-Match on PutObject atomically (AWS S3 does; s3rver does not). */
  conditionalWrites?: boolean;
  /**
   * The upstream takes aws-chunked uploads with a trailing checksum (STREAMING-UNSIGNED-PAYLOAD-TRAILER:
   * AWS S3, R2, MinIO, bucketgate do; s3rver does not). When true (the default) a client's trailing
   * checksum is passed on as a trailer and stored upstream; when false the body is sent plain and
   * only the gateway keeps the checksum (adrs/0017).
   */
  trailingChecksums?: boolean;
  /** Per-call bound (ms) from the moment the request is fully sent until the response headers arrive. */
  timeoutMs?: number;
  /** Extra attempts for idempotent calls that failed with a 5xx or a connection error. */
  retries?: number;
  /** First backoff delay (ms); doubled per attempt, with full jitter. */
  retryBaseMs?: number;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_RETRIES = 2;
export const DEFAULT_RETRY_BASE_MS = 100;
