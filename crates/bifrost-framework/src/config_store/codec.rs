//! Rows to configuration types and back, sealing and opening secrets on the way.

use bifrost_core::config::file::PluginConfig;
use bifrost_core::config::{KeyConfig, ProviderConfig};
use serde_json::Value;

use crate::crypto::{Cipher, is_encrypted};
use crate::db::DbRow;
use crate::error::{StoreError, StoreResult};
use crate::secrets::{is_env_ref, open, seal, visit_key_secrets, visit_provider_secrets};

/// Unix milliseconds now.
pub(crate) fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// A provider's entry without `keys`, as JSON (the form that is stored and hashed).
pub(crate) fn provider_without_keys(p: &ProviderConfig) -> StoreResult<Value> {
    let mut v = serde_json::to_value(p)?;
    if let Value::Object(map) = &mut v {
        map.remove("keys");
    }
    Ok(v)
}

/// The `config_json` of a provider row.
pub(crate) fn encode_provider(p: &ProviderConfig, cipher: Option<&Cipher>) -> StoreResult<String> {
    let mut sealed = p.clone();
    sealed.keys.clear();
    visit_provider_secrets(&mut sealed, |_, s| {
        *s = seal(cipher, s)?;
        Ok(())
    })?;
    Ok(serde_json::to_string(&provider_without_keys(&sealed)?)?)
}

/// A provider row's `config_json` with secrets still as stored.
pub(crate) fn decode_provider_raw(json: &str) -> StoreResult<ProviderConfig> {
    Ok(serde_json::from_str(json)?)
}

/// A provider row's `config_json` with secrets opened.
pub(crate) fn decode_provider(json: &str, cipher: Option<&Cipher>) -> StoreResult<ProviderConfig> {
    let mut p = decode_provider_raw(json)?;
    visit_provider_secrets(&mut p, |_, s| {
        *s = open(cipher, s)?;
        Ok(())
    })?;
    Ok(p)
}

/// `(value, config_json)` of a key row: the sealed secret and the rest of the entry.
pub(crate) fn encode_key(k: &KeyConfig, cipher: Option<&Cipher>) -> StoreResult<(String, String)> {
    let mut sealed = k.clone();
    visit_key_secrets(&mut sealed, |_, s| {
        *s = seal(cipher, s)?;
        Ok(())
    })?;
    let value = std::mem::take(&mut sealed.value);
    let mut json = serde_json::to_value(&sealed)?;
    if let Value::Object(map) = &mut json {
        map.remove("id");
        map.remove("name");
        map.remove("value");
    }
    Ok((value, serde_json::to_string(&json)?))
}

/// A key row with its secrets still as stored.
pub(crate) fn decode_key_raw(row: &DbRow) -> StoreResult<KeyConfig> {
    let mut k: KeyConfig = serde_json::from_str(&row.get::<String>("config_json")?)?;
    k.id = Some(row.get("id")?);
    k.name = Some(row.get("name")?);
    k.value = row.get("value")?;
    Ok(k)
}

/// A key row with its secrets opened.
pub(crate) fn decode_key(row: &DbRow, cipher: Option<&Cipher>) -> StoreResult<KeyConfig> {
    let mut k = decode_key_raw(row)?;
    visit_key_secrets(&mut k, |_, s| {
        *s = open(cipher, s)?;
        Ok(())
    })?;
    Ok(k)
}

/// The `config_json` of a plugin row: the entry with `config` sealed as a whole.
pub(crate) fn encode_plugin(p: &PluginConfig, cipher: Option<&Cipher>) -> StoreResult<String> {
    let mut stored = p.clone();
    if let (Some(c), Some(config)) = (cipher, stored.config.take()) {
        stored.config = Some(Value::String(c.encrypt(&serde_json::to_string(&config)?)?));
    } else {
        stored.config = p.config.clone();
    }
    Ok(serde_json::to_string(&stored)?)
}

/// A plugin row's `config_json`, its `config` still as stored.
pub(crate) fn decode_plugin_raw(json: &str) -> StoreResult<PluginConfig> {
    Ok(serde_json::from_str(json)?)
}

/// A plugin row's `config_json` with `config` opened.
pub(crate) fn decode_plugin(json: &str, cipher: Option<&Cipher>) -> StoreResult<PluginConfig> {
    let mut p = decode_plugin_raw(json)?;
    if let Some(Value::String(s)) = &p.config
        && is_encrypted(s)
    {
        let plain = open(cipher, s)?;
        p.config = Some(serde_json::from_str(&plain)?);
    }
    Ok(p)
}

/// True when a stored secret is plaintext that encryption should seal.
pub(crate) fn is_unsealed(stored: &str) -> bool {
    !stored.is_empty() && !is_env_ref(stored) && !is_encrypted(stored)
}

/// Rejects empty or padded names.
pub(crate) fn check_name(what: &str, name: &str) -> StoreResult<()> {
    if name.trim().is_empty() {
        return Err(StoreError::Invalid(format!(
            "{what} name must not be empty"
        )));
    }
    if name.trim() != name {
        return Err(StoreError::Invalid(format!(
            "{what} name \"{name}\" must not start or end with whitespace"
        )));
    }
    Ok(())
}
