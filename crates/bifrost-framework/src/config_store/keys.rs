//! Key rows: list, get, create, update, delete.

use bifrost_core::config::KeyConfig;

use super::ProviderKey;
use super::codec::{check_name, decode_key, encode_key, now_ms};
use super::providers::{SELECT_KEYS_OF, provider_exists};
use super::seed::{Tombstone, take_tombstone, write_tombstone};
use super::store::SqlConfigStore;
use crate::crypto::Cipher;
use crate::db::{Stmt, Tx};
use crate::error::{StoreError, StoreResult, is_unique_violation};
use crate::secrets::{check_new_secret, merge_key_secrets, visit_key_secrets};

const SELECT_KEY: &str = "SELECT provider, id, name, value, config_json, config_hash FROM config_keys WHERE provider = $1 AND id = $2";

/// A key about to be created: `id` (random when absent) and `name` (the id when absent) set,
/// secrets checked. `label` names the key in errors.
pub(super) fn normalize_new_key(key: &KeyConfig, label: &str) -> StoreResult<KeyConfig> {
    let mut k = key.clone();
    let id =
        k.id.clone()
            .filter(|id| !id.is_empty())
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    check_name("key id", &id)?;
    let name = k
        .name
        .clone()
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| id.clone());
    check_name("key", &name)?;
    k.id = Some(id);
    k.name = Some(name);
    visit_key_secrets(&mut k, |path, s| {
        check_new_secret(s, &format!("{label}.{path}"))
    })?;
    Ok(k)
}

/// Inserts a key row; `key` must have `id` and `name` set.
pub(super) async fn insert_key(
    tx: &mut Tx,
    cipher: Option<&Cipher>,
    provider: &str,
    key: &KeyConfig,
    position: i64,
    hash: Option<String>,
) -> StoreResult<()> {
    let id = key.id.clone().unwrap_or_default();
    let name = key.name.clone().unwrap_or_default();
    let (value, json) = encode_key(key, cipher)?;
    let now = now_ms();
    tx.execute(
        &Stmt::new(
            "INSERT INTO config_keys (provider, id, name, value, config_json, position, config_hash, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
        )
        .bind(provider)
        .bind(id.as_str())
        .bind(name.as_str())
        .bind(value)
        .bind(json)
        .bind(position)
        .bind(hash)
        .bind(now),
    )
    .await
    .map_err(|e| key_conflict(e, provider, &id, &name))?;
    Ok(())
}

/// Maps a unique violation on `config_keys` to a `Conflict` naming the key.
pub(super) fn key_conflict(e: StoreError, provider: &str, id: &str, name: &str) -> StoreError {
    match e {
        StoreError::Database(db) if is_unique_violation(&db) => StoreError::Conflict(format!(
            "provider {provider} already has a key with id {id} or name {name}"
        )),
        other => other,
    }
}

/// The next free position at the end of a provider's key list.
async fn next_position(tx: &mut Tx, provider: &str) -> StoreResult<i64> {
    let row = tx
        .fetch_optional(
            &Stmt::new("SELECT MAX(position) AS p FROM config_keys WHERE provider = $1")
                .bind(provider),
        )
        .await?;
    Ok(match row {
        Some(r) => r.get::<Option<i64>>("p")?.map_or(0, |p| p + 1),
        None => 0,
    })
}

impl SqlConfigStore {
    pub(super) async fn keys_of(&self, provider: &str) -> StoreResult<Vec<KeyConfig>> {
        let exists = self
            .db
            .fetch_optional(
                &Stmt::new("SELECT name FROM config_providers WHERE name = $1").bind(provider),
            )
            .await?
            .is_some();
        if !exists {
            return Err(StoreError::not_found(format!("provider {provider}")));
        }
        self.db
            .fetch_all(&Stmt::new(SELECT_KEYS_OF).bind(provider))
            .await?
            .iter()
            .map(|r| decode_key(r, self.cipher()))
            .collect()
    }

