//! The error of every store operation.
//!
//! Messages name what went wrong and where (a provider, a key name, a JSON path) but never a
//! secret: key values, passwords and encryption keys are not part of any variant.

/// What a store operation can fail with.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The addressed row does not exist (a provider, a key, a plugin).
    #[error("{0} not found")]
    NotFound(String),
    /// The row would clash with an existing one (same provider name, same key name).
    #[error("{0}")]
    Conflict(String),
    /// The caller's input is not acceptable (empty name, reserved prefix, bad filter value).
    #[error("{0}")]
    Invalid(String),
    /// A masked preview (`sk-a********wxyz`, `********`) was offered as a new secret with no
    /// stored secret to keep in its place.
    #[error(
        "{field} looks like a masked preview, not a secret; send the real value or leave it unchanged"
    )]
    MaskedSecret {
        /// Which secret, e.g. `keys[oa-1].value`.
        field: String,
    },
    /// The database holds encrypted secrets and no encryption key is configured.
    #[error(
        "the configuration database holds encrypted secrets; set `encryption_key` in config.json or BIFROST_ENCRYPTION_KEY"
    )]
    EncryptionKeyRequired,
    /// The configured encryption key is not the one the database was encrypted with.
    #[error(
        "the configured encryption key does not match the key this database was encrypted with"
    )]
    WrongEncryptionKey,
    /// A stored secret could not be decrypted (damaged or written with another key).
    #[error("a stored secret could not be decrypted ({0})")]
    Decrypt(String),
    /// The `config_store` / `logs_store` section is not usable.
    #[error("{path}: {message}")]
    Config {
        /// JSON path of the offending value, e.g. `config_store.config.port`.
        path: String,
        /// What is wrong with it.
        message: String,
    },
    /// The database reported an error.
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
    /// Applying the schema migrations failed.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A JSON column could not be read or written.
    #[error("stored JSON is invalid: {0}")]
    Json(#[from] serde_json::Error),
    /// A file-system operation failed (creating the SQLite directory).
    #[error("{0}")]
    Io(String),
}

impl StoreError {
    /// A `NotFound` for `what`.
    pub fn not_found(what: impl Into<String>) -> Self {
        Self::NotFound(what.into())
    }

    /// True when the error means "no such row".
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound(_))
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        Self::Database(e)
    }
}

/// True when `e` is a unique-constraint violation (on either backend).
pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// Shorthand for results of store operations.
pub type StoreResult<T> = Result<T, StoreError>;
