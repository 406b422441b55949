//! One store section: `{enabled, type, config, retention_days}`.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::postgres::PostgresStoreConfig;
use crate::error::{StoreError, StoreResult};

/// A `config_store` or `logs_store` section.
#[derive(Debug, Clone, PartialEq)]
pub struct StoreConfig {
    /// `enabled` (default true). A disabled config store means file-only mode.
    pub enabled: bool,
    /// `type` and its `config`.
    pub backend: StoreBackendConfig,
    /// `retention_days` (logs store): logs older than this many days are deleted.
    pub retention_days: Option<u32>,
}

impl Default for StoreConfig {
    /// Enabled, SQLite, default path.
    fn default() -> Self {
        Self {
            enabled: true,
            backend: StoreBackendConfig::Sqlite(SqliteStoreConfig::default()),
            retention_days: None,
        }
    }
}

/// `type` with its `config`.
#[derive(Debug, Clone, PartialEq)]
pub enum StoreBackendConfig {
    /// `"sqlite"`.
    Sqlite(SqliteStoreConfig),
    /// `"postgres"`.
    Postgres(PostgresStoreConfig),
}

/// `config` of a SQLite store.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
pub struct SqliteStoreConfig {
    /// Database file; relative paths are inside the app directory.
    #[serde(default)]
    pub path: Option<String>,
}

impl SqliteStoreConfig {
    /// The file to open.
    pub fn resolve_path(&self, app_dir: &Path, default_file: &str) -> PathBuf {
        match self.path.as_deref().filter(|p| !p.is_empty()) {
            Some(p) if Path::new(p).is_absolute() => PathBuf::from(p),
            Some(p) => app_dir.join(p),
            None => app_dir.join(default_file),
        }
    }
}

impl StoreConfig {
    /// Reads a section; `section` (`config_store`, `logs_store`) prefixes error paths.
    pub fn from_json(value: &Value, section: &str) -> StoreResult<Self> {
        let err = |field: &str, message: String| StoreError::Config {
            path: format!("{section}{field}"),
            message,
        };
        let obj = value
            .as_object()
            .ok_or_else(|| err("", "expected an object".to_owned()))?;
        let enabled = match obj.get("enabled") {
            None | Some(Value::Null) => true,
            Some(Value::Bool(b)) => *b,
            Some(other) => return Err(err(".enabled", format!("expected a boolean, got {other}"))),
        };
        let retention_days =
            match obj.get("retention_days") {
                None | Some(Value::Null) => None,
                Some(v) => Some(v.as_u64().and_then(|d| u32::try_from(d).ok()).ok_or_else(
                    || {
                        err(
                            ".retention_days",
                            format!("expected a whole number of days, got {v}"),
                        )
                    },
                )?),
            };
        let kind = match obj.get("type") {
            None | Some(Value::Null) => "sqlite",
            Some(Value::String(s)) => s.as_str(),
            Some(other) => return Err(err(".type", format!("expected a string, got {other}"))),
        };
        let config = obj.get("config").cloned().unwrap_or(Value::Null);
        let config = if config.is_null() {
            Value::Object(Default::default())
        } else {
            config
        };
        let parse_err = |e: serde_path_to_error::Error<serde_json::Error>| {
            let p = e.path().to_string();
            let inner = e.into_inner();
            err(
                &if p == "." {
                    ".config".to_owned()
                } else {
                    format!(".config.{p}")
                },
                inner.to_string(),
            )
        };
        let backend = match kind {
            "sqlite" => StoreBackendConfig::Sqlite(
                serde_path_to_error::deserialize(config).map_err(parse_err)?,
            ),
            "postgres" => StoreBackendConfig::Postgres(
                serde_path_to_error::deserialize(config).map_err(parse_err)?,
            ),
            "clickhouse" | "mysql" => {
                return Err(err(
                    ".type",
                    format!(
                        "\"{kind}\" stores are not supported by this build; use \"sqlite\" or \"postgres\""
                    ),
                ));
            }
            other => {
                return Err(err(
                    ".type",
                    format!("unknown store type \"{other}\"; expected \"sqlite\" or \"postgres\""),
                ));
            }
        };
        Ok(Self {
            enabled,
            backend,
            retention_days,
        })
    }
}
