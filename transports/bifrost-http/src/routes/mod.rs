//! The router: every route, CORS, and JSON answers for unknown routes.

pub mod health;
pub mod inference;
pub mod integrations;
pub mod logs;
pub mod metrics;
pub mod passthrough;

use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::response::Response;
use axum::routing::{get, post};
use bifrost_core::{BifrostError, ErrorKind};
use http::{HeaderName, HeaderValue, Method};
use tower_http::cors::{AllowHeaders, AllowOrigin, CorsLayer};

use crate::state::AppState;

async fn not_found(req: Request) -> Response {
    let err = BifrostError::new(
        ErrorKind::InvalidRequest,
        format!("unknown route: {} {}", req.method(), req.uri().path()),
    )
    .with_status(404)
    .with_code("route_not_found");
    crate::error::error_response(&err)
}

async fn method_not_allowed(req: Request) -> Response {
    let err = BifrostError::new(
        ErrorKind::InvalidRequest,
        format!(
            "method {} is not allowed on {}",
            req.method(),
            req.uri().path()
        ),
    )
    .with_status(405)
    .with_code("method_not_allowed");
    crate::error::error_response(&err)
}

/// The CORS layer for `client.allowed_origins` and `client.allowed_headers`.
pub(crate) fn cors(state: &AppState) -> CorsLayer {
    let origins = state
        .client
        .allowed_origins
        .clone()
        .unwrap_or_else(|| vec!["*".to_owned()]);
    let allow_origin = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(
            origins
                .iter()
                .filter_map(|o| HeaderValue::from_str(o.trim_end_matches('/')).ok()),
        )
    };
    let allow_headers = match &state.client.allowed_headers {
        Some(extra) if !extra.is_empty() => {
            let mut names: Vec<HeaderName> =
                ["content-type", "authorization", "x-api-key", "x-request-id"]
                    .into_iter()
                    .map(HeaderName::from_static)
                    .collect();
            names.extend(
                extra
                    .iter()
                    .filter_map(|h| HeaderName::from_bytes(h.as_bytes()).ok()),
            );
            AllowHeaders::list(names)
        }
        _ => AllowHeaders::any(),
    };
    CorsLayer::new()
        .allow_origin(allow_origin)
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::DELETE,
            Method::OPTIONS,
        ])
        .allow_headers(allow_headers)
        .expose_headers([HeaderName::from_static("x-request-id")])
}

/// Builds the gateway's router over `state`.
pub fn router(state: Arc<AppState>) -> Router {
    let cors = cors(&state);
    let http_metrics = state.telemetry.as_ref().map(|t| t.http_layer());
    let mut router = Router::new()
        .route("/v1/chat/completions", post(inference::chat_completions))
        .route("/v1/completions", post(inference::completions))
        .route("/v1/embeddings", post(inference::embeddings))
        .route("/v1/responses", post(inference::responses))
        .route("/v1/models", get(inference::list_models))
        .route("/health", get(health::health))
        .route("/metrics", get(metrics::metrics))
        .merge(integrations::integrations())
        .merge(passthrough::router())
        .merge(crate::admin::router())
        .merge(logs::router());
    for prefix in integrations::FRAMEWORK_PREFIXES {
        router = router.nest(prefix, integrations::framework());
    }
    router = router
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed);
    router = router.layer(axum::middleware::from_fn_with_state(
        state.clone(),
        crate::auth::require_auth,
    ));
    if let Some(layer) = http_metrics {
        router = router.layer(layer);
    }
    router.layer(cors).with_state(state)
}