    pub(super) async fn keys_all(&self) -> StoreResult<Vec<ProviderKey>> {
        self.db
            .fetch_all(&Stmt::new(
                "SELECT provider, id, name, value, config_json FROM config_keys ORDER BY provider, position, created_at, id",
            ))
            .await?
            .iter()
            .map(|r| {
                Ok(ProviderKey {
                    provider: r.get("provider")?,
                    key: decode_key(r, self.cipher())?,
                })
            })
            .collect()
    }

    pub(super) async fn key_one(&self, provider: &str, id: &str) -> StoreResult<Option<KeyConfig>> {
        self.db
            .fetch_optional(&Stmt::new(SELECT_KEY).bind(provider).bind(id))
            .await?
            .map(|r| decode_key(&r, self.cipher()))
            .transpose()
    }

    pub(super) async fn key_create(
        &self,
        provider: &str,
        key: &KeyConfig,
    ) -> StoreResult<KeyConfig> {
        let key = normalize_new_key(key, "key")?;
        let id = key.id.clone().unwrap_or_default();
        let mut tx = self.db.begin().await?;
        if !provider_exists(&mut tx, provider).await? {
            return Err(StoreError::not_found(format!("provider {provider}")));
        }
        let position = next_position(&mut tx, provider).await?;
        let hash = take_tombstone(&mut tx, Tombstone::key(provider, &id)).await?;
        insert_key(&mut tx, self.cipher(), provider, &key, position, hash).await?;
        tx.commit().await?;
        self.key_one(provider, &id)
            .await?
            .ok_or_else(|| StoreError::not_found(format!("key {id} of provider {provider}")))
    }

    pub(super) async fn key_update(
        &self,
        provider: &str,
        id: &str,
        key: &KeyConfig,
    ) -> StoreResult<KeyConfig> {
        let cipher = self.cipher();
        let mut tx = self.db.begin().await?;
        let row = tx
            .fetch_optional(&Stmt::new(SELECT_KEY).bind(provider).bind(id))
            .await?
            .ok_or_else(|| StoreError::not_found(format!("key {id} of provider {provider}")))?;
        let stored = decode_key(&row, cipher)?;
        let mut incoming = key.clone();
        incoming.id = Some(id.to_owned());
        incoming.name = incoming
            .name
            .filter(|n| !n.is_empty())
            .or_else(|| stored.name.clone());
        let name = incoming.name.clone().unwrap_or_default();
        check_name("key", &name)?;
        merge_key_secrets(&mut incoming, &stored, &format!("key {name}"))?;
        let (value, json) = encode_key(&incoming, cipher)?;
        tx.execute(
            &Stmt::new(
                "UPDATE config_keys SET name = $1, value = $2, config_json = $3, updated_at = $4 WHERE provider = $5 AND id = $6",
            )
            .bind(name.as_str())
            .bind(value)
            .bind(json)
            .bind(now_ms())
            .bind(provider)
            .bind(id),
        )
        .await
        .map_err(|e| key_conflict(e, provider, id, &name))?;
        tx.commit().await?;
        self.key_one(provider, id)
            .await?
            .ok_or_else(|| StoreError::not_found(format!("key {id} of provider {provider}")))
    }

    pub(super) async fn key_delete(&self, provider: &str, id: &str) -> StoreResult<()> {
        let mut tx = self.db.begin().await?;
        let row = tx
            .fetch_optional(&Stmt::new(SELECT_KEY).bind(provider).bind(id))
            .await?
            .ok_or_else(|| StoreError::not_found(format!("key {id} of provider {provider}")))?;
        if let Some(hash) = row.get::<Option<String>>("config_hash")? {
            write_tombstone(&mut tx, Tombstone::key(provider, id), &hash).await?;
        }
        tx.execute(
            &Stmt::new("DELETE FROM config_keys WHERE provider = $1 AND id = $2")
                .bind(provider)
                .bind(id),
        )
        .await?;
        tx.commit().await
    }
}
