-- Configuration store: providers, their keys, client settings and plugins.
-- Timestamps are Unix milliseconds (UTC). JSON columns hold serde_json text (TEXT, not JSONB,
-- so the stored document is byte-for-byte what was written).

-- Store-wide values: the encryption salt and the encryption check value.
CREATE TABLE config_meta (
    name  TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);

-- One row per provider. config_json is the provider's config.json entry without `keys`;
-- config_hash is the content hash of the file entry at the last seed (NULL: created by the API).
CREATE TABLE config_providers (
    name        TEXT PRIMARY KEY NOT NULL,
    config_json TEXT NOT NULL,
    config_hash TEXT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

-- One row per key. value is the secret (`enc:v1:...` when encrypted, or an `env.NAME`
-- reference); config_json is the rest of the key's config.json entry (models, weight, aliases,
-- provider-specific blocks with their secrets encrypted in place).
CREATE TABLE config_keys (
    provider    TEXT NOT NULL REFERENCES config_providers (name) ON DELETE CASCADE ON UPDATE CASCADE,
    id          TEXT NOT NULL,
    name        TEXT NOT NULL,
    value       TEXT NOT NULL,
    config_json TEXT NOT NULL,
    position    BIGINT NOT NULL,
    config_hash TEXT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (provider, id),
    UNIQUE (provider, name)
);

-- The single `client` section.
CREATE TABLE config_client (
    id          BIGINT PRIMARY KEY NOT NULL CHECK (id = 1),
    config_json TEXT NOT NULL,
    config_hash TEXT,
    updated_at  BIGINT NOT NULL
);

-- One row per plugin: the whole plugins[] entry, its `config` encrypted when a key is set.
CREATE TABLE config_plugins (
    name        TEXT PRIMARY KEY NOT NULL,
    enabled     BOOLEAN NOT NULL,
    config_json TEXT NOT NULL,
    config_hash TEXT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

-- File-seeded rows deleted through the API, with the file hash they had, so that seeding the
-- same file again does not bring them back (a changed file entry does).
CREATE TABLE config_seed_tombstones (
    kind        TEXT NOT NULL,
    scope       TEXT NOT NULL,
    ident       TEXT NOT NULL,
    config_hash TEXT NOT NULL,
    deleted_at  BIGINT NOT NULL,
    PRIMARY KEY (kind, scope, ident)
);
