//! The OpenAI-compatible inference routes: `/v1/chat/completions`, `/v1/completions`,
//! `/v1/embeddings`, `/v1/responses`, `/v1/models`.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Query, Request, State};
use axum::response::Response;
use bifrost_core::schemas::{
    ChatRequest, EmbeddingRequest, RequestBody, ResponsesRequest, TextCompletionRequest,
};
use bifrost_core::{BifrostError, ErrorKind, RequestContext};
use http::{HeaderMap, HeaderValue, header};
use serde::Deserialize;
use tracing::Instrument;

use crate::body::{check_content_type, parse_json, read_body};
use crate::error::error_response;
use crate::request_context;
use crate::sse::sse_response;
use crate::state::AppState;

/// Which inference route was called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// `POST /v1/chat/completions`
    Chat,
    /// `POST /v1/completions`
    Text,
    /// `POST /v1/embeddings`
    Embeddings,
    /// `POST /v1/responses`
    Responses,
}

/// A JSON answer with `x-request-id`.
pub fn json_response(json: Vec<u8>, request_id: &str) -> Response {
    let mut resp = Response::new(Body::from(json));
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Ok(v) = HeaderValue::from_str(request_id) {
        h.insert("x-request-id", v);
    }
    resp
}

/// An error answer with `x-request-id`, logged once.
pub fn failed(err: &BifrostError, request_id: &str) -> Response {
    if err.status() >= 500 {
        tracing::warn!(request_id, status = err.status(), provider = %err.extra_fields().provider, error = %err, "request failed");
    } else if err.kind() == ErrorKind::InvalidRequest {
        // A malformed request's message can quote the caller's body: log where, not what.
        let param = err.detail().param.as_ref().and_then(|p| p.as_str());
        tracing::info!(
            request_id,
            status = err.status(),
            code = err.code(),
            param,
            "request rejected"
        );
    } else {
        tracing::info!(request_id, status = err.status(), error = %err, "request rejected");
    }
    let mut resp = error_response(err);
    if let Ok(v) = HeaderValue::from_str(request_id) {
        resp.headers_mut().insert("x-request-id", v);
    }
    resp
}

/// Parses the body of `route` into a typed request, with Bifrost's validation messages.
pub fn parse_body(route: Route, bytes: &[u8]) -> Result<RequestBody, BifrostError> {
    Ok(match route {
        Route::Chat => {
            let req: ChatRequest = parse_json(bytes)?;
            if req.messages.is_empty() {
                return Err(BifrostError::invalid_request(
                    "messages is required for chat completion",
                )
                .with_param("messages"));
            }
            RequestBody::Chat(Box::new(req))
        }
        Route::Text => {
            let req: TextCompletionRequest = parse_json(bytes)?;
            if req.prompt.is_null() {
                return Err(BifrostError::invalid_request(
                    "prompt is required for text completion",
                )
                .with_param("prompt"));
            }
            RequestBody::TextCompletion(Box::new(req))
        }
        Route::Embeddings => {
            let req: EmbeddingRequest = parse_json(bytes)?;
            let empty = match &req.input {
                serde_json::Value::Null => true,
                serde_json::Value::String(s) => s.is_empty(),
                serde_json::Value::Array(a) => a.is_empty(),
                _ => false,
            };
            if empty {
                return Err(
                    BifrostError::invalid_request("input is required for embeddings")
                        .with_param("input"),
                );
            }
            RequestBody::Embedding(Box::new(req))
        }
        Route::Responses => {
            let req: ResponsesRequest = parse_json(bytes)?;
            if req.input.as_ref().is_none_or(|i| i.is_empty()) {
                return Err(
                    BifrostError::invalid_request("input is required for responses")
                        .with_param("input"),
                );
            }
            RequestBody::Responses(Box::new(req))
        }
    })
}

/// How a route turns a body into a request: the provider a bare model goes to, and a model to
/// use when the body names none (Azure deployment paths).
#[derive(Debug, Clone, Copy, Default)]
pub struct Dialect<'a> {
    /// Provider for bare model names (`None`: resolve from the keys' model lists).
    pub default_provider: Option<&'a str>,
    /// Model to use when the body has no `model`.
    pub model_from_path: Option<&'a str>,
}

/// Runs a parsed request: streams or answers with JSON.
pub async fn run(state: &AppState, ctx: RequestContext, body: RequestBody) -> Response {
    run_with(state, ctx, body, Dialect::default()).await
}

