//! `/api/config` (client settings and the admin account) and `/api/version`.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use bifrost_core::BifrostError;
use bifrost_core::config::ClientConfig;
use bifrost_framework::secrets::is_masked;
use http::HeaderMap;
use serde::Deserialize;
use serde_json::{Value, json};

use super::control::store_error;
use super::json::{ApiResult, object, ok, typed};
use crate::auth::Admin;
use crate::auth::password::hash_password_async;
use crate::auth::routes::MIN_PASSWORD_LEN;
use crate::error::ApiError;
use crate::state::AppState;

/// `client.whitelisted_routes` of a client section.
pub fn whitelisted_routes(client: &ClientConfig) -> Vec<String> {
    client
        .extra
        .get("whitelisted_routes")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn auth_view(state: &AppState) -> Value {
    match state.auth.admin() {
        Some(a) => json!({
            "admin_username": a.username,
            "admin_password": "<redacted>",
            "is_enabled": a.is_enabled,
            "disable_auth_on_inference": a.disable_auth_on_inference,
        }),
        None => json!({"is_enabled": false, "disable_auth_on_inference": false}),
    }
}

/// `GET /api/config` -> `{"client_config", "is_db_connected", "is_cache_connected",
/// "auth_config", "config_store"}` (the admin password is never returned).
pub async fn get_config(State(state): State<Arc<AppState>>) -> ApiResult {
    let store = state.control.store();
    let connected = match store {
        Some(s) => s.ping().await.is_ok(),
        None => false,
    };
    ok(json!({
        "client_config": *state.control.client(),
        "is_db_connected": connected,
        "is_cache_connected": false,
        "auth_config": auth_view(&state),
        "config_store": {
            "enabled": store.is_some(),
            "type": store.map(|s| s.backend().as_str()),
        },
    }))
}

#[derive(Deserialize)]
struct AuthUpdate {
    #[serde(default)]
    admin_username: Option<String>,
    #[serde(default)]
    admin_password: Option<String>,
    #[serde(default)]
    is_enabled: Option<bool>,
    #[serde(default)]
    disable_auth_on_inference: Option<bool>,
}

/// `PUT /api/config` with `{"client_config": {...}}` and/or `{"auth_config": {...}}`.
///
/// `client_config` replaces the client section: `drop_excess_requests` and
/// `whitelisted_routes` apply at once, the rest (CORS, body limit, required headers) at the
/// next start. `auth_config` changes the admin account: an empty, absent or masked
/// `admin_password` keeps the current password; a change ends every session.
pub async fn put_config(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult {
    let mut fields = object(&state, &headers, body).await?;
    let client: Option<ClientConfig> = match fields.remove("client_config") {
        None | Some(Value::Null) => None,
        Some(v) => Some(typed(v, "client_config")?),
    };
    let auth: Option<AuthUpdate> = match fields.remove("auth_config") {
        None | Some(Value::Null) => None,
        Some(v) => Some(typed(v, "auth_config")?),
    };
    if client.is_none() && auth.is_none() {
        return Err(ApiError(BifrostError::invalid_request(
            "send client_config and/or auth_config",
        )));
    }
    let store = state.control.require_store()?.clone();
    let _guard = state.control.begin().await;
    if let Some(update) = auth {
        let current = state.auth.admin();
        let username = update
            .admin_username
            .map(|u| u.trim().to_owned())
            .filter(|u| !u.is_empty())
            .or_else(|| current.as_ref().map(|a| a.username.clone()))
            .ok_or_else(|| {
                ApiError(
                    BifrostError::invalid_request("auth_config.admin_username is required")
                        .with_param("auth_config.admin_username"),
                )
            })?;
        let password_hash =
            match update
                .admin_password
                .filter(|p| !p.is_empty() && !is_masked(p) && p != "<redacted>")
            {
                Some(p) if p.chars().count() < MIN_PASSWORD_LEN => {
                    return Err(ApiError(BifrostError::invalid_request(format!(
                    "auth_config.admin_password must be at least {MIN_PASSWORD_LEN} characters"
                ))
                .with_param("auth_config.admin_password")));
                }
                Some(p) => hash_password_async(p)
                    .await
                    .map_err(|e| ApiError(BifrostError::internal(e.to_string())))?,
                None => current
                    .as_ref()
                    .map(|a| a.password_hash.clone())
                    .ok_or_else(|| {
                        ApiError(
                            BifrostError::invalid_request("auth_config.admin_password is required")
                                .with_param("auth_config.admin_password"),
                        )
                    })?,
            };
        let admin = Admin {
            username,
            password_hash,
            is_enabled: update
                .is_enabled
                .unwrap_or_else(|| current.as_ref().is_some_and(|a| a.is_enabled)),
            disable_auth_on_inference: update.disable_auth_on_inference.unwrap_or_else(|| {
                current
                    .as_ref()
                    .is_some_and(|a| a.disable_auth_on_inference)
            }),
        };
        state
            .auth
            .set_admin(admin)
            .await
            .map_err(|e| ApiError(BifrostError::internal(e.to_string())))?;
        tracing::info!("admin account changed through the API; sessions ended");
    }
    if let Some(client) = client {
        store
            .set_client_config(&client)
            .await
            .map_err(store_error)?;
        state.auth.set_whitelist(whitelisted_routes(&client));
        state.control.set_client(client);
        state.control.publish(&state.bifrost).await?;
        tracing::info!("client settings changed through the API");
    }
    ok(json!({
        "message": "configuration updated",
        "client_config": *state.control.client(),
        "auth_config": auth_view(&state),
    }))
}

/// `GET /api/version` -> `{"name": "bifrost-rs", "version": "x.y.z"}`.
pub async fn version() -> ApiResult {
    ok(json!({"name": "bifrost-rs", "version": env!("CARGO_PKG_VERSION")}))
}
