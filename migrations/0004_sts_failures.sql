-- Failed STS calls, counted per client, minute, action and error code (adrs/0014): one row however
-- many calls fail, so refused (mostly anonymous) calls cannot grow the database without bound.
-- Successful calls keep their full row in audit_log.
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
