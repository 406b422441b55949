//! The store sections of `config.json`: `config_store`, `logs_store`, `encryption_key` and
//! `source_of_truth`.
//!
//! ```json
//! "config_store": {"enabled": true, "type": "sqlite", "config": {"path": "./config.db"}},
//! "logs_store": {"enabled": true, "type": "postgres", "config": {"host": "localhost",
//!   "port": "5432", "user": "bifrost", "password": "env.PG_PASSWORD", "db_name": "bifrost",
//!   "ssl_mode": "disable", "max_idle_conns": 5, "max_open_conns": 50}}
//! ```
//!
//! A relative SQLite `path` is taken relative to the app directory; without one the files are
//! `<app-dir>/config.db` and `<app-dir>/logs.db`.

mod postgres;
mod store;

use std::path::Path;

use bifrost_core::config::{ConfigFile, SecretString, resolve_env_ref};
use serde_json::Value;

pub use postgres::PostgresStoreConfig;
pub use store::{SqliteStoreConfig, StoreBackendConfig, StoreConfig};

use crate::db::DbTarget;
use crate::error::{StoreError, StoreResult};

/// Environment variable read for the encryption key when `encryption_key` is not set.
pub const ENCRYPTION_KEY_ENV: &str = "BIFROST_ENCRYPTION_KEY";

/// Default SQLite file of the configuration store, inside the app directory.
pub const DEFAULT_CONFIG_DB: &str = "config.db";
/// Default SQLite file of the log store, inside the app directory.
pub const DEFAULT_LOGS_DB: &str = "logs.db";

/// How `config.json` and the configuration store share authority (`source_of_truth`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SourceOfTruth {
    /// `"split"` (default): file entries seed the store and update it when they change; edits
    /// made through the API to entries whose file content is unchanged are kept.
    #[default]
    Split,
    /// `"config.json"`: the file's sections are authoritative.
    ConfigJson,
}

/// Everything about persistence that `config.json` says.
#[derive(Debug, Clone)]
pub struct StoresConfig {
    /// `config_store`; an omitted section means the default SQLite file.
    pub config_store: StoreConfig,
    /// `logs_store`, when present.
    pub logs_store: Option<StoreConfig>,
    /// The encryption passphrase: `encryption_key` (an `env.` reference is resolved), else
    /// `BIFROST_ENCRYPTION_KEY`. `None` stores secrets in plaintext.
    pub encryption_key: Option<SecretString>,
    /// `source_of_truth`.
    pub source_of_truth: SourceOfTruth,
}

impl StoresConfig {
    /// Reads the store sections of `file`, looking environment variables up in the process
    /// environment.
    pub fn from_file(file: &ConfigFile) -> StoreResult<Self> {
        Self::from_file_with_env(file, |name| std::env::var(name).ok())
    }

    /// Reads the store sections of `file` with `env` as the environment (for tests).
    pub fn from_file_with_env(
        file: &ConfigFile,
        env: impl Fn(&str) -> Option<String>,
    ) -> StoreResult<Self> {
        let section = |name: &str| -> StoreResult<Option<StoreConfig>> {
            match file.extra.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(v) => StoreConfig::from_json(v, name).map(Some),
            }
        };
        let config_store = section("config_store")?.unwrap_or_default();
        let logs_store = section("logs_store")?;
        let encryption_key = match file.extra.get("encryption_key") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.is_empty() => None,
            Some(Value::String(s)) => {
                Some(resolve_with(s, &env).map_err(|message| StoreError::Config {
                    path: "encryption_key".to_owned(),
                    message,
                })?)
            }
            Some(_) => {
                return Err(StoreError::Config {
                    path: "encryption_key".to_owned(),
                    message: "expected a string".to_owned(),
                });
            }
        }
        .filter(|k| !k.is_empty())
        .or_else(|| env(ENCRYPTION_KEY_ENV).filter(|k| !k.is_empty()))
        .map(SecretString::new);
        let source_of_truth = match file.extra.get("source_of_truth") {
            None | Some(Value::Null) => SourceOfTruth::Split,
            Some(Value::String(s)) if s == "split" || s.is_empty() => SourceOfTruth::Split,
            Some(Value::String(s)) if s == "config.json" => SourceOfTruth::ConfigJson,
            Some(other) => {
                return Err(StoreError::Config {
                    path: "source_of_truth".to_owned(),
                    message: format!("expected \"split\" or \"config.json\", got {other}"),
                });
            }
        };
        Ok(Self {
            config_store,
            logs_store,
            encryption_key,
            source_of_truth,
        })
    }
}

/// Resolves an `env.NAME` reference with `env`; literals pass through.
pub(crate) fn resolve_with(
    value: &str,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<String, String> {
    match value.strip_prefix("env.") {
        Some(name) if !name.is_empty() => {
            env(name).ok_or_else(|| format!("environment variable {name} is not set"))
        }
        _ => Ok(value.to_owned()),
    }
}

impl StoreConfig {
    /// Where this store's data lives: `default_file` in `app_dir` for SQLite without a path.
    /// `env.` references in the PostgreSQL settings are resolved from the process environment.
    pub fn target(&self, app_dir: &Path, default_file: &str) -> StoreResult<DbTarget> {
        self.target_with_env(app_dir, default_file, |name| {
            resolve_env_ref(&format!("env.{name}")).ok()
        })
    }

    /// Like [`StoreConfig::target`] with `env` as the environment.
    pub fn target_with_env(
        &self,
        app_dir: &Path,
        default_file: &str,
        env: impl Fn(&str) -> Option<String>,
    ) -> StoreResult<DbTarget> {
        match &self.backend {
            StoreBackendConfig::Sqlite(c) => {
                Ok(DbTarget::sqlite(c.resolve_path(app_dir, default_file)))
            }
            StoreBackendConfig::Postgres(c) => c.target(&env),
        }
    }
}
