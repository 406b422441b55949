//! `/api/providers`: list, create, read, update and delete providers, keys included.
//!
//! Provider bodies are a provider's `config.json` entry plus its name (`provider` on create),
//! keys included. Every secret is answered masked; a masked secret sent back keeps the stored
//! one.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use bifrost_core::BifrostError;
use bifrost_core::config::{KeyConfig, ProviderConfig};
use bifrost_core::engine::Snapshot;
use bifrost_framework::secrets::{mask_provider, merge_secret};
use http::HeaderMap;
use indexmap::IndexMap;
use serde_json::{Map, Value, json};

use super::control::store_error;
use super::json::{ApiResult, object, ok, typed};
use crate::error::ApiError;
use crate::state::AppState;

/// A provider as the API shows it: `name`, the masked entry, and `provider_status`
/// (`active` when serving, `error` with a `status_message` otherwise).
pub fn provider_view(name: &str, config: &ProviderConfig, snapshot: &Snapshot) -> Value {
    let mut out = Map::new();
    out.insert("name".to_owned(), Value::from(name));
    if let Ok(Value::Object(fields)) = serde_json::to_value(mask_provider(config)) {
        out.extend(fields);
    }
    if snapshot.provider(name).is_some() {
        out.insert("provider_status".to_owned(), Value::from("active"));
    } else {
        out.insert("provider_status".to_owned(), Value::from("error"));
        let reason = snapshot
            .unavailable
            .get(name)
            .cloned()
            .unwrap_or_else(|| "not serving".to_owned());
        out.insert("status_message".to_owned(), Value::from(reason));
    }
    Value::Object(out)
}

/// Every provider, from the store (or the configuration in effect in file-only mode).
pub async fn all_providers(state: &AppState) -> Result<IndexMap<String, ProviderConfig>, ApiError> {
    match state.control.store() {
        Some(store) => Ok(store.list_providers().await.map_err(store_error)?),
        None => Ok(state.bifrost.config().providers),
    }
}

async fn one_provider(state: &AppState, name: &str) -> Result<ProviderConfig, ApiError> {
    let found = match state.control.store() {
        Some(store) => store.get_provider(name).await.map_err(store_error)?,
        None => state.bifrost.config().providers.get(name).cloned(),
    };
    found.ok_or_else(|| {
        ApiError(store_error(bifrost_framework::StoreError::not_found(
            format!("provider {name}"),
        )))
    })
}

/// `GET /api/providers` -> `{"providers": [...], "total": n}`.
pub async fn list(State(state): State<Arc<AppState>>) -> ApiResult {
    let providers = all_providers(&state).await?;
    let snapshot = state.bifrost.snapshot();
    let views: Vec<Value> = providers
        .iter()
        .map(|(name, p)| provider_view(name, p, &snapshot))
        .collect();
    ok(json!({"total": views.len(), "providers": views}))
}

/// `GET /api/providers/{provider}`.
pub async fn get_one(State(state): State<Arc<AppState>>, Path(name): Path<String>) -> ApiResult {
    let p = one_provider(&state, &name).await?;
    ok(provider_view(&name, &p, &state.bifrost.snapshot()))
}

