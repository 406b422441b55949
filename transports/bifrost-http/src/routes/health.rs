//! `GET /health`.

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::header;

use crate::state::AppState;

/// Liveness and readiness: `{"status":"ok","components":{...}}` (Bifrost's shape).
pub async fn health(State(state): State<Arc<AppState>>) -> Response {
    let snapshot = state.bifrost.snapshot();
    let body = serde_json::json!({
        "status": "ok",
        "components": { "db_pings": "disabled" },
        "providers": snapshot.providers.len(),
        "uptime_seconds": state.started_at.elapsed().as_secs(),
    });
    (
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}
