//! Seeding from `config.json` (`source_of_truth: "split"`) and the tombstones that keep
//! API deletions of file entries.

use bifrost_core::config::file::PluginConfig;
use bifrost_core::config::{ConfigFile, KeyConfig, ProviderConfig};

use super::SeedReport;
use super::codec::{
    check_name, encode_key, encode_plugin, encode_provider, now_ms, provider_without_keys,
};
use super::keys::{insert_key, key_conflict};
use super::store::SqlConfigStore;
use crate::crypto::Cipher;
use crate::db::{Backend, Stmt, Tx};
use crate::error::StoreResult;
use crate::hash::{content_hash, hash_matches};
use crate::secrets::{check_new_secret, visit_key_secrets, visit_provider_secrets};

/// Advisory lock taken by seeding on PostgreSQL, so nodes starting together seed one by one.
const SEED_LOCK: i64 = 0x6269_6672_6f73_7464;

/// Identifies a row whose deletion through the API is remembered.
pub(super) struct Tombstone {
    kind: &'static str,
    scope: String,
    ident: String,
}

impl Tombstone {
    pub(super) fn provider(name: &str) -> Self {
        Self {
            kind: "provider",
            scope: String::new(),
            ident: name.to_owned(),
        }
    }

    pub(super) fn key(provider: &str, id: &str) -> Self {
        Self {
            kind: "key",
            scope: provider.to_owned(),
            ident: id.to_owned(),
        }
    }

    pub(super) fn plugin(name: &str) -> Self {
        Self {
            kind: "plugin",
            scope: String::new(),
            ident: name.to_owned(),
        }
    }
}

/// Remembers that a file-seeded row with `hash` was deleted.
pub(super) async fn write_tombstone(tx: &mut Tx, t: Tombstone, hash: &str) -> StoreResult<()> {
    tx.execute(
        &Stmt::new(
            "INSERT INTO config_seed_tombstones (kind, scope, ident, config_hash, deleted_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (kind, scope, ident) DO UPDATE SET config_hash = excluded.config_hash, deleted_at = excluded.deleted_at",
        )
        .bind(t.kind)
        .bind(t.scope)
        .bind(t.ident)
        .bind(hash)
        .bind(now_ms()),
    )
    .await?;
    Ok(())
}

async fn read_tombstone(tx: &mut Tx, t: &Tombstone) -> StoreResult<Option<String>> {
    tx.fetch_optional(
        &Stmt::new(
            "SELECT config_hash FROM config_seed_tombstones WHERE kind = $1 AND scope = $2 AND ident = $3",
        )
        .bind(t.kind)
        .bind(t.scope.as_str())
        .bind(t.ident.as_str()),
    )
    .await?
    .map(|r| r.get::<String>("config_hash"))
    .transpose()
}

/// Removes a tombstone and returns its hash. A row re-created through the API takes the hash
/// over, so an unchanged file entry does not overwrite it on the next seed.
pub(super) async fn take_tombstone(tx: &mut Tx, t: Tombstone) -> StoreResult<Option<String>> {
    let hash = read_tombstone(tx, &t).await?;
    if hash.is_some() {
        tx.execute(
            &Stmt::new(
                "DELETE FROM config_seed_tombstones WHERE kind = $1 AND scope = $2 AND ident = $3",
            )
            .bind(t.kind)
            .bind(t.scope)
            .bind(t.ident),
        )
        .await?;
    }
    Ok(hash)
}

/// How a file entry compares with the row the store has for it.
enum Seen {
    /// No row, and no tombstone with the entry's hash.
    New,
    /// No row, and a tombstone with the entry's hash: deleted through the API.
    Deleted,
    /// A row whose recorded file hash is the entry's hash. `rehash` when the hash is in the
    /// other scheme (encryption was turned on since).
    Unchanged { rehash: bool },
    /// A row whose recorded file hash differs (or that was created through the API).
    Changed,
}

fn compare<T: serde::Serialize + ?Sized>(
    row_hash: Option<Option<String>>,
    tomb: Option<String>,
    value: &T,
    cipher: Option<&Cipher>,
) -> StoreResult<Seen> {
    Ok(match row_hash {
        None => match tomb {
            Some(h) if hash_matches(&h, value, cipher)? => Seen::Deleted,
            _ => Seen::New,
        },
        Some(Some(h)) if hash_matches(&h, value, cipher)? => Seen::Unchanged {
            rehash: cipher.is_some() != h.starts_with("hmac:"),
        },
        Some(_) => Seen::Changed,
    })
}

/// `(id, name)` of the `index`-th key of `provider` in `config.json`, derived as the engine
/// derives them: name = name, else id, else `<provider>-key-<index>`; id = id, else name.
pub(crate) fn file_key_identity(provider: &str, index: usize, key: &KeyConfig) -> (String, String) {
    let name = key
        .name
        .clone()
        .filter(|n| !n.is_empty())
        .or_else(|| key.id.clone().filter(|i| !i.is_empty()))
        .unwrap_or_else(|| format!("{provider}-key-{index}"));
    let id = key
        .id
        .clone()
        .filter(|i| !i.is_empty())
        .unwrap_or_else(|| name.clone());
    (id, name)
}

