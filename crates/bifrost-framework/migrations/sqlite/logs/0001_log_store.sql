-- Log store: one row per request. `timestamp` is Unix milliseconds (UTC); JSON columns hold
-- serde_json text; input/output are NULL when content logging is disabled.
CREATE TABLE logs (
    id                TEXT PRIMARY KEY NOT NULL,
    parent_request_id TEXT,
    timestamp         BIGINT NOT NULL,
    object_type       TEXT NOT NULL,
    provider          TEXT NOT NULL,
    model             TEXT NOT NULL,
    status            TEXT NOT NULL,
    latency_ms        REAL,
    prompt_tokens     BIGINT NOT NULL DEFAULT 0,
    completion_tokens BIGINT NOT NULL DEFAULT 0,
    total_tokens      BIGINT NOT NULL DEFAULT 0,
    cached_tokens     BIGINT NOT NULL DEFAULT 0,
    reasoning_tokens  BIGINT NOT NULL DEFAULT 0,
    cost              REAL,
    selected_key_id   TEXT,
    selected_key_name TEXT,
    fallback_index    BIGINT NOT NULL DEFAULT 0,
    number_of_retries BIGINT NOT NULL DEFAULT 0,
    stream            BOOLEAN NOT NULL DEFAULT FALSE,
    stop_reason       TEXT,
    error_details     TEXT,
    input             TEXT,
    output            TEXT,
    content_summary   TEXT,
    metadata          TEXT,
    virtual_key_id    TEXT,
    virtual_key_name  TEXT
);

CREATE INDEX idx_logs_timestamp ON logs (timestamp);
CREATE INDEX idx_logs_provider ON logs (provider);
CREATE INDEX idx_logs_model ON logs (model);
CREATE INDEX idx_logs_status ON logs (status);
CREATE INDEX idx_logs_object_type ON logs (object_type);
CREATE INDEX idx_logs_selected_key_id ON logs (selected_key_id);
CREATE INDEX idx_logs_virtual_key_id ON logs (virtual_key_id);
CREATE INDEX idx_logs_parent_request_id ON logs (parent_request_id);
CREATE INDEX idx_logs_latency ON logs (latency_ms);
CREATE INDEX idx_logs_total_tokens ON logs (total_tokens);
CREATE INDEX idx_logs_cost ON logs (cost);
