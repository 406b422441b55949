//! `GET /health`.

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::{StatusCode, header};

use crate::state::AppState;

/// Liveness and readiness: `{"status":"ok","components":{...}}` (Bifrost's shape). With a
/// config store the database is pinged (unless `client.disable_db_pings_in_health`); a failed
/// ping answers `503` with `"status": "error"`.
pub async fn health(State(state): State<Arc<AppState>>) -> Response {
    let snapshot = state.bifrost.snapshot();
    let pings_disabled = state
        .client
        .extra
        .get("disable_db_pings_in_health")
        .and_then(serde_json::Value::as_bool)
        .unwrap_or(false);
    let db = match &state.config_store {
        Some(store) if !pings_disabled => match store.ping().await {
            Ok(()) => "ok",
            Err(e) => {
                tracing::warn!(error = %e, "config store ping failed");
                "error"
            }
        },
        _ => "disabled",
    };
    let status = if db == "error" {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    };
    let body = serde_json::json!({
        "status": if db == "error" { "error" } else { "ok" },
        "components": { "db_pings": db },
        "providers": snapshot.providers.len(),
        "uptime_seconds": state.started_at.elapsed().as_secs(),
    });
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}
