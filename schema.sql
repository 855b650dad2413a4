-- bucketgate registry schema (D1 / SQLite).
-- This file is the whole current schema; migrations/ holds the same schema as the
-- ordered steps `wrangler d1 migrations apply` runs (test/unit/schema.test.ts keeps them equal).
-- Timestamps are ISO-8601 UTC strings; JSON columns hold documents validated by src/registry/schemas.ts.

-- Virtual buckets: the names clients see, each routed to one storage backend.
CREATE TABLE IF NOT EXISTS buckets (
  name         TEXT PRIMARY KEY,
  backend      TEXT NOT NULL,                 -- JSON BackendConfig; holds no plaintext secret
  status       TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
  public_read  INTEGER NOT NULL DEFAULT 0,    -- anonymous GET/HEAD of objects
  public_list  INTEGER NOT NULL DEFAULT 0,    -- anonymous ListObjects (only with public_read)
  cors         TEXT NOT NULL DEFAULT '[]',    -- JSON CorsRule[]
  labels       TEXT NOT NULL DEFAULT '{}',    -- JSON Record<string,string>
  cache_ttl    INTEGER NOT NULL DEFAULT 60,   -- seconds public objects may be edge-cached; 0 disables
  created_by   TEXT,                          -- 'admin' or the access key id that called CreateBucket
  created_at   TEXT NOT NULL,
  updated_at   TEXT NOT NULL,
  -- Last: migration 0007 added it with ALTER TABLE, which appends.
  limits       TEXT NOT NULL DEFAULT '{}'     -- JSON BucketLimits {maxObjectSize?, requestsPerMinute?} (adrs/0024)
);

-- Static access keys. The secret is AES-GCM encrypted under a key derived (HKDF) from MASTER_KEY.
CREATE TABLE IF NOT EXISTS access_keys (
  access_key_id     TEXT PRIMARY KEY,
  secret_ciphertext TEXT NOT NULL,
  display_name      TEXT NOT NULL,
  statements        TEXT NOT NULL DEFAULT '[]',   -- JSON PolicyStatement[]
  enabled           INTEGER NOT NULL DEFAULT 1,
  expires_at        TEXT,
  created_at        TEXT NOT NULL,
  updated_at        TEXT NOT NULL
);

-- Every admin write (and later every STS call): who did what, when, and how it ended.
CREATE TABLE IF NOT EXISTS audit_log (
  id       INTEGER PRIMARY KEY AUTOINCREMENT,
  at       TEXT NOT NULL,
  actor    TEXT NOT NULL,
  action   TEXT NOT NULL,
  target   TEXT,
  outcome  TEXT NOT NULL,                      -- 'success' or an error code
  detail   TEXT                                -- JSON; never a secret
);
CREATE INDEX IF NOT EXISTS audit_log_at ON audit_log (at);

-- Multipart uploads the gateway has started: backends without ListParts/ListMultipartUploads
-- (R2 bindings, WebDAV, ...) are answered from here.
CREATE TABLE IF NOT EXISTS multipart_uploads (
  bucket        TEXT NOT NULL,
  upload_id     TEXT NOT NULL,
  key           TEXT NOT NULL,
  metadata      TEXT NOT NULL DEFAULT '{}',     -- JSON ObjectMetadata given at CreateMultipartUpload
  initiator     TEXT,
  initiated_at  TEXT NOT NULL,
  PRIMARY KEY (bucket, upload_id)
);
CREATE INDEX IF NOT EXISTS multipart_uploads_by_key ON multipart_uploads (bucket, key, initiated_at);

CREATE TABLE IF NOT EXISTS multipart_parts (
  bucket       TEXT NOT NULL,
  upload_id    TEXT NOT NULL,
  part_number  INTEGER NOT NULL,
  etag         TEXT NOT NULL,                   -- hex MD5 of the part, unquoted
  backend_etag TEXT,                            -- the backend's own part token when it differs (R2 bindings)
  size         INTEGER NOT NULL,
  checksums    TEXT,                            -- JSON {crc32: base64, ...} when the client sent any
  uploaded_at  TEXT NOT NULL,
  PRIMARY KEY (bucket, upload_id, part_number)
);

