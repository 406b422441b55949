//! Request logging at start-up: reading its settings, opening the log store, and registering
//! the `logging` plugin with the engine.
//!
//! Logging is on by default, like in Bifrost: with no configuration at all, rows go to
//! `<app-dir>/logs.db` (SQLite). A `logs_store` section picks another file or PostgreSQL;
//! `logs_store.enabled: false`, `client.enable_logging: false` or a disabled `logging` entry in
//! `plugins[]` turn it off. `client.disable_content_logging`, `client.log_retention_days`
//! (default 365, falling back to `logs_store.retention_days`) and `client.logging_headers`
//! shape what is kept.

use std::path::Path;
use std::sync::Arc;

use bifrost_core::Plugin;
use bifrost_core::config::{ClientConfig, ConfigFile, ConfigProblem};
use bifrost_framework::open_log_store;
use bifrost_framework::settings::StoreConfig;
use bifrost_plugin_logging::{LoggingConfig, RequestLogger};
use serde_json::Value;

use crate::config_load::{self, Loaded, StartupError};
use crate::server::Gateway;

/// Default `client.log_retention_days` (Bifrost's).
pub const DEFAULT_RETENTION_DAYS: u32 = 365;

/// What the configuration says about request logging.
#[derive(Debug, Clone, PartialEq)]
pub struct LogsSettings {
    /// The `logs_store` section (the default SQLite file when there is none).
    pub store: StoreConfig,
    /// Queue, batching, content and retention settings.
    pub logging: LoggingConfig,
}

fn bool_field(client: &ClientConfig, name: &str) -> Result<Option<bool>, ConfigProblem> {
    match client.extra.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(other) => Err(ConfigProblem::error(
            format!("client.{name}"),
            format!("expected a boolean, got {other}"),
        )),
    }
}

/// Reads the logging settings of `file`; `None` when request logging is turned off.
pub fn settings(file: &ConfigFile) -> Result<Option<LogsSettings>, ConfigProblem> {
    let client = &file.client;
    let store = match file.extra.get("logs_store") {
        None | Some(Value::Null) => StoreConfig::default(),
        Some(v) => StoreConfig::from_json(v, "logs_store")
            .map_err(|e| ConfigProblem::error("logs_store", e.to_string()))?,
    };
    let plugin_off = file
        .plugins
        .as_deref()
        .unwrap_or_default()
        .iter()
        .any(|p| p.name == bifrost_plugin_logging::PLUGIN_NAME && !p.enabled);
    if !store.enabled || bool_field(client, "enable_logging")? == Some(false) || plugin_off {
        return Ok(None);
    }
    let retention_days = match client.extra.get("log_retention_days") {
        None | Some(Value::Null) => store.retention_days.unwrap_or(DEFAULT_RETENTION_DAYS),
        Some(v) => v
            .as_u64()
            .and_then(|d| u32::try_from(d).ok())
            .ok_or_else(|| {
                ConfigProblem::error(
                    "client.log_retention_days",
                    format!("expected a whole number of days, got {v}"),
                )
            })?,
    };
    let logging_headers = match client.extra.get("logging_headers") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|h| {
                h.as_str().map(str::to_owned).ok_or_else(|| {
                    ConfigProblem::error(
                        "client.logging_headers",
                        format!("expected header names, got {h}"),
                    )
                })
            })
            .collect::<Result<_, _>>()?,
        Some(other) => {
            return Err(ConfigProblem::error(
                "client.logging_headers",
                format!("expected a list of header names, got {other}"),
            ));
        }
    };
    let logging = LoggingConfig {
        disable_content_logging: bool_field(client, "disable_content_logging")?.unwrap_or(false),
        retention_days: (retention_days > 0).then_some(retention_days),
        logging_headers,
        ..LoggingConfig::default()
    };
    Ok(Some(LogsSettings { store, logging }))
}

