//! The configuration store: providers, keys, client settings and plugins, persisted.
//!
//! [`ConfigStore`] is what the admin API and start-up code call; [`SqlConfigStore`] implements
//! it on SQLite and PostgreSQL.
//!
//! # Storage layout
//!
//! - `config_providers`: one row per provider; the provider's `config.json` entry **without
//!   `keys`** as JSON (unknown fields kept), its proxy password encrypted in place.
//! - `config_keys`: one row per key, keyed by `(provider, id)` with `name` unique per provider.
//!   The secret `value` has its own column; the rest of the key's entry (models, weight,
//!   aliases, provider-specific blocks) is JSON, with the credentials inside those blocks
//!   encrypted in place. Every stored key has an explicit `id` and `name`.
//! - `config_client`: the `client` section as JSON (one row).
//! - `config_plugins`: one row per `plugins[]` entry; its `config` object is encrypted as a
//!   whole when an encryption key is set (plugin configs may hold API keys).
//! - `config_hash` (providers, keys, client, plugins): the content hash of the `config.json`
//!   entry the row was last seeded from, `NULL` for rows created through the API. API updates
//!   leave it alone; that is what lets [`ConfigStore::seed_from_file`] tell "the file changed"
//!   from "someone edited the row".
//!
//! - `config_auth`: the admin account (password as an Argon2id hash); `config_sessions`: login
//!   sessions by the SHA-256 of their token.
//!
//! # Secrets
//!
//! With an encryption key, secrets are stored as `enc:v1:...` (see [`crate::crypto`]) and
//! decrypted on read; `env.NAME` references are stored as the reference. Every method returns
//! plaintext secrets: mask them with [`crate::secrets::mask_provider`] / [`crate::secrets::mask_key`]
//! before they leave the process. Updates apply [`crate::secrets::merge_secret`], so a masked
//! preview sent back by a client keeps the stored secret.

mod auth;
mod codec;
mod encryption;
mod keys;
mod plugins;
mod providers;
mod seed;
mod store;

use async_trait::async_trait;
use bifrost_core::config::file::PluginConfig;
use bifrost_core::config::{ClientConfig, ConfigFile, KeyConfig, ProviderConfig};
use indexmap::IndexMap;

pub use auth::AdminCredentials;
pub use store::SqlConfigStore;

use crate::db::Backend;
use crate::error::StoreResult;

/// A key together with the provider it belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderKey {
    /// Provider name.
    pub provider: String,
    /// The key, with its `id` and `name` always set.
    pub key: KeyConfig,
}

/// Everything the store holds that the gateway runs on.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StoredConfig {
    /// The `client` section, when one was ever stored.
    pub client: Option<ClientConfig>,
    /// Providers by name (alphabetical), each with its keys.
    pub providers: IndexMap<String, ProviderConfig>,
    /// Plugins by name (alphabetical).
    pub plugins: Vec<PluginConfig>,
}

/// What [`ConfigStore::seed_from_file`] did, one label per entry (`provider openai`,
/// `key openai/oa-1`, `client`, `plugin mocker`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeedReport {
    /// File entries the store did not have.
    pub inserted: Vec<String>,
    /// Entries whose file content changed since the last seed; the file version replaced the
    /// stored row.
    pub updated: Vec<String>,
    /// Entries whose file content is unchanged; the stored row (with any API edits) was kept.
    pub unchanged: Vec<String>,
    /// Entries deleted through the API whose file content is unchanged; they stay deleted.
    pub skipped_deleted: Vec<String>,
}

/// Persistent configuration. Object-safe: hold it as `Arc<dyn ConfigStore>`.
///
/// Every method returns secrets in plaintext (`env.` references as references); see the module
/// docs for masking and for how updates treat masked values.
#[async_trait]
pub trait ConfigStore: Send + Sync + std::fmt::Debug {
    /// The database this store runs on.
    fn backend(&self) -> Backend;

    /// Checks that the database answers.
    async fn ping(&self) -> StoreResult<()>;

    /// Every provider with its keys, by name.
    async fn list_providers(&self) -> StoreResult<IndexMap<String, ProviderConfig>>;

    /// One provider with its keys.
    async fn get_provider(&self, name: &str) -> StoreResult<Option<ProviderConfig>>;

    /// Adds a provider and the keys it lists (keys without `id` get a random one, keys without
    /// `name` are named after their id). Fails with `Conflict` when the name is taken.
    async fn create_provider(
        &self,
        name: &str,
        config: &ProviderConfig,
    ) -> StoreResult<ProviderConfig>;

