-- Storage connections and deployment settings (adrs/0019-storage-connections-and-secrets.md).

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
