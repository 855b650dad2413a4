/** Bindings and configuration the Worker receives (wrangler.toml, secrets, .dev.vars). */
export interface Env {
  /** Registry: buckets, access keys, audit log, multipart ledger. */
  DB: D1Database;
  /** Second cache tier for registry reads (short TTL). */
  CACHE: KVNamespace;
  /** The embedded default storage. Further R2 bindings may be named by a bucket's backend config. */
  STORAGE: R2Bucket;
  /** Root secret; subkeys for each purpose are derived from it with HKDF. */
  MASTER_KEY: string;
  /** Bearer token for /admin/v1. */
  ADMIN_TOKEN: string;
  /** Binding name used for buckets created through S3 CreateBucket (when DEFAULT_BACKEND is unset). */
  DEFAULT_R2_BINDING?: string;
  /**
   * Initial default backend for S3 CreateBucket, JSON like `{"type":"s3","connection":"<id>",
   * "bucket":"<upstream>","prefix":"<base>"}`; PUT /admin/v1/settings overrides it (adrs/0019).
   */
  DEFAULT_BACKEND?: string;
  /** Region answered by GetBucketLocation and accepted in credential scopes besides "auto"/"us-east-1". */
  REGION?: string;
  /** Longest validity of a presigned URL in seconds, SigV4 and SigV2 alike: 1..604800, default 604800 (7 days). */
  MAX_PRESIGNED_EXPIRES_SECONDS?: string;
  /** Enables virtual-hosted-style routing for <bucket>.<BASE_DOMAIN>. */
  BASE_DOMAIN?: string;
  /**
   * STS key versions, comma-separated (default "1"): the highest mints session credentials, every
   * listed one is still accepted. Rotate by adding a higher version; retire by removing one.
   */
  STS_KEY_VERSIONS?: string;
  /** Per-client limit on /.sts (`[[ratelimits]]` in wrangler.toml); unbound = no limit (adrs/0014). */
  STS_RATE_LIMITER?: RateLimit;
  /** The limiter's period in seconds ("10" or "60", default 60): what Retry-After tells a throttled client. */
  STS_RATE_LIMIT_PERIOD?: string;
  /**
   * Upstream hosts (`host[:port]`, comma-separated) exempt from the SSRF guard's https and
   * public-address rules, e.g. a MinIO on the private network or a local test server.
   */
  ALLOWED_UPSTREAM_HOSTS?: string;
  /** Multipart uploads older than this many hours are aborted by the scheduled handler (src/s3/stale-uploads.ts); default 168, "0" turns it off. */
  STALE_UPLOAD_MAX_AGE_HOURS?: string;
  /**
   * The gateway's own OIDC issuer URL for outbound (keyless) federation, e.g. "https://s3.example.com":
   * the `iss` of the tokens it mints and of /.well-known/openid-configuration. An origin only (no
   * path). Unset: derived from the request's origin (adrs/0020). Upstream STSes compare it exactly.
   */
  ISSUER_URL?: string;
  /** Federation signing key versions, comma-separated (default "1"); rotated like STS_KEY_VERSIONS (adrs/0020). */
  FEDERATION_KEY_VERSIONS?: string;
  /** "true" lets IdP issuers be http on a loopback host (local tests only); off by default. */
  ALLOW_INSECURE_ISSUERS?: string;
  /**
   * Largest single PutObject / UploadPart body in bytes for the whole deployment (default and
   * ceiling 5368709120, S3's 5 GiB); buckets may set a lower `limits.maxObjectSize` (adrs/0024).
   */
  MAX_OBJECT_SIZE?: string;
  /**
   * Milliseconds between the spaces a lengthy CompleteMultipartUpload sends while the store works
   * (default 5000; src/s3/handlers/complete-keep-alive.ts). Tests set it low.
   */
  COMPLETE_KEEP_ALIVE_MS?: string;
  /** Per-caller S3 request limit (`[[ratelimits]]` in wrangler.toml); unbound = no limit (adrs/0024). */
  S3_RATE_LIMITER?: RateLimit;
  /** S3_RATE_LIMITER's `limit` (keep equal to wrangler.toml): per-bucket `requestsPerMinute` is weighed against it. */
  S3_RATE_LIMIT?: string;
  /** S3_RATE_LIMITER's period in seconds ("10" or "60", default 60): what Retry-After tells a slowed-down client. */
  S3_RATE_LIMIT_PERIOD?: string;
  /** Workers Analytics Engine dataset for usage records; unbound = batched into D1 `usage_daily` (adrs/0024). */
  USAGE?: AnalyticsEngineDataset;
  /** Days audit_log rows and STS failure counts are kept (default 90); pruned by the scheduled handler. */
  AUDIT_RETENTION_DAYS?: string;
  /** Days usage_daily rows are kept (default 400); pruned by the scheduled handler. */
  USAGE_RETENTION_DAYS?: string;
  /**
   * With USAGE bound, GET /admin/v1/usage reads the dataset through the Analytics Engine SQL API
   * when both of these are set: the 32-hex-character account id ([vars]) and an API token with
   * Account Analytics Read (a secret: `wrangler secret put USAGE_SQL_API_TOKEN`). Unset: D1 (adrs/0024).
   */
  USAGE_SQL_ACCOUNT_ID?: string;
  USAGE_SQL_API_TOKEN?: string;
  /** The dataset USAGE writes to (wrangler.toml `dataset`), default "bucketgate_usage": the binding does not tell its name. */
  USAGE_DATASET?: string;
  /** The SQL API's base URL, default https://api.cloudflare.com/client/v4; changed only by tests, and held to the SSRF guard. */
  USAGE_SQL_API_BASE?: string;
}