    /// Replaces a provider's own settings (network, concurrency, proxy, ...). Its keys are not
    /// touched: `config.keys` is ignored; use the key methods. A masked, empty or absent proxy
    /// password keeps the stored one.
    async fn update_provider(
        &self,
        name: &str,
        config: &ProviderConfig,
    ) -> StoreResult<ProviderConfig>;

    /// Deletes a provider and its keys.
    async fn delete_provider(&self, name: &str) -> StoreResult<()>;

    /// The keys of one provider, in order. `NotFound` when the provider does not exist.
    async fn list_keys(&self, provider: &str) -> StoreResult<Vec<KeyConfig>>;

    /// Every key of every provider.
    async fn list_all_keys(&self) -> StoreResult<Vec<ProviderKey>>;

    /// One key by id.
    async fn get_key(&self, provider: &str, key_id: &str) -> StoreResult<Option<KeyConfig>>;

    /// Adds a key (a random `id` when absent; `name` defaults to the id). `Conflict` when the
    /// id or the name is taken; `MaskedSecret` when a secret is a masked preview.
    async fn create_key(&self, provider: &str, key: &KeyConfig) -> StoreResult<KeyConfig>;

    /// Replaces a key (PUT semantics) and returns it as stored. The id is `key_id`; an absent
    /// or empty `name` keeps the stored name; a secret that is empty, absent or masked keeps the
    /// stored secret. Every other field takes the value sent (absent means unset).
    async fn update_key(
        &self,
        provider: &str,
        key_id: &str,
        key: &KeyConfig,
    ) -> StoreResult<KeyConfig>;

    /// Deletes a key.
    async fn delete_key(&self, provider: &str, key_id: &str) -> StoreResult<()>;

    /// The `client` section, if one was stored.
    async fn get_client_config(&self) -> StoreResult<Option<ClientConfig>>;

    /// Stores the `client` section.
    async fn set_client_config(&self, config: &ClientConfig) -> StoreResult<()>;

    /// Every plugin, by name.
    async fn list_plugins(&self) -> StoreResult<Vec<PluginConfig>>;

    /// One plugin.
    async fn get_plugin(&self, name: &str) -> StoreResult<Option<PluginConfig>>;

    /// Adds a plugin; `Conflict` when the name is taken.
    async fn create_plugin(&self, plugin: &PluginConfig) -> StoreResult<PluginConfig>;

    /// Replaces a plugin's entry; `NotFound` when it does not exist.
    async fn update_plugin(&self, plugin: &PluginConfig) -> StoreResult<PluginConfig>;

    /// Deletes a plugin.
    async fn delete_plugin(&self, name: &str) -> StoreResult<()>;

    /// Applies `config.json` with `source_of_truth: "split"` semantics, in one transaction:
    /// entries the store lacks are inserted, entries whose file content changed since the last
    /// seed replace the stored row, entries whose file content is unchanged leave the stored
    /// row (and any API edits) alone, and entries deleted through the API stay deleted until
    /// their file content changes. Rows that are not in the file are kept.
    async fn seed_from_file(&self, file: &ConfigFile) -> StoreResult<SeedReport>;

    /// Client settings, providers with keys, and plugins.
    async fn load(&self) -> StoreResult<StoredConfig>;

    /// The admin account, when one was ever set.
    async fn get_admin_credentials(&self) -> StoreResult<Option<AdminCredentials>>;

    /// Stores the admin account (the password already hashed).
    async fn set_admin_credentials(&self, auth: &AdminCredentials) -> StoreResult<()>;

    /// Records a login session by the SHA-256 of its token, valid until `expires_at` (Unix ms).
    async fn create_session(&self, token_hash: &str, expires_at: i64) -> StoreResult<()>;

    /// When the session with this token hash expires (Unix ms), if it exists.
    async fn session_expires_at(&self, token_hash: &str) -> StoreResult<Option<i64>>;

    /// Ends one session.
    async fn delete_session(&self, token_hash: &str) -> StoreResult<()>;

    /// Removes sessions that expired at or before `now` (Unix ms); returns how many.
    async fn delete_expired_sessions(&self, now: i64) -> StoreResult<u64>;

    /// Ends every session (after a credentials change); returns how many.
    async fn delete_all_sessions(&self) -> StoreResult<u64>;
}