/// Opens the log store of `settings` and starts the logger on it.
pub async fn start(settings: &LogsSettings, app_dir: &Path) -> Result<RequestLogger, String> {
    let store = open_log_store(&settings.store, app_dir)
        .await
        .map_err(|e| format!("cannot open the log store: {e}"))?
        .ok_or_else(|| "the log store is disabled".to_owned())?;
    Ok(RequestLogger::start(store, settings.logging.clone()))
}

/// Registers `logger`'s plugin with the engine of `loaded`, before every other plugin so that
/// it sees the final outcome of each request, and keeps the logger in `loaded.logs`.
pub fn register(loaded: &mut Loaded, logger: RequestLogger) -> Result<(), String> {
    let mut plugins: Vec<Arc<dyn Plugin>> = vec![Arc::new(logger.plugin())];
    plugins.extend(loaded.bifrost.snapshot().plugins.iter().cloned());
    loaded
        .bifrost
        .set_plugins(plugins)
        .map_err(|e| e.to_string())?;
    loaded.logs = Some(logger);
    Ok(())
}

/// Settings this module reads, which the generic validation reports as not supported.
const HANDLED_FIELDS: &[&str] = &[
    "logs_store",
    "client.enable_logging",
    "client.disable_content_logging",
    "client.log_retention_days",
    "client.logging_headers",
];

/// Starts request logging for `loaded` as its configuration says (nothing when it is off).
pub async fn attach(loaded: &mut Loaded, app_dir: &Path) -> Result<(), StartupError> {
    let path = app_dir.join("config.json");
    loaded
        .warnings
        .retain(|w| !HANDLED_FIELDS.contains(&w.path.as_str()));
    let Some(settings) = settings(&loaded.file).map_err(|p| StartupError::Invalid {
        path: path.clone(),
        problems: vec![p],
    })?
    else {
        return Ok(());
    };
    let logger = start(&settings, app_dir)
        .await
        .map_err(|message| StartupError::Engine {
            path: path.clone(),
            message,
        })?;
    register(loaded, logger).map_err(|message| StartupError::Engine { path, message })
}

impl Gateway {
    /// Like [`Gateway::load`], with request logging started as the configuration says.
    pub async fn load_with_logs(app_dir: &Path) -> Result<Self, StartupError> {
        let mut loaded = config_load::load(app_dir)?;
        attach(&mut loaded, app_dir).await?;
        Ok(Self::from_loaded(loaded))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn file(json: &str) -> ConfigFile {
        ConfigFile::parse(json.as_bytes()).unwrap()
    }

    #[test]
    fn on_by_default_with_bifrost_defaults() {
        let s = settings(&file("{}")).unwrap().unwrap();
        assert_eq!(s.store, StoreConfig::default());
        assert_eq!(s.logging.retention_days, Some(365));
        assert!(!s.logging.disable_content_logging);
    }

    #[test]
    fn each_switch_turns_it_off() {
        for json in [
            r#"{"logs_store": {"enabled": false}}"#,
            r#"{"client": {"enable_logging": false}}"#,
            r#"{"plugins": [{"name": "logging", "enabled": false}]}"#,
        ] {
            assert_eq!(settings(&file(json)).unwrap(), None, "{json}");
        }
    }

    #[test]
    fn client_fields_are_read() {
        let s = settings(&file(
            r#"{"client": {"disable_content_logging": true, "log_retention_days": 7,
                "logging_headers": ["X-Team"]},
                "logs_store": {"enabled": true, "type": "sqlite", "config": {"path": "l.db"}, "retention_days": 3}}"#,
        ))
        .unwrap()
        .unwrap();
        assert!(s.logging.disable_content_logging);
        assert_eq!(s.logging.retention_days, Some(7));
        assert_eq!(s.logging.logging_headers, ["X-Team"]);
        let s = settings(&file(r#"{"logs_store": {"retention_days": 3}}"#))
            .unwrap()
            .unwrap();
        assert_eq!(s.logging.retention_days, Some(3));
        let bad = settings(&file(r#"{"client": {"log_retention_days": "a week"}}"#)).unwrap_err();
        assert_eq!(bad.path, "client.log_retention_days");
    }
}