impl SqlConfigStore {
    pub(super) async fn seed(&self, file: &ConfigFile) -> StoreResult<SeedReport> {
        let mut report = SeedReport::default();
        let mut tx = self.db.begin().await?;
        if tx.backend() == Backend::Postgres {
            tx.execute(&Stmt::new("SELECT pg_advisory_xact_lock($1)").bind(SEED_LOCK))
                .await?;
        }
        self.seed_client(&mut tx, file, &mut report).await?;
        for (name, provider) in &file.providers {
            self.seed_provider(&mut tx, name, provider, &mut report)
                .await?;
        }
        for plugin in file.plugins.iter().flatten() {
            self.seed_plugin(&mut tx, plugin, &mut report).await?;
        }
        tx.commit().await?;
        Ok(report)
    }

    async fn seed_client(
        &self,
        tx: &mut Tx,
        file: &ConfigFile,
        report: &mut SeedReport,
    ) -> StoreResult<()> {
        let cipher = self.cipher();
        let client = &file.client;
        let row = tx
            .fetch_optional(&Stmt::new(
                "SELECT config_hash FROM config_client WHERE id = 1",
            ))
            .await?;
        let row_hash = row
            .map(|r| r.get::<Option<String>>("config_hash"))
            .transpose()?;
        let hash = content_hash(client, cipher)?;
        let label = "client".to_owned();
        match compare(row_hash, None, client, cipher)? {
            Seen::Unchanged { rehash } => {
                if rehash {
                    tx.execute(
                        &Stmt::new("UPDATE config_client SET config_hash = $1 WHERE id = 1")
                            .bind(hash),
                    )
                    .await?;
                }
                report.unchanged.push(label);
            }
            seen => {
                tx.execute(
                    &Stmt::new(
                        "INSERT INTO config_client (id, config_json, config_hash, updated_at) VALUES (1, $1, $2, $3) \
                         ON CONFLICT (id) DO UPDATE SET config_json = excluded.config_json, config_hash = excluded.config_hash, updated_at = excluded.updated_at",
                    )
                    .bind(serde_json::to_string(client)?)
                    .bind(hash)
                    .bind(now_ms()),
                )
                .await?;
                if matches!(seen, Seen::Changed) {
                    report.updated.push(label);
                } else {
                    report.inserted.push(label);
                }
            }
        }
        Ok(())
    }

    async fn seed_provider(
        &self,
        tx: &mut Tx,
        name: &str,
        provider: &ProviderConfig,
        report: &mut SeedReport,
    ) -> StoreResult<()> {
        let cipher = self.cipher();
        check_name("provider", name)?;
        let mut own = provider.clone();
        own.keys.clear();
        visit_provider_secrets(&mut own, |path, s| {
            check_new_secret(s, &format!("providers.{name}.{path}"))
        })?;
        let file_value = provider_without_keys(provider)?;
        let hash = content_hash(&file_value, cipher)?;
        let label = format!("provider {name}");
        let row = tx
            .fetch_optional(
                &Stmt::new("SELECT config_hash FROM config_providers WHERE name = $1").bind(name),
            )
            .await?;
        let row_hash = row
            .map(|r| r.get::<Option<String>>("config_hash"))
            .transpose()?;
        let tomb = read_tombstone(tx, &Tombstone::provider(name)).await?;
        match compare(row_hash, tomb, &file_value, cipher)? {
            Seen::Deleted => {
                report.skipped_deleted.push(label);
                // The provider stays deleted, and with it its keys.
                return Ok(());
            }
            Seen::New => {
                take_tombstone(tx, Tombstone::provider(name)).await?;
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
                .await?;
                report.inserted.push(label);
            }
            Seen::Unchanged { rehash } => {
                if rehash {
                    tx.execute(
                        &Stmt::new("UPDATE config_providers SET config_hash = $1 WHERE name = $2")
                            .bind(hash)
                            .bind(name),
                    )
                    .await?;
                }
                report.unchanged.push(label);
            }
            Seen::Changed => {
                tx.execute(
                    &Stmt::new(
                        "UPDATE config_providers SET config_json = $1, config_hash = $2, updated_at = $3 WHERE name = $4",
                    )
                    .bind(encode_provider(&own, cipher)?)
                    .bind(hash)
                    .bind(now_ms())
                    .bind(name),
                )
                .await?;
                report.updated.push(label);
            }
        }
        for (i, key) in provider.keys.iter().enumerate() {
            self.seed_key(tx, name, i, key, report).await?;
        }
        Ok(())
    }

