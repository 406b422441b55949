//! Provider rows: list, get, create, update, delete.

use bifrost_core::config::ProviderConfig;
use indexmap::IndexMap;

use super::codec::{check_name, decode_key, decode_provider, encode_provider, now_ms};
use super::keys::{insert_key, normalize_new_key};
use super::seed::{Tombstone, take_tombstone, write_tombstone};
use super::store::SqlConfigStore;
use crate::db::{Stmt, Tx};
use crate::error::{StoreError, StoreResult, is_unique_violation};
use crate::secrets::{check_new_secret, merge_provider_secrets, visit_provider_secrets};

const SELECT_KEYS_ALL: &str = "SELECT provider, id, name, value, config_json FROM config_keys ORDER BY provider, position, created_at, id";
pub(super) const SELECT_KEYS_OF: &str = "SELECT provider, id, name, value, config_json FROM config_keys WHERE provider = $1 ORDER BY position, created_at, id";

impl SqlConfigStore {
    pub(super) async fn providers_all(&self) -> StoreResult<IndexMap<String, ProviderConfig>> {
        let cipher = self.cipher();
        let mut out = IndexMap::new();
        for row in self
            .db
            .fetch_all(&Stmt::new(
                "SELECT name, config_json FROM config_providers ORDER BY name",
            ))
            .await?
        {
            let name: String = row.get("name")?;
            let p = decode_provider(&row.get::<String>("config_json")?, cipher)?;
            out.insert(name, p);
        }
        for row in self.db.fetch_all(&Stmt::new(SELECT_KEYS_ALL)).await? {
            let provider: String = row.get("provider")?;
            if let Some(p) = out.get_mut(&provider) {
                p.keys.push(decode_key(&row, cipher)?);
            }
        }
        Ok(out)
    }

    pub(super) async fn provider_one(&self, name: &str) -> StoreResult<Option<ProviderConfig>> {
        let cipher = self.cipher();
        let Some(row) = self
            .db
            .fetch_optional(
                &Stmt::new("SELECT config_json FROM config_providers WHERE name = $1").bind(name),
            )
            .await?
        else {
            return Ok(None);
        };
        let mut p = decode_provider(&row.get::<String>("config_json")?, cipher)?;
        for row in self
            .db
            .fetch_all(&Stmt::new(SELECT_KEYS_OF).bind(name))
            .await?
        {
            p.keys.push(decode_key(&row, cipher)?);
        }
        Ok(Some(p))
    }

    pub(super) async fn provider_create(
        &self,
        name: &str,
        config: &ProviderConfig,
    ) -> StoreResult<ProviderConfig> {
        check_name("provider", name)?;
        let mut own = config.clone();
        visit_provider_secrets(&mut own, |path, s| check_new_secret(s, path))?;
        let cipher = self.cipher();
        let mut tx = self.db.begin().await?;
        if provider_exists(&mut tx, name).await? {
            return Err(conflict_provider(name));
        }
        let hash = take_tombstone(&mut tx, Tombstone::provider(name)).await?;
        let now = now_ms();
        tx.execute(
            &Stmt::new(
                "INSERT INTO config_providers (name, config_json, config_hash, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)",
            )
            .bind(name)
            .bind(encode_provider(&own, cipher)?)
            .bind(hash)
            .bind(now),
        )
        .await
        .map_err(|e| map_conflict(e, name))?;
        let mut taken_names = Vec::new();
        for (i, key) in config.keys.iter().enumerate() {
            let key = normalize_new_key(key, &format!("keys[{i}]"))?;
            if let Some(n) = &key.name {
                if taken_names.contains(n) {
                    return Err(StoreError::Conflict(format!(
                        "two keys of provider {name} are named {n}"
                    )));
                }
                taken_names.push(n.clone());
            }
            insert_key(
                &mut tx,
                cipher,
                name,
                &key,
                i64::try_from(i).unwrap_or(i64::MAX),
                None,
            )
            .await?;
        }
        tx.commit().await?;
        self.provider_one(name)
            .await?
            .ok_or_else(|| StoreError::not_found(format!("provider {name}")))
    }

    pub(super) async fn provider_update(
        &self,
        name: &str,
        config: &ProviderConfig,
    ) -> StoreResult<ProviderConfig> {
        let cipher = self.cipher();
        let mut tx = self.db.begin().await?;
        let row = tx
            .fetch_optional(
                &Stmt::new("SELECT config_json FROM config_providers WHERE name = $1").bind(name),
            )
            .await?
            .ok_or_else(|| StoreError::not_found(format!("provider {name}")))?;
        let stored = decode_provider(&row.get::<String>("config_json")?, cipher)?;
        let mut incoming = config.clone();
        incoming.keys.clear();
        merge_provider_secrets(&mut incoming, &stored)?;
        tx.execute(
            &Stmt::new(
                "UPDATE config_providers SET config_json = $1, updated_at = $2 WHERE name = $3",
            )
            .bind(encode_provider(&incoming, cipher)?)
            .bind(now_ms())
            .bind(name),
        )
        .await?;
        tx.commit().await?;
        self.provider_one(name)
            .await?
            .ok_or_else(|| StoreError::not_found(format!("provider {name}")))
    }

    pub(super) async fn provider_delete(&self, name: &str) -> StoreResult<()> {
        let mut tx = self.db.begin().await?;
        let row = tx
            .fetch_optional(
                &Stmt::new("SELECT config_hash FROM config_providers WHERE name = $1").bind(name),
            )
            .await?
            .ok_or_else(|| StoreError::not_found(format!("provider {name}")))?;
        if let Some(hash) = row.get::<Option<String>>("config_hash")? {
            write_tombstone(&mut tx, Tombstone::provider(name), &hash).await?;
        }
        // Keys go with the provider (ON DELETE CASCADE); so do their tombstones, since a
        // re-created provider starts from its file entry again.
        tx.execute(
            &Stmt::new("DELETE FROM config_seed_tombstones WHERE kind = 'key' AND scope = $1")
                .bind(name),
        )
        .await?;
        tx.execute(&Stmt::new("DELETE FROM config_providers WHERE name = $1").bind(name))
            .await?;
        tx.commit().await
    }
}

/// True when provider `name` exists.
pub(super) async fn provider_exists(tx: &mut Tx, name: &str) -> StoreResult<bool> {
    Ok(tx
        .fetch_optional(&Stmt::new("SELECT name FROM config_providers WHERE name = $1").bind(name))
        .await?
        .is_some())
}

fn conflict_provider(name: &str) -> StoreError {
    StoreError::Conflict(format!("provider {name} already exists"))
}

fn map_conflict(e: StoreError, name: &str) -> StoreError {
    match e {
        StoreError::Database(db) if is_unique_violation(&db) => conflict_provider(name),
        other => other,
    }
}
