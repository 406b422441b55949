//! # bifrost-framework
//!
//! Persistence for Bifrost-rs: the configuration store (providers, keys, client settings,
//! plugins) and the request log store, each on SQLite (default, one file in the app directory)
//! or PostgreSQL, with the same `config.json` sections as Bifrost (`config_store`,
//! `logs_store`, `encryption_key`, `source_of_truth`).
//!
//! ```no_run
//! # async fn demo(file: bifrost_core::config::ConfigFile) -> Result<(), bifrost_framework::StoreError> {
//! use std::path::Path;
//! use bifrost_framework::{open_config_store, open_log_store, settings::StoresConfig};
//!
//! let stores = StoresConfig::from_file(&file)?;
//! let key = stores.encryption_key.as_ref().map(|k| k.expose());
//! let app_dir = Path::new("/var/lib/bifrost");
//! if let Some(config) = open_config_store(&stores.config_store, app_dir, key).await? {
//!     config.seed_from_file(&file).await?;
//!     let providers = config.list_providers().await?;
//!     # let _ = providers;
//! }
//! if let Some(logs) = &stores.logs_store {
//!     let logs = open_log_store(logs, app_dir).await?;
//!     # let _ = logs;
//! }
//! # Ok(()) }
//! ```
//!
//! - [`config_store`]: the [`ConfigStore`] trait, split-mode seeding from `config.json`, secrets
//!   encrypted at rest ([`crypto`]) and masked for display ([`secrets`]).
//! - [`log_store`]: the [`LogStore`] trait: batched inserts, search with Bifrost's filters,
//!   stats, filter data, retention.
//! - [`settings`]: the typed store sections of `config.json`.
//!
//! Queries are checked at run time (no compile-time database), and every one is exercised by
//! the tests against both SQLite and a real PostgreSQL.

pub mod config_store;
pub mod crypto;
pub mod db;
pub mod error;
mod hash;
pub mod log_store;
mod open;
pub mod secrets;
pub mod settings;

pub use config_store::{
    AdminCredentials, ConfigStore, ProviderKey, SeedReport, SqlConfigStore, StoredConfig,
};
pub use db::{Backend, DbTarget};
pub use error::{StoreError, StoreResult};
pub use log_store::{LogEntry, LogQuery, LogStatus, LogStore, SqlLogStore};
pub use open::{open_config_store, open_log_store};

/// The sqlx version this crate is built on, for callers that build [`DbTarget::Postgres`]
/// connect options themselves.
pub use sqlx;