-- The checksum an upload was created with (CreateMultipartUpload x-amz-checksum-algorithm/-type).
CREATE TABLE IF NOT EXISTS multipart_upload_checksums (
  bucket     TEXT NOT NULL,
  upload_id  TEXT NOT NULL,
  algorithm  TEXT NOT NULL,                     -- crc32 | crc32c | crc64nvme | sha1 | sha256
  type       TEXT NOT NULL CHECK (type IN ('COMPOSITE', 'FULL_OBJECT')),
  PRIMARY KEY (bucket, upload_id)
);

-- Completed uploads: the answer a retried CompleteMultipartUpload gets, and the part layout and
-- checksum of the object it made (R2 fixes an object's metadata at CreateMultipartUpload, before
-- part sizes or the object checksum are known). Valid while the object still has this ETag.
CREATE TABLE IF NOT EXISTS multipart_completions (
  bucket        TEXT NOT NULL,
  upload_id     TEXT NOT NULL,
  key           TEXT NOT NULL,
  etag          TEXT NOT NULL,                  -- the object's ETag, unquoted (<md5-of-md5s>-N)
  location      TEXT NOT NULL,                  -- the Location the completion answered
  parts         TEXT NOT NULL,                  -- JSON [{partNumber, etag, size, checksum?}] in object order
  checksum      TEXT,                           -- JSON {algorithm, type, value} of the whole object
  completed_at  TEXT NOT NULL,
  PRIMARY KEY (bucket, upload_id)
);
CREATE INDEX IF NOT EXISTS multipart_completions_by_key ON multipart_completions (bucket, key, completed_at);

-- Checksums of single-part objects verified only after R2 had fixed the object's metadata: a
-- trailing x-amz-checksum-* (aws-chunked) arrives after the body. Keyed by the object's ETag (the
-- MD5 of its content), so a row can only ever describe the very bytes it was computed over.
CREATE TABLE IF NOT EXISTS object_checksums (
  bucket     TEXT NOT NULL,
  key        TEXT NOT NULL,
  etag       TEXT NOT NULL,                     -- hex MD5 of the content, unquoted
  checksums  TEXT NOT NULL,                     -- JSON {crc32: base64, ...}
  PRIMARY KEY (bucket, key)
);

-- STS (adrs/0007–0009): OIDC identity providers and the roles their tokens can assume.
-- Sessions themselves are stateless (signed tokens); their deny-list lives in KV.

-- Identity providers whose tokens AssumeRoleWithWebIdentity accepts.
CREATE TABLE IF NOT EXISTS identity_providers (
  id            TEXT PRIMARY KEY,
  issuer        TEXT NOT NULL UNIQUE,            -- exactly the tokens' `iss`; https (loopback http only with ALLOW_INSECURE_ISSUERS)
  audiences     TEXT NOT NULL,                   -- JSON string[]: accepted `aud` values
  jwks_uri      TEXT,                            -- overrides discovery's jwks_uri
  display_name  TEXT NOT NULL,
  enabled       INTEGER NOT NULL DEFAULT 1,
  created_at    TEXT NOT NULL,
  updated_at    TEXT NOT NULL
);

-- Roles: trust bindings (who may assume) and permission statements (what sessions may do).
CREATE TABLE IF NOT EXISTS roles (
  id                    TEXT PRIMARY KEY,        -- AROA…: sessions are bound to it, not to the name
  name                  TEXT NOT NULL UNIQUE,
  description           TEXT NOT NULL DEFAULT '',
  trust                 TEXT NOT NULL,           -- JSON TrustBinding[]
  statements            TEXT NOT NULL DEFAULT '[]', -- JSON PolicyStatement[], resources may hold ${claim} templates
  max_session_duration  INTEGER NOT NULL DEFAULT 3600 CHECK (max_session_duration BETWEEN 900 AND 43200),
  created_at            TEXT NOT NULL,
  updated_at            TEXT NOT NULL
);