/// `POST /api/providers` with `{"provider": "openai", "keys": [...], "network_config": ...}`.
pub async fn create(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult {
    let mut fields = object(&state, &headers, body).await?;
    let name = match fields.remove("provider").or_else(|| fields.remove("name")) {
        Some(Value::String(s)) if !s.trim().is_empty() => s,
        Some(_) => {
            return Err(ApiError(
                BifrostError::invalid_request("provider must be a non-empty string")
                    .with_param("provider"),
            ));
        }
        None => {
            return Err(ApiError(
                BifrostError::invalid_request("provider is required (the provider's name)")
                    .with_param("provider"),
            ));
        }
    };
    let store = state.control.require_store()?.clone();
    let config: ProviderConfig = typed(Value::Object(fields), "")?;
    let _guard = state.control.begin().await;
    if store
        .get_provider(&name)
        .await
        .map_err(store_error)?
        .is_some()
    {
        return Err(ApiError(store_error(
            bifrost_framework::StoreError::Conflict(format!(
                "provider {name} already exists; update it with PUT /api/providers/{name}"
            )),
        )));
    }
    state.control.validate_provider(&name, &config)?;
    let created = store
        .create_provider(&name, &config)
        .await
        .map_err(store_error)?;
    state.control.publish(&state.bifrost).await?;
    tracing::info!(provider = %name, keys = created.keys.len(), "provider added through the API");
    ok(provider_view(&name, &created, &state.bifrost.snapshot()))
}

/// `PUT /api/providers/{provider}`: the fields sent replace the stored ones (absent fields are
/// kept, `null` clears). With `keys`, the key list is replaced: keys matched by `id` (else
/// `name`) are updated, others created, stored keys not listed deleted.
pub async fn update(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult {
    let mut fields = object(&state, &headers, body).await?;
    fields.remove("provider");
    fields.remove("name");
    fields.remove("provider_status");
    fields.remove("status_message");
    let store = state.control.require_store()?.clone();
    let keys: Option<Vec<KeyConfig>> = match fields.remove("keys") {
        None | Some(Value::Null) => None,
        Some(v) => Some(typed(v, "keys")?),
    };
    let _guard = state.control.begin().await;
    let stored = store
        .get_provider(&name)
        .await
        .map_err(store_error)?
        .ok_or_else(|| {
            ApiError(store_error(bifrost_framework::StoreError::not_found(
                format!("provider {name}"),
            )))
        })?;
    let mut merged = match serde_json::to_value(&stored) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    merged.remove("keys");
    for (k, v) in fields {
        if v.is_null() {
            merged.remove(&k);
        } else {
            merged.insert(k, v);
        }
    }
    let mut config: ProviderConfig = typed(Value::Object(merged), "")?;
    // The candidate checked before anything is written: the key list as it will be stored.
    let mut candidate = config.clone();
    candidate.keys = match &keys {
        None => stored.keys.clone(),
        Some(incoming) => incoming
            .iter()
            .map(|k| {
                let mut k = k.clone();
                let prev = matching(&stored.keys, &k);
                k.value = merge_secret(&k.value, prev.map(|p| p.value.as_str()), "keys[].value")
                    .map_err(store_error)?;
                Ok(k)
            })
            .collect::<Result<_, BifrostError>>()?,
    };
    state.control.validate_provider(&name, &candidate)?;
    config.keys.clear();
    store
        .update_provider(&name, &config)
        .await
        .map_err(store_error)?;
    if let Some(incoming) = keys {
        replace_keys(&state, &name, &stored.keys, incoming).await?;
    }
    state.control.publish(&state.bifrost).await?;
    let now = store
        .get_provider(&name)
        .await
        .map_err(store_error)?
        .unwrap_or(stored);
    tracing::info!(provider = %name, "provider updated through the API");
    ok(provider_view(&name, &now, &state.bifrost.snapshot()))
}

/// The stored key `incoming` refers to: same `id`, else same `name`.
fn matching<'a>(stored: &'a [KeyConfig], incoming: &KeyConfig) -> Option<&'a KeyConfig> {
    let by_id = incoming
        .id
        .as_deref()
        .filter(|i| !i.is_empty())
        .and_then(|id| stored.iter().find(|s| s.id.as_deref() == Some(id)));
    by_id.or_else(|| {
        incoming
            .name
            .as_deref()
            .filter(|n| !n.is_empty())
            .and_then(|n| stored.iter().find(|s| s.name.as_deref() == Some(n)))
    })
}

async fn replace_keys(
    state: &AppState,
    provider: &str,
    stored: &[KeyConfig],
    incoming: Vec<KeyConfig>,
) -> Result<(), ApiError> {
    let store = state.control.require_store()?;
    let matched: Vec<Option<String>> = incoming
        .iter()
        .map(|k| matching(stored, k).and_then(|s| s.id.clone()))
        .collect();
    for s in stored {
        let Some(id) = s.id.as_deref() else { continue };
        if !matched.iter().any(|m| m.as_deref() == Some(id)) {
            store.delete_key(provider, id).await.map_err(store_error)?;
        }
    }
    for (k, id) in incoming.iter().zip(&matched) {
        match id {
            Some(id) => {
                let mut k = k.clone();
                k.id = Some(id.clone());
                store
                    .update_key(provider, id, &k)
                    .await
                    .map_err(store_error)?;
            }
            None => {
                store.create_key(provider, k).await.map_err(store_error)?;
            }
        }
    }
    Ok(())
}

/// `DELETE /api/providers/{provider}`.
pub async fn delete(State(state): State<Arc<AppState>>, Path(name): Path<String>) -> ApiResult {
    let store = state.control.require_store()?.clone();
    let _guard = state.control.begin().await;
    store.delete_provider(&name).await.map_err(store_error)?;
    state.control.publish(&state.bifrost).await?;
    tracing::info!(provider = %name, "provider deleted through the API");
    ok(json!({"message": format!("provider {name} deleted"), "name": name}))
}