    async fn seed_key(
        &self,
        tx: &mut Tx,
        provider: &str,
        index: usize,
        key: &KeyConfig,
        report: &mut SeedReport,
    ) -> StoreResult<()> {
        let cipher = self.cipher();
        let (id, name) = file_key_identity(provider, index, key);
        let mut full = key.clone();
        full.id = Some(id.clone());
        full.name = Some(name.clone());
        visit_key_secrets(&mut full, |path, s| {
            check_new_secret(s, &format!("providers.{provider}.keys[{index}].{path}"))
        })?;
        let hash = content_hash(key, cipher)?;
        let label = format!("key {provider}/{name}");
        // Match by id first, else by name (a key created through the API under the same name).
        let row = tx
            .fetch_optional(
                &Stmt::new(
                    "SELECT id, config_hash FROM config_keys WHERE provider = $1 AND (id = $2 OR name = $3) \
                     ORDER BY CASE WHEN id = $2 THEN 0 ELSE 1 END LIMIT 1",
                )
                .bind(provider)
                .bind(id.as_str())
                .bind(name.as_str()),
            )
            .await?;
        let row_id = row.as_ref().map(|r| r.get::<String>("id")).transpose()?;
        let row_hash = row
            .map(|r| r.get::<Option<String>>("config_hash"))
            .transpose()?;
        let tomb = read_tombstone(tx, &Tombstone::key(provider, &id)).await?;
        let position = i64::try_from(index).unwrap_or(i64::MAX);
        match compare(row_hash, tomb, key, cipher)? {
            Seen::Deleted => report.skipped_deleted.push(label),
            Seen::New => {
                take_tombstone(tx, Tombstone::key(provider, &id)).await?;
                insert_key(tx, cipher, provider, &full, position, Some(hash)).await?;
                report.inserted.push(label);
            }
            Seen::Unchanged { rehash } => {
                if rehash {
                    tx.execute(
                        &Stmt::new(
                            "UPDATE config_keys SET config_hash = $1 WHERE provider = $2 AND id = $3",
                        )
                        .bind(hash)
                        .bind(provider)
                        .bind(row_id.unwrap_or_default()),
                    )
                    .await?;
                }
                report.unchanged.push(label);
            }
            Seen::Changed => {
                let row_id = row_id.unwrap_or(id);
                let (value, json) = encode_key(&full, cipher)?;
                tx.execute(
                    &Stmt::new(
                        "UPDATE config_keys SET name = $1, value = $2, config_json = $3, config_hash = $4, updated_at = $5 \
                         WHERE provider = $6 AND id = $7",
                    )
                    .bind(name.as_str())
                    .bind(value)
                    .bind(json)
                    .bind(hash)
                    .bind(now_ms())
                    .bind(provider)
                    .bind(row_id.as_str()),
                )
                .await
                .map_err(|e| key_conflict(e, provider, &row_id, &name))?;
                report.updated.push(label);
            }
        }
        Ok(())
    }

    async fn seed_plugin(
        &self,
        tx: &mut Tx,
        plugin: &PluginConfig,
        report: &mut SeedReport,
    ) -> StoreResult<()> {
        let cipher = self.cipher();
        let name = plugin.name.as_str();
        check_name("plugin", name)?;
        let hash = content_hash(plugin, cipher)?;
        let label = format!("plugin {name}");
        let row = tx
            .fetch_optional(
                &Stmt::new("SELECT config_hash FROM config_plugins WHERE name = $1").bind(name),
            )
            .await?;
        let row_hash = row
            .map(|r| r.get::<Option<String>>("config_hash"))
            .transpose()?;
        let tomb = read_tombstone(tx, &Tombstone::plugin(name)).await?;
        match compare(row_hash, tomb, plugin, cipher)? {
            Seen::Deleted => report.skipped_deleted.push(label),
            Seen::New => {
                take_tombstone(tx, Tombstone::plugin(name)).await?;
                let now = now_ms();
                tx.execute(
                    &Stmt::new(
                        "INSERT INTO config_plugins (name, enabled, config_json, config_hash, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)",
                    )
                    .bind(name)
                    .bind(plugin.enabled)
                    .bind(encode_plugin(plugin, cipher)?)
                    .bind(hash)
                    .bind(now),
                )
                .await?;
                report.inserted.push(label);
            }
            Seen::Unchanged { rehash } => {
                if rehash {
                    tx.execute(
                        &Stmt::new("UPDATE config_plugins SET config_hash = $1 WHERE name = $2")
                            .bind(hash)
                            .bind(name),
                    )
                    .await?;
                }
                report.unchanged.push(label);
            }
            Seen::Changed => {
                tx.execute(
                    &Stmt::new(
                        "UPDATE config_plugins SET enabled = $1, config_json = $2, config_hash = $3, updated_at = $4 WHERE name = $5",
                    )
                    .bind(plugin.enabled)
                    .bind(encode_plugin(plugin, cipher)?)
                    .bind(hash)
                    .bind(now_ms())
                    .bind(name),
                )
                .await?;
                report.updated.push(label);
            }
        }
        Ok(())
    }
}
