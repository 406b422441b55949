//! Drop-in routes that speak each SDK's native API (`/openai`, `/anthropic`, ...) and the framework prefixes
//! (`/litellm`, `/langchain`, `/pydanticai`) that expose them again under one prefix.

pub mod anthropic;
pub mod bedrock;
pub mod cohere;
pub mod genai;
pub mod openai;

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::routing::{get, post};
use bifrost_core::{BifrostError, RequestContext};
use http::HeaderMap;

use crate::body::{check_content_type, read_body};
use crate::request_context;
use crate::routes::inference;
use crate::state::AppState;

/// True when `provider` is `family` itself or a custom provider based on it, i.e. when it
/// speaks that family's native API.
pub(crate) fn speaks_family(state: &AppState, provider: &str, family: &str) -> bool {
    provider == family
        || state
            .bifrost
            .snapshot()
            .provider(provider)
            .is_some_and(|p| {
                p.config
                    .custom_provider_config
                    .as_ref()
                    .is_some_and(|c| c.base_provider_type == family)
            })
}

/// Starts a streamed request (see [`bifrost_core::Bifrost::execute_stream`]) and logs which
/// provider and model serve it.
pub(crate) async fn start_stream(
    state: &AppState,
    ctx: bifrost_core::RequestContext,
    request: bifrost_core::schemas::Request,
    request_id: &str,
) -> Result<bifrost_core::ResponseStream, BifrostError> {
    let stream = state.bifrost.execute_stream(ctx, request).await?;
    tracing::debug!(
        request_id,
        provider = stream.provider(),
        model = stream.model(),
        "stream started"
    );
    Ok(stream)
}

/// `value` as a JSON answer: `stamp` adds the route's request-id headers, and `on_error` answers
/// (in the route's error shape) when `value` cannot be serialized.
pub(crate) fn json_answer<T: serde::Serialize>(
    value: &T,
    request_id: &str,
    stamp: fn(&mut HeaderMap, &str),
    on_error: fn(&BifrostError, &str) -> axum::response::Response,
) -> axum::response::Response {
    match serde_json::to_vec(value) {
        Ok(json) => {
            let mut resp = axum::response::Response::new(Body::from(json));
            resp.headers_mut().insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static("application/json"),
            );
            stamp(resp.headers_mut(), request_id);
            resp
        }
        Err(e) => on_error(
            &BifrostError::internal(format!("cannot serialize the response: {e}")),
            request_id,
        ),
    }
}

/// Reads a drop-in request's body (content type and size checked) and builds its context.
pub(crate) async fn accept(
    state: &AppState,
    headers: HeaderMap,
    body: Body,
    request_id: &str,
) -> Result<(RequestContext, bytes::Bytes), BifrostError> {
    check_content_type(&headers)?;
    let bytes = read_body(&headers, body, state.body_limit).await?;
    let ctx = request_context::build(
        headers,
        request_id.to_owned(),
        state.client.header_filter_config.as_ref(),
        &state.required_headers,
    )?;
    Ok((ctx, bytes))
}

/// Every drop-in route group, without a framework prefix.
pub fn integrations() -> Router<Arc<AppState>> {
    Router::new()
        .nest("/openai", openai::router())
        .nest("/anthropic", anthropic::router())
        .nest("/genai", genai::router())
        .nest("/bedrock", bedrock::router())
        .nest("/cohere", cohere::router())
}

/// What a framework prefix exposes: the OpenAI-compatible `/v1` routes and every integration.
pub fn framework() -> Router<Arc<AppState>> {
    Router::new()
        .route("/v1/chat/completions", post(inference::chat_completions))
        .route("/v1/completions", post(inference::completions))
        .route("/v1/embeddings", post(inference::embeddings))
        .route("/v1/responses", post(inference::responses))
        .route("/v1/models", get(inference::list_models))
        .route("/chat/completions", post(inference::chat_completions))
        .route("/completions", post(inference::completions))
        .route("/embeddings", post(inference::embeddings))
        .route("/responses", post(inference::responses))
        .route("/models", get(inference::list_models))
        .merge(integrations())
}

/// Framework prefixes Bifrost serves.
pub const FRAMEWORK_PREFIXES: &[&str] = &["/litellm", "/langchain", "/pydanticai"];
