-- Admin authentication: the dashboard/admin credentials and the sessions issued at login.
-- Timestamps are Unix milliseconds (UTC).

-- The single admin account. password_hash is an Argon2id PHC string (never the password);
-- seed_digest identifies the config.json `auth_config` it was last seeded from (NULL: set
-- through the API), so an unchanged file does not undo a change made through the API.
CREATE TABLE config_auth (
    id                        BIGINT PRIMARY KEY NOT NULL CHECK (id = 1),
    admin_username            TEXT NOT NULL,
    password_hash             TEXT NOT NULL,
    is_enabled                BOOLEAN NOT NULL,
    disable_auth_on_inference BOOLEAN NOT NULL,
    seed_digest               TEXT,
    updated_at                BIGINT NOT NULL
);

-- Login sessions, by the SHA-256 of their token (the token itself is never stored).
CREATE TABLE config_sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
