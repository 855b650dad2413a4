-- Usage records, per-bucket limits and audit queries (adrs/0024-logging-usage-audit-limits.md).

-- Per-bucket overrides of the deployment's limits: JSON {maxObjectSize?, requestsPerMinute?}.
ALTER TABLE buckets ADD COLUMN limits TEXT NOT NULL DEFAULT '{}';

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
