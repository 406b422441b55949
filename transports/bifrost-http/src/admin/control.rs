//! Applying configuration changes: one change at a time, written to the config store first,
//! then published to the engine as a new snapshot (requests in flight finish on the old one).

use std::sync::Arc;

use arc_swap::ArcSwap;
use bifrost_core::Bifrost;
use bifrost_core::config::{ClientConfig, ConfigFile, ProviderConfig, Severity};
use bifrost_core::engine::keys::EmptyModelsMeans;
use bifrost_core::engine::{BuildNotice, ProviderState};
use bifrost_core::providers::ProviderBuildError;
use bifrost_core::{BifrostError, ErrorKind};
use bifrost_framework::{ConfigStore, StoreError};
use indexmap::IndexMap;
use tokio::sync::{Mutex, MutexGuard};

/// The configuration the management API edits.
pub struct ConfigControl {
    store: Option<Arc<dyn ConfigStore>>,
    lock: Mutex<()>,
    client: ArcSwap<ClientConfig>,
    version: u8,
}

impl std::fmt::Debug for ConfigControl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConfigControl")
            .field("store", &self.store.as_ref().map(|s| s.backend()))
            .field("version", &self.version)
            .finish()
    }
}

/// The error of a management request, in Bifrost's error shape.
pub fn store_error(e: StoreError) -> BifrostError {
    match e {
        StoreError::NotFound(what) => {
            BifrostError::new(ErrorKind::InvalidRequest, format!("{what} not found"))
                .with_status(404)
                .with_code("not_found")
        }
        StoreError::Conflict(m) => BifrostError::new(ErrorKind::InvalidRequest, m)
            .with_status(409)
            .with_code("conflict"),
        e @ (StoreError::Invalid(_) | StoreError::MaskedSecret { .. }) => {
            BifrostError::invalid_request(e.to_string())
        }
        other => {
            tracing::error!(error = %other, "config store operation failed");
            BifrostError::internal(format!("config store: {other}"))
        }
    }
}

/// The 409 answered for changes while the config store is disabled (file-only mode).
pub fn store_disabled() -> BifrostError {
    BifrostError::new(
        ErrorKind::InvalidRequest,
        "the configuration store is disabled (config_store.enabled: false): edit config.json and restart to change the configuration",
    )
    .with_status(409)
    .with_code("config_store_disabled")
}

impl ConfigControl {
    /// Control over `store` (none: file-only mode) with the client settings in effect and
    /// the file's `version`.
    pub fn new(store: Option<Arc<dyn ConfigStore>>, client: ClientConfig, version: u8) -> Self {
        Self {
            store,
            lock: Mutex::new(()),
            client: ArcSwap::from_pointee(client),
            version,
        }
    }

    /// The config store, when enabled.
    pub fn store(&self) -> Option<&Arc<dyn ConfigStore>> {
        self.store.as_ref()
    }

    /// The store, or the 409 of file-only mode.
    pub fn require_store(&self) -> Result<&Arc<dyn ConfigStore>, BifrostError> {
        self.store.as_ref().ok_or_else(store_disabled)
    }

    /// Serialises changes: hold the guard from validation to publication.
    pub async fn begin(&self) -> MutexGuard<'_, ()> {
        self.lock.lock().await
    }

    /// The client settings in effect.
    pub fn client(&self) -> Arc<ClientConfig> {
        self.client.load_full()
    }

    /// Replaces the client settings in effect.
    pub fn set_client(&self, client: ClientConfig) {
        self.client.store(Arc::new(client));
    }

    /// Rebuilds the engine from the store's providers and the client settings in effect.
    pub async fn publish(&self, bifrost: &Bifrost) -> Result<(), BifrostError> {
        let mut config = bifrost.config();
        if let Some(store) = &self.store {
            config.providers = store.list_providers().await.map_err(store_error)?;
        }
        config.drop_excess_requests = self.client().drop_excess_requests.unwrap_or(false);
        config.version = self.version;
        bifrost.update_config(config).map_err(|e| {
            BifrostError::internal(format!("the stored configuration cannot be applied: {e}"))
        })
    }

    /// Checks that `config` is a provider the engine can build (as `name`), without applying
    /// it: the same checks as `config.json` at start-up, then a trial build. Providers this
    /// build knows but does not implement are accepted (kept, not served), as at start-up.
    pub fn validate_provider(
        &self,
        name: &str,
        config: &ProviderConfig,
    ) -> Result<Vec<BuildNotice>, BifrostError> {
        let file = ConfigFile {
            providers: IndexMap::from([(name.to_owned(), config.clone())]),
            version: Some(self.version),
            ..ConfigFile::default()
        };
        if let Some(p) = file
            .problems()
            .into_iter()
            .find(|p| p.severity == Severity::Error)
        {
            return Err(
                BifrostError::invalid_request(format!("{}: {}", p.path, p.message))
                    .with_param(p.path),
            );
        }
        let empty = if self.version == 1 {
            EmptyModelsMeans::AllowAll
        } else {
            EmptyModelsMeans::DenyAll
        };
        let mut notices = Vec::new();
        match ProviderState::build(name, config, false, empty, None, &mut notices) {
            Ok(_) => Ok(notices),
            Err(ProviderBuildError::NotImplemented(_)) => Ok(notices),
            Err(e) => Err(BifrostError::invalid_request(e.to_string())),
        }
    }
}
