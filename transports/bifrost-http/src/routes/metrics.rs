//! `GET /metrics`: the Prometheus text exposition (404 when metrics are disabled).

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::response::Response;
use bifrost_core::{BifrostError, ErrorKind};
use http::{HeaderValue, header};

use crate::state::AppState;

/// `GET /metrics`
pub async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    match state.telemetry.as_ref().filter(|t| t.metrics_enabled()) {
        Some(t) => {
            let mut resp = Response::new(Body::from(t.render()));
            resp.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(bifrost_plugin_telemetry::CONTENT_TYPE),
            );
            resp
        }
        None => {
            let err = BifrostError::new(
                ErrorKind::InvalidRequest,
                "metrics are disabled (telemetry plugin disabled or metrics_enabled is false)",
            )
            .with_status(404)
            .with_code("metrics_disabled");
            crate::error::error_response(&err)
        }
    }
}
