//! Setting up encryption when the store opens, and sealing secrets left in plaintext.

use std::sync::Arc;

use super::codec::{
    decode_key, decode_key_raw, decode_plugin, decode_plugin_raw, decode_provider,
    decode_provider_raw, encode_key, encode_plugin, encode_provider, is_unsealed,
};
use super::store::SqlConfigStore;
use crate::crypto::{Cipher, decode_salt, is_encrypted, new_salt};
use crate::db::{Db, Stmt};
use crate::error::{StoreError, StoreResult};
use crate::secrets::{visit_key_secrets, visit_provider_secrets};

const SALT: &str = "encryption_salt";
const CHECK: &str = "encryption_check";
/// Encrypted under the database's key when encryption is first enabled; decrypting it tells
/// whether a configured key is the right one.
const CHECK_PLAINTEXT: &str = "bifrost-encryption-check-v1";

async fn meta_get(db: &Db, name: &str) -> StoreResult<Option<String>> {
    let row = db
        .fetch_optional(&Stmt::new("SELECT value FROM config_meta WHERE name = $1").bind(name))
        .await?;
    row.map(|r| r.get::<String>("value")).transpose()
}

/// Inserts `name = value` unless the name exists (another node may race us); returns the
/// value that is stored afterwards.
async fn meta_init(db: &Db, name: &str, value: &str) -> StoreResult<String> {
    db.execute(
        &Stmt::new(
            "INSERT INTO config_meta (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(value),
    )
    .await?;
    meta_get(db, name)
        .await?
        .ok_or_else(|| StoreError::not_found(format!("config_meta {name}")))
}

/// The cipher for `encryption_key`, after checking it against the database.
pub(super) async fn init(
    db: &Db,
    encryption_key: Option<&str>,
) -> StoreResult<Option<Arc<Cipher>>> {
    let check = meta_get(db, CHECK).await?;
    let Some(passphrase) = encryption_key.filter(|k| !k.is_empty()) else {
        return match check {
            Some(_) => Err(StoreError::EncryptionKeyRequired),
            None => Ok(None),
        };
    };
    let salt = match meta_get(db, SALT).await? {
        Some(s) => s,
        None => meta_init(db, SALT, &new_salt()?).await?,
    };
    let salt = decode_salt(&salt)?;
    let passphrase = passphrase.to_owned();
    // Argon2id is deliberately slow (tens of milliseconds): keep it off the async workers.
    let cipher = tokio::task::spawn_blocking(move || Cipher::derive(&passphrase, &salt))
        .await
        .map_err(|e| StoreError::Invalid(format!("key derivation did not finish: {e}")))??;
    let check = match check {
        Some(c) => c,
        None => meta_init(db, CHECK, &cipher.encrypt(CHECK_PLAINTEXT)?).await?,
    };
    match cipher.decrypt(&check) {
        Ok(plain) if plain == CHECK_PLAINTEXT => Ok(Some(Arc::new(cipher))),
        _ => Err(StoreError::WrongEncryptionKey),
    }
}

impl SqlConfigStore {
    /// Encrypts every secret that is still plaintext (rows written before encryption was
    /// enabled), in one transaction. Rows whose secrets are all sealed are not rewritten.
    pub(super) async fn seal_plaintext_secrets(&self) -> StoreResult<()> {
        let cipher = self.cipher();
        let mut sealed_rows = 0_usize;
        let mut tx = self.db.begin().await?;

        let rows = tx
            .fetch_all(&Stmt::new("SELECT name, config_json FROM config_providers"))
            .await?;
        for row in rows {
            let json: String = row.get("config_json")?;
            let mut raw = decode_provider_raw(&json)?;
            if any_unsealed(|f| visit_provider_secrets(&mut raw, f))? {
                let p = decode_provider(&json, cipher)?;
                tx.execute(
                    &Stmt::new("UPDATE config_providers SET config_json = $1 WHERE name = $2")
                        .bind(encode_provider(&p, cipher)?)
                        .bind(row.get::<String>("name")?),
                )
                .await?;
                sealed_rows += 1;
            }
        }

        let rows = tx
            .fetch_all(&Stmt::new(
                "SELECT provider, id, name, value, config_json FROM config_keys",
            ))
            .await?;
        for row in rows {
            let mut raw = decode_key_raw(&row)?;
            if any_unsealed(|f| visit_key_secrets(&mut raw, f))? {
                let k = decode_key(&row, cipher)?;
                let (value, json) = encode_key(&k, cipher)?;
                tx.execute(
                    &Stmt::new(
                        "UPDATE config_keys SET value = $1, config_json = $2 WHERE provider = $3 AND id = $4",
                    )
                    .bind(value)
                    .bind(json)
                    .bind(row.get::<String>("provider")?)
                    .bind(row.get::<String>("id")?),
                )
                .await?;
                sealed_rows += 1;
            }
        }

        let rows = tx
            .fetch_all(&Stmt::new("SELECT name, config_json FROM config_plugins"))
            .await?;
        for row in rows {
            let json: String = row.get("config_json")?;
            let raw = decode_plugin_raw(&json)?;
            let sealed = match &raw.config {
                None => true,
                Some(serde_json::Value::String(s)) => is_encrypted(s),
                Some(_) => false,
            };
            if !sealed {
                let p = decode_plugin(&json, cipher)?;
                tx.execute(
                    &Stmt::new("UPDATE config_plugins SET config_json = $1 WHERE name = $2")
                        .bind(encode_plugin(&p, cipher)?)
                        .bind(row.get::<String>("name")?),
                )
                .await?;
                sealed_rows += 1;
            }
        }
        tx.commit().await?;
        if sealed_rows > 0 {
            tracing::info!(
                rows = sealed_rows,
                "encrypted configuration secrets that were stored in plaintext"
            );
        }
        Ok(())
    }
}

/// Runs a secret visitor and reports whether any visited secret is plaintext.
fn any_unsealed(
    visit: impl FnOnce(&mut dyn FnMut(&str, &mut String) -> StoreResult<()>) -> StoreResult<()>,
) -> StoreResult<bool> {
    let mut found = false;
    visit(&mut |_, s: &mut String| {
        found |= is_unsealed(s);
        Ok(())
    })?;
    Ok(found)
}