-- STS calls are audited in audit_log (action 'sts.*'); this index serves their retention pruning.
CREATE INDEX IF NOT EXISTS audit_log_action_at ON audit_log (action, at);

-- Failed STS calls, counted per client, minute, action and error code (adrs/0014): one row however
-- many calls fail. Successful calls keep their full row in audit_log.
CREATE TABLE IF NOT EXISTS sts_failures (
  minute       TEXT NOT NULL,                   -- 'YYYY-MM-DDTHH:MM' (UTC)
  client_hash  TEXT NOT NULL,                   -- salted hash of the client IP (src/sts/audit.ts); '' when unknown
  action       TEXT NOT NULL,                   -- 'sts.AssumeRoleWithWebIdentity' | 'sts.GetCallerIdentity'
  code         TEXT NOT NULL,                   -- the STS error code answered
  count        INTEGER NOT NULL,
  last_at      TEXT NOT NULL,
  last_detail  TEXT,                            -- JSON: role, issuer, subject, reason of the latest such failure
  PRIMARY KEY (minute, client_hash, action, code)
);

-- Upstream storage accounts that buckets reference. Credentials are never stored in clear: a
-- static key's secret is AES-GCM sealed under an HKDF subkey of MASTER_KEY (its own `info`),
-- bound to the connection id; a secret_ref names a Worker secret; federation holds only its config.
CREATE TABLE IF NOT EXISTS connections (
  id                    TEXT PRIMARY KEY,
  name                  TEXT NOT NULL UNIQUE,
  kind                  TEXT NOT NULL,                  -- 's3' (later azure, webdav, gdrive, onedrive)
  config                TEXT NOT NULL,                  -- JSON kind-specific settings (endpoint, region, addressing); no secret
  auth                  TEXT NOT NULL,                  -- JSON {mode, public fields, fingerprint}; no secret
  credential_ciphertext TEXT,                           -- sealed secret (mode static), else NULL
  status                TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'failing', 'requires_reauth', 'suspended')),
  last_validation       TEXT,                           -- JSON {ok, at, reason?, skipped?}
  owner                 TEXT,
  labels                TEXT NOT NULL DEFAULT '{}',     -- JSON Record<string,string>
  created_at            TEXT NOT NULL,
  updated_at            TEXT NOT NULL
);

-- Deployment settings changed through /admin/v1/settings (initial values come from wrangler.toml vars).
CREATE TABLE IF NOT EXISTS settings (
  name        TEXT PRIMARY KEY,
  value       TEXT NOT NULL,                            -- JSON
  updated_at  TEXT NOT NULL
);

-- Usage when no Analytics Engine dataset is bound: one row per UTC day × bucket × principal ×
-- operation, added to by batched upserts (src/usage/d1-sink.ts). Bounded by what was used, not by
-- how often: a million GETs of one key on one bucket in a day are one row.
CREATE TABLE IF NOT EXISTS usage_daily (
  day        TEXT NOT NULL,                    -- 'YYYY-MM-DD' (UTC)
  bucket     TEXT NOT NULL,                    -- '' for requests without one (ListBuckets, STS, admin)
  principal  TEXT NOT NULL,                    -- access key id, '<role>/<session>', 'admin' or 'anonymous'
  operation  TEXT NOT NULL,                    -- S3 operation, 'sts.<Action>', 'admin', 'well-known'
  requests   INTEGER NOT NULL,
  bytes_in   INTEGER NOT NULL,
  bytes_out  INTEGER NOT NULL,
  errors     INTEGER NOT NULL,                 -- answers with status >= 400
  PRIMARY KEY (day, bucket, principal, operation)
) WITHOUT ROWID;

-- The audit API pages newest first, filtered by actor or target.
CREATE INDEX IF NOT EXISTS audit_log_actor_at ON audit_log (actor, at);
CREATE INDEX IF NOT EXISTS audit_log_target_at ON audit_log (target, at);