/// Runs a parsed request with a route's dialect.
pub async fn run_with(
    state: &AppState,
    mut ctx: RequestContext,
    mut body: RequestBody,
    dialect: Dialect<'_>,
) -> Response {
    let request_id = ctx.request_id.clone();
    if body.model().is_empty()
        && let Some(m) = dialect.model_from_path
    {
        body.set_model(m);
    }
    ctx.model_requested = body.model().to_owned();
    let request = match state
        .bifrost
        .request_with_default(body, dialect.default_provider)
    {
        Ok(r) => r,
        Err(e) => return failed(&e, &request_id),
    };
    if request.is_stream() {
        // Boxed: a stream's setup is large and only streamed requests need it.
        return match Box::pin(state.bifrost.execute_stream(ctx, request)).await {
            Ok(stream) => {
                tracing::debug!(
                    request_id,
                    provider = stream.provider(),
                    model = stream.model(),
                    "stream started"
                );
                sse_response(stream, &request_id)
            }
            Err(e) => failed(&e, &request_id),
        };
    }
    match state.bifrost.execute(&mut ctx, request).await {
        Ok(response) => match response.to_json() {
            Ok(json) => {
                tracing::debug!(
                    request_id,
                    provider = ctx.served_by().map(|a| &*a.provider).unwrap_or(""),
                    latency_ms = ctx.started_at.elapsed().as_millis() as u64,
                    retries = ctx.retries,
                    fallback_index = ctx.fallback_index,
                    "request served"
                );
                json_response(json, &request_id)
            }
            Err(e) => failed(
                &BifrostError::internal(format!("cannot serialize the response: {e}")),
                &request_id,
            ),
        },
        Err(e) => failed(&e, &request_id),
    }
}

/// The span around one request's handling: carries `request_id` to every line logged inside.
/// It is a debug span, so it costs nothing unless debug logs are on; lines at info and above
/// carry `request_id` as a field of their own.
pub fn request_span(request_id: &str) -> tracing::Span {
    tracing::debug_span!("request", request_id = %request_id)
}

/// Reads, parses and runs one inference request.
pub async fn handle(state: &AppState, route: Route, headers: HeaderMap, body: Body) -> Response {
    handle_with(state, route, Dialect::default(), headers, body).await
}

/// Reads, parses and runs one inference request with a route's dialect.
pub async fn handle_with(
    state: &AppState,
    route: Route,
    dialect: Dialect<'_>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let request_id = request_context::request_id(&headers);
    let span = request_span(&request_id);
    // Boxed once here: the request's whole state (body, context, the engine call) lives on the
    // heap, and the layers above move a pointer instead of copying it at every level.
    Box::pin(handle_with_id(
        state, route, dialect, headers, body, request_id,
    ))
    .instrument(span)
    .await
}

async fn handle_with_id(
    state: &AppState,
    route: Route,
    dialect: Dialect<'_>,
    headers: HeaderMap,
    body: Body,
    request_id: String,
) -> Response {
    if let Err(e) = check_content_type(&headers) {
        return failed(&e, &request_id);
    }
    let bytes = match read_body(&headers, body, state.body_limit).await {
        Ok(b) => b,
        Err(e) => return failed(&e, &request_id),
    };
    let ctx = match request_context::build(
        headers,
        request_id.clone(),
        state.client.header_filter_config.as_ref(),
        &state.required_headers,
    ) {
        Ok(ctx) => ctx,
        Err(e) => return failed(&e, &request_id),
    };
    let body = match parse_body(route, &bytes) {
        Ok(b) => b,
        Err(e) => return failed(&e, &request_id),
    };
    run_with(state, ctx, body, dialect).await
}

/// `POST /v1/chat/completions`
pub async fn chat_completions(State(state): State<Arc<AppState>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    handle(&state, Route::Chat, parts.headers, body).await
}

/// `POST /v1/completions`
pub async fn completions(State(state): State<Arc<AppState>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    handle(&state, Route::Text, parts.headers, body).await
}

/// `POST /v1/embeddings`
pub async fn embeddings(State(state): State<Arc<AppState>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    handle(&state, Route::Embeddings, parts.headers, body).await
}

/// `POST /v1/responses` (OpenAI's Responses API; streamed as typed events).
pub async fn responses(State(state): State<Arc<AppState>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    handle(&state, Route::Responses, parts.headers, body).await
}

/// Query of `GET /v1/models`.
#[derive(Debug, Deserialize)]
pub struct ModelsQuery {
    /// Only this provider's models.
    pub provider: Option<String>,
}

/// `GET /v1/models`: every serving provider's models (`provider/model` ids), or one provider's.
pub async fn list_models(
    State(state): State<Arc<AppState>>,
    Query(query): Query<ModelsQuery>,
    headers: HeaderMap,
) -> Response {
    let request_id = request_context::request_id(&headers);
    let mut ctx = RequestContext::new(request_id.clone());
    let provider = query.provider.as_deref().filter(|p| !p.is_empty());
    let listed = state
        .bifrost
        .list_models(&mut ctx, provider)
        .instrument(request_span(&request_id))
        .await;
    match listed {
        Ok(list) => match serde_json::to_vec(&list) {
            Ok(json) => json_response(json, &request_id),
            Err(e) => failed(&BifrostError::internal(e.to_string()), &request_id),
        },
        Err(e) => failed(&e, &request_id),
    }
}
