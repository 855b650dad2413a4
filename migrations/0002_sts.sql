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
