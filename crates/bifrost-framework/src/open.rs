//! Opening the stores that `config.json` describes.

use std::path::Path;
use std::sync::Arc;

use crate::config_store::{ConfigStore, SqlConfigStore};
use crate::error::StoreResult;
use crate::log_store::{LogStore, SqlLogStore};
use crate::settings::{DEFAULT_CONFIG_DB, DEFAULT_LOGS_DB, StoreConfig};

/// Opens the configuration store described by `config` (`None` when `enabled: false`, i.e.
/// file-only mode). SQLite files default to `<app_dir>/config.db`. `encryption_key` is
/// [`crate::settings::StoresConfig::encryption_key`].
pub async fn open_config_store(
    config: &StoreConfig,
    app_dir: &Path,
    encryption_key: Option<&str>,
) -> StoreResult<Option<Arc<dyn ConfigStore>>> {
    if !config.enabled {
        return Ok(None);
    }
    let target = config.target(app_dir, DEFAULT_CONFIG_DB)?;
    let store = SqlConfigStore::open(&target, encryption_key).await?;
    Ok(Some(Arc::new(store)))
}

/// Opens the log store described by `config` (`None` when `enabled: false`). SQLite files
/// default to `<app_dir>/logs.db`.
pub async fn open_log_store(
    config: &StoreConfig,
    app_dir: &Path,
) -> StoreResult<Option<Arc<dyn LogStore>>> {
    if !config.enabled {
        return Ok(None);
    }
    let target = config.target(app_dir, DEFAULT_LOGS_DB)?;
    let store = SqlLogStore::open(&target).await?;
    Ok(Some(Arc::new(store)))
}
