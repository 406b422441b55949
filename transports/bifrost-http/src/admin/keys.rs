//! Keys: `/api/keys` (every key, masked) and `/api/providers/{provider}/keys[/{key_id}]`.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use bifrost_core::config::KeyConfig;
use bifrost_framework::StoreError;
use bifrost_framework::secrets::{mask_key, merge_secret};
use http::HeaderMap;
use serde_json::{Map, Value, json};

use super::control::store_error;
use super::json::{ApiResult, object, ok, typed};
use super::providers::all_providers;
use crate::error::ApiError;
use crate::state::AppState;

/// A key as the API shows it: masked, with its provider first.
pub fn key_view(provider: &str, key: &KeyConfig) -> Value {
    let mut out = Map::new();
    out.insert("provider".to_owned(), Value::from(provider));
    if let Ok(Value::Object(fields)) = serde_json::to_value(mask_key(key)) {
        out.extend(fields);
    }
    Value::Object(out)
}

/// `GET /api/keys`: every key of every provider, masked, as an array.
pub async fn all(State(state): State<Arc<AppState>>) -> ApiResult {
    let providers = all_providers(&state).await?;
    let keys: Vec<Value> = providers
        .iter()
        .flat_map(|(name, p)| p.keys.iter().map(move |k| key_view(name, k)))
        .collect();
    ok(Value::Array(keys))
}

async fn keys_of(state: &AppState, provider: &str) -> Result<Vec<KeyConfig>, ApiError> {
    match state.control.store() {
        Some(store) => Ok(store.list_keys(provider).await.map_err(store_error)?),
        None => state
            .bifrost
            .config()
            .providers
            .get(provider)
            .map(|p| p.keys.clone())
            .ok_or_else(|| {
                ApiError(store_error(StoreError::not_found(format!(
                    "provider {provider}"
                ))))
            }),
    }
}

/// `GET /api/providers/{provider}/keys` -> `{"keys": [...], "total": n}`.
pub async fn list(State(state): State<Arc<AppState>>, Path(provider): Path<String>) -> ApiResult {
    let keys: Vec<Value> = keys_of(&state, &provider)
        .await?
        .iter()
        .map(|k| key_view(&provider, k))
        .collect();
    ok(json!({"total": keys.len(), "keys": keys}))
}

/// `GET /api/providers/{provider}/keys/{key_id}`.
pub async fn get_one(
    State(state): State<Arc<AppState>>,
    Path((provider, key_id)): Path<(String, String)>,
) -> ApiResult {
    let keys = keys_of(&state, &provider).await?;
    let key = keys
        .iter()
        .find(|k| k.id.as_deref() == Some(key_id.as_str()))
        .ok_or_else(|| {
            ApiError(store_error(StoreError::not_found(format!(
                "key {provider}/{key_id}"
            ))))
        })?;
    ok(key_view(&provider, key))
}

/// Checks the provider with `keys` as its key list, before anything is written.
async fn validate_with(
    state: &AppState,
    provider: &str,
    keys: Vec<KeyConfig>,
) -> Result<(), ApiError> {
    let store = state.control.require_store()?;
    let mut candidate = store
        .get_provider(provider)
        .await
        .map_err(store_error)?
        .ok_or_else(|| {
            ApiError(store_error(StoreError::not_found(format!(
                "provider {provider}"
            ))))
        })?;
    candidate.keys = keys;
    state.control.validate_provider(provider, &candidate)?;
    Ok(())
}

/// `POST /api/providers/{provider}/keys` with a key entry (`value`, `models`, `weight`, ...).
pub async fn create(
    State(state): State<Arc<AppState>>,
    Path(provider): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult {
    let fields = object(&state, &headers, body).await?;
    let key: KeyConfig = typed(Value::Object(fields), "")?;
    let store = state.control.require_store()?.clone();
    let _guard = state.control.begin().await;
    let mut keys = store.list_keys(&provider).await.map_err(store_error)?;
    keys.push(key.clone());
    validate_with(&state, &provider, keys).await?;
    let created = store
        .create_key(&provider, &key)
        .await
        .map_err(store_error)?;
    state.control.publish(&state.bifrost).await?;
    tracing::info!(provider = %provider, key = ?created.name, "key added through the API");
    ok(key_view(&provider, &created))
}

/// `PUT /api/providers/{provider}/keys/{key_id}`: replaces the key; a masked, empty or absent
/// secret keeps the stored one.
pub async fn update(
    State(state): State<Arc<AppState>>,
    Path((provider, key_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult {
    let mut fields = object(&state, &headers, body).await?;
    fields.remove("provider");
    let mut key: KeyConfig = typed(Value::Object(fields), "")?;
    key.id = Some(key_id.clone());
    let store = state.control.require_store()?.clone();
    let _guard = state.control.begin().await;
    let mut keys = store.list_keys(&provider).await.map_err(store_error)?;
    let Some(slot) = keys
        .iter_mut()
        .find(|k| k.id.as_deref() == Some(key_id.as_str()))
    else {
        return Err(ApiError(store_error(StoreError::not_found(format!(
            "key {provider}/{key_id}"
        )))));
    };
    let mut candidate = key.clone();
    candidate.value =
        merge_secret(&key.value, Some(slot.value.as_str()), "value").map_err(store_error)?;
    *slot = candidate;
    validate_with(&state, &provider, keys).await?;
    let updated = store
        .update_key(&provider, &key_id, &key)
        .await
        .map_err(store_error)?;
    state.control.publish(&state.bifrost).await?;
    tracing::info!(provider = %provider, key = ?updated.name, "key updated through the API");
    ok(key_view(&provider, &updated))
}

/// `DELETE /api/providers/{provider}/keys/{key_id}`.
pub async fn delete(
    State(state): State<Arc<AppState>>,
    Path((provider, key_id)): Path<(String, String)>,
) -> ApiResult {
    let store = state.control.require_store()?.clone();
    let _guard = state.control.begin().await;
    store
        .delete_key(&provider, &key_id)
        .await
        .map_err(store_error)?;
    state.control.publish(&state.bifrost).await?;
    tracing::info!(provider = %provider, key_id = %key_id, "key deleted through the API");
    ok(json!({"message": format!("key {provider}/{key_id} deleted"), "id": key_id}))
}
