//! [`SqlConfigStore`]: the [`ConfigStore`] on SQLite or PostgreSQL.

use std::sync::Arc;

use async_trait::async_trait;
use bifrost_core::config::file::PluginConfig;
use bifrost_core::config::{ClientConfig, ConfigFile, KeyConfig, ProviderConfig};
use indexmap::IndexMap;

use super::{AdminCredentials, ConfigStore, ProviderKey, SeedReport, StoredConfig};
use crate::crypto::Cipher;
use crate::db::{Backend, Db, DbTarget, Schema};
use crate::error::StoreResult;

/// The configuration store on a SQL database.
#[derive(Debug, Clone)]
pub struct SqlConfigStore {
    pub(super) db: Db,
    pub(super) cipher: Option<Arc<Cipher>>,
}

impl SqlConfigStore {
    /// Opens (creating when needed) the store at `target` and brings its schema up to date.
    ///
    /// With `encryption_key`, secrets are encrypted at rest: the key is checked against the one
    /// the database was first encrypted with (`WrongEncryptionKey` otherwise), and any secret
    /// still stored in plaintext is encrypted now. Without one, a database that holds encrypted
    /// secrets is refused (`EncryptionKeyRequired`).
    pub async fn open(target: &DbTarget, encryption_key: Option<&str>) -> StoreResult<Self> {
        let db = target.connect().await?;
        match Self::open_on(db.clone(), encryption_key).await {
            Ok(store) => Ok(store),
            Err(e) => {
                db.close().await;
                Err(e)
            }
        }
    }

    async fn open_on(db: Db, encryption_key: Option<&str>) -> StoreResult<Self> {
        Schema::Config.migrate(&db).await?;
        let cipher = super::encryption::init(&db, encryption_key).await?;
        let store = Self { db, cipher };
        if store.cipher.is_some() {
            store.seal_plaintext_secrets().await?;
        }
        Ok(store)
    }

    /// True when secrets are encrypted at rest.
    pub fn is_encrypted(&self) -> bool {
        self.cipher.is_some()
    }

    /// Closes the connection pool.
    pub async fn close(&self) {
        self.db.close().await;
    }

    pub(super) fn cipher(&self) -> Option<&Cipher> {
        self.cipher.as_deref()
    }
}

#[async_trait]
impl ConfigStore for SqlConfigStore {
    fn backend(&self) -> Backend {
        self.db.backend()
    }

    async fn ping(&self) -> StoreResult<()> {
        self.db.ping().await
    }

    async fn list_providers(&self) -> StoreResult<IndexMap<String, ProviderConfig>> {
        self.providers_all().await
    }

    async fn get_provider(&self, name: &str) -> StoreResult<Option<ProviderConfig>> {
        self.provider_one(name).await
    }

    async fn create_provider(
        &self,
        name: &str,
        config: &ProviderConfig,
    ) -> StoreResult<ProviderConfig> {
        self.provider_create(name, config).await
    }

    async fn update_provider(
        &self,
        name: &str,
        config: &ProviderConfig,
    ) -> StoreResult<ProviderConfig> {
        self.provider_update(name, config).await
    }

    async fn delete_provider(&self, name: &str) -> StoreResult<()> {
        self.provider_delete(name).await
    }

    async fn list_keys(&self, provider: &str) -> StoreResult<Vec<KeyConfig>> {
        self.keys_of(provider).await
    }

    async fn list_all_keys(&self) -> StoreResult<Vec<ProviderKey>> {
        self.keys_all().await
    }

    async fn get_key(&self, provider: &str, key_id: &str) -> StoreResult<Option<KeyConfig>> {
        self.key_one(provider, key_id).await
    }

    async fn create_key(&self, provider: &str, key: &KeyConfig) -> StoreResult<KeyConfig> {
        self.key_create(provider, key).await
    }

    async fn update_key(
        &self,
        provider: &str,
        key_id: &str,
        key: &KeyConfig,
    ) -> StoreResult<KeyConfig> {
        self.key_update(provider, key_id, key).await
    }

    async fn delete_key(&self, provider: &str, key_id: &str) -> StoreResult<()> {
        self.key_delete(provider, key_id).await
    }

    async fn get_client_config(&self) -> StoreResult<Option<ClientConfig>> {
        self.client_get().await
    }

    async fn set_client_config(&self, config: &ClientConfig) -> StoreResult<()> {
        self.client_set(config).await
    }

    async fn list_plugins(&self) -> StoreResult<Vec<PluginConfig>> {
        self.plugins_all().await
    }

    async fn get_plugin(&self, name: &str) -> StoreResult<Option<PluginConfig>> {
        self.plugin_one(name).await
    }

    async fn create_plugin(&self, plugin: &PluginConfig) -> StoreResult<PluginConfig> {
        self.plugin_create(plugin).await
    }

    async fn update_plugin(&self, plugin: &PluginConfig) -> StoreResult<PluginConfig> {
        self.plugin_update(plugin).await
    }

    async fn delete_plugin(&self, name: &str) -> StoreResult<()> {
        self.plugin_delete(name).await
    }

    async fn seed_from_file(&self, file: &ConfigFile) -> StoreResult<SeedReport> {
        self.seed(file).await
    }

    async fn load(&self) -> StoreResult<StoredConfig> {
        Ok(StoredConfig {
            client: self.client_get().await?,
            providers: self.providers_all().await?,
            plugins: self.plugins_all().await?,
        })
    }

    async fn get_admin_credentials(&self) -> StoreResult<Option<AdminCredentials>> {
        self.auth_get().await
    }

    async fn set_admin_credentials(&self, auth: &AdminCredentials) -> StoreResult<()> {
        self.auth_set(auth).await
    }

    async fn create_session(&self, token_hash: &str, expires_at: i64) -> StoreResult<()> {
        self.session_create(token_hash, expires_at).await
    }

    async fn session_expires_at(&self, token_hash: &str) -> StoreResult<Option<i64>> {
        self.session_expiry(token_hash).await
    }

    async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        self.session_delete(token_hash).await
    }

    async fn delete_expired_sessions(&self, now: i64) -> StoreResult<u64> {
        self.sessions_delete_expired(now).await
    }

    async fn delete_all_sessions(&self) -> StoreResult<u64> {
        self.sessions_delete_all().await
    }
}
