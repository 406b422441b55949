//! Plugin rows and the client row.

use bifrost_core::config::ClientConfig;
use bifrost_core::config::file::PluginConfig;

use super::codec::{check_name, decode_plugin, encode_plugin, now_ms};
use super::seed::{Tombstone, take_tombstone, write_tombstone};
use super::store::SqlConfigStore;
use crate::db::Stmt;
use crate::error::{StoreError, StoreResult, is_unique_violation};

impl SqlConfigStore {
    pub(super) async fn plugins_all(&self) -> StoreResult<Vec<PluginConfig>> {
        self.db
            .fetch_all(&Stmt::new(
                "SELECT config_json FROM config_plugins ORDER BY name",
            ))
            .await?
            .iter()
            .map(|r| decode_plugin(&r.get::<String>("config_json")?, self.cipher()))
            .collect()
    }

    pub(super) async fn plugin_one(&self, name: &str) -> StoreResult<Option<PluginConfig>> {
        self.db
            .fetch_optional(
                &Stmt::new("SELECT config_json FROM config_plugins WHERE name = $1").bind(name),
            )
            .await?
            .map(|r| decode_plugin(&r.get::<String>("config_json")?, self.cipher()))
            .transpose()
    }

    pub(super) async fn plugin_create(&self, plugin: &PluginConfig) -> StoreResult<PluginConfig> {
        check_name("plugin", &plugin.name)?;
        let mut tx = self.db.begin().await?;
        let hash = take_tombstone(&mut tx, Tombstone::plugin(&plugin.name)).await?;
        let now = now_ms();
        tx.execute(
            &Stmt::new(
                "INSERT INTO config_plugins (name, enabled, config_json, config_hash, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)",
            )
            .bind(plugin.name.as_str())
            .bind(plugin.enabled)
            .bind(encode_plugin(plugin, self.cipher())?)
            .bind(hash)
            .bind(now),
        )
        .await
        .map_err(|e| match e {
            StoreError::Database(db) if is_unique_violation(&db) => {
                StoreError::Conflict(format!("plugin {} already exists", plugin.name))
            }
            other => other,
        })?;
        tx.commit().await?;
        self.plugin_one(&plugin.name)
            .await?
            .ok_or_else(|| StoreError::not_found(format!("plugin {}", plugin.name)))
    }

    pub(super) async fn plugin_update(&self, plugin: &PluginConfig) -> StoreResult<PluginConfig> {
        let changed = self
            .db
            .execute(
                &Stmt::new(
                    "UPDATE config_plugins SET enabled = $1, config_json = $2, updated_at = $3 WHERE name = $4",
                )
                .bind(plugin.enabled)
                .bind(encode_plugin(plugin, self.cipher())?)
                .bind(now_ms())
                .bind(plugin.name.as_str()),
            )
            .await?;
        if changed == 0 {
            return Err(StoreError::not_found(format!("plugin {}", plugin.name)));
        }
        self.plugin_one(&plugin.name)
            .await?
            .ok_or_else(|| StoreError::not_found(format!("plugin {}", plugin.name)))
    }

    pub(super) async fn plugin_delete(&self, name: &str) -> StoreResult<()> {
        let mut tx = self.db.begin().await?;
        let row = tx
            .fetch_optional(
                &Stmt::new("SELECT config_hash FROM config_plugins WHERE name = $1").bind(name),
            )
            .await?
            .ok_or_else(|| StoreError::not_found(format!("plugin {name}")))?;
        if let Some(hash) = row.get::<Option<String>>("config_hash")? {
            write_tombstone(&mut tx, Tombstone::plugin(name), &hash).await?;
        }
        tx.execute(&Stmt::new("DELETE FROM config_plugins WHERE name = $1").bind(name))
            .await?;
        tx.commit().await
    }

    pub(super) async fn client_get(&self) -> StoreResult<Option<ClientConfig>> {
        self.db
            .fetch_optional(&Stmt::new(
                "SELECT config_json FROM config_client WHERE id = 1",
            ))
            .await?
            .map(|r| Ok(serde_json::from_str(&r.get::<String>("config_json")?)?))
            .transpose()
    }

    pub(super) async fn client_set(&self, config: &ClientConfig) -> StoreResult<()> {
        self.db
            .execute(
                &Stmt::new(
                    "INSERT INTO config_client (id, config_json, config_hash, updated_at) VALUES (1, $1, NULL, $2) \
                     ON CONFLICT (id) DO UPDATE SET config_json = excluded.config_json, updated_at = excluded.updated_at",
                )
                .bind(serde_json::to_string(config)?)
                .bind(now_ms()),
            )
            .await?;
        Ok(())
    }
}
