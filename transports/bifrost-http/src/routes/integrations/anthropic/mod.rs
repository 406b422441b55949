//! Anthropic drop-in routes under `/anthropic`, for the Anthropic SDKs with
//! `base_url="http://GATEWAY/anthropic"`:
//!
//! | route | what |
//! |---|---|
//! | `POST /v1/messages` | a Messages call (streamed with `stream: true`), answered as Anthropic answers |
//! | `POST /v1/messages/count_tokens` | a count tokens request: `{"input_tokens": N}` |
//! | `GET /v1/models`, `GET /v1/models/{id}` | every serving provider's models in Anthropic's paged shape |
//!
//! A model without a `provider/` prefix goes to the `anthropic` provider; `openai/gpt-4o` (or
//! any configured provider) is reached through the same route and its answer translated into an
//! Anthropic message. For providers of other families the request is adapted first (see
//! [`bifrost_core::providers::anthropic::inbound::request::adapt_for_other_provider`]); for
//! Anthropic-based providers the caller's `anthropic-beta` header is forwarded. The SDK's own
//! key (`x-api-key`, `Authorization`) is accepted and never sent upstream: the gateway's key is.
//!
//! Errors are `{"type":"error","error":{"type":..,"message":..},"request_id":..}` with the
//! error's status; a failure after a stream started is an `event: error` event.

mod sse;

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, Request, State};
use axum::response::Response;
use axum::routing::{get, post};
use bifrost_core::providers::anthropic::inbound::models::{self, PageQuery};
use bifrost_core::providers::anthropic::inbound::request::{
    CountTokensBody, adapt_for_other_provider, to_chat_request, to_count_tokens_request,
};
use bifrost_core::providers::anthropic::inbound::{error, response};
use bifrost_core::providers::anthropic::types::MessagesRequest;
use bifrost_core::schemas::{RequestBody, Response as EngineResponse};
use bifrost_core::{BifrostError, RequestContext};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use serde::Serialize;

use super::{accept, speaks_family};
use crate::body::parse_json;
use crate::request_context;
use crate::state::AppState;

/// The provider a bare model name goes to.
const PROVIDER: &str = "anthropic";

/// Request headers forwarded to Anthropic-based providers.
const FORWARDED_HEADERS: &[&str] = &["anthropic-beta"];

fn set_request_id(headers: &mut HeaderMap, request_id: &str) {
    if let Ok(v) = HeaderValue::from_str(request_id) {
        headers.insert("request-id", v.clone());
        headers.insert("x-request-id", v);
    }
}

/// An error answer in Anthropic's shape, logged once.
pub fn anthropic_error(err: &BifrostError, request_id: &str) -> Response {
    if err.status() >= 500 {
        tracing::warn!(request_id, status = err.status(), provider = %err.extra_fields().provider, error = %err, "request failed");
    } else {
        tracing::info!(request_id, status = err.status(), error = %err, "request rejected");
    }
    let mut resp = Response::new(Body::from(error::to_json(err, Some(request_id))));
    *resp.status_mut() =
        StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    set_request_id(resp.headers_mut(), request_id);
    resp
}

fn json_answer<T: Serialize>(value: &T, request_id: &str) -> Response {
    super::json_answer(value, request_id, set_request_id, anthropic_error)
}

/// Anthropic's wording for a missing field (`max_tokens: Field required`).
fn parse_native<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, BifrostError> {
    parse_json(bytes).map_err(|e| {
        let message = e.message();
        match message
            .split_once("missing field `")
            .and_then(|(_, rest)| rest.split_once('`'))
        {
            Some((field, _)) => {
                BifrostError::invalid_request(format!("{field}: Field required")).with_param(field)
            }
            None => e,
        }
    })
}

fn forward_headers(ctx: &mut RequestContext) {
    for name in FORWARDED_HEADERS {
        for value in ctx.headers.get_all(*name) {
            ctx.extra_headers
                .push((http::HeaderName::from_static(name), value.clone()));
        }
    }
}

async fn messages(State(state): State<Arc<AppState>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let request_id = request_context::request_id(&parts.headers);
    match run_messages(&state, parts.headers, body, &request_id).await {
        Ok(resp) => resp,
        Err(e) => anthropic_error(&e, &request_id),
    }
}

async fn run_messages(
    state: &AppState,
    headers: HeaderMap,
    body: Body,
    request_id: &str,
) -> Result<Response, BifrostError> {
    let (mut ctx, bytes) = accept(state, headers, body, request_id).await?;
    let native: MessagesRequest = parse_native(&bytes)?;
    let chat = to_chat_request(native)?;
    ctx.model_requested.clone_from(&chat.model);
    let mut request = state
        .bifrost
        .request_with_default(RequestBody::Chat(Box::new(chat)), Some(PROVIDER))?;
    if speaks_family(state, &request.provider, PROVIDER) {
        forward_headers(&mut ctx);
    } else if let RequestBody::Chat(chat) = &mut request.body {
        adapt_for_other_provider(chat);
    }
    if request.is_stream() {
        let stream = super::start_stream(state, ctx, request, request_id).await?;
        return Ok(sse::stream_response(stream, request_id));
    }
    match state.bifrost.execute(&mut ctx, request).await? {
        EngineResponse::Chat(chat) => {
            tracing::debug!(
                request_id,
                provider = ctx.served_by().map(|a| &*a.provider).unwrap_or(""),
                latency_ms = ctx.started_at.elapsed().as_millis() as u64,
                "request served"
            );
            Ok(json_answer(
                &response::to_message(*chat, request_id),
                request_id,
            ))
        }
        _ => Err(BifrostError::internal(
            "unexpected response type for a messages request",
        )),
    }
}

/// `{"input_tokens": N}`.
#[derive(Serialize)]
struct TokenCount {
    input_tokens: u64,
}

async fn count_tokens(State(state): State<Arc<AppState>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let request_id = request_context::request_id(&parts.headers);
    let result = async {
        let (mut ctx, bytes) = accept(&state, parts.headers, body, &request_id).await?;
        let native: CountTokensBody = parse_native(&bytes)?;
        let count = to_count_tokens_request(native)?;
        ctx.model_requested.clone_from(&count.model);
        let request = state
            .bifrost
            .request_with_default(RequestBody::CountTokens(Box::new(count)), Some(PROVIDER))?;
        if speaks_family(&state, &request.provider, PROVIDER) {
            forward_headers(&mut ctx);
        }
        match state.bifrost.execute(&mut ctx, request).await? {
            EngineResponse::CountTokens(c) => Ok(TokenCount {
                input_tokens: c.input_tokens,
            }),
            _ => Err(BifrostError::internal(
                "unexpected response type for a count tokens request",
            )),
        }
    }
    .await;
    match result {
        Ok(count) => json_answer(&count, &request_id),
        Err(e) => anthropic_error(&e, &request_id),
    }
}

async fn list_all(
    state: &AppState,
    request_id: &str,
) -> Result<bifrost_core::schemas::ListModelsResponse, BifrostError> {
    let mut ctx = RequestContext::new(request_id.to_owned());
    state.bifrost.list_models(&mut ctx, None).await
}

async fn list_models(
    State(state): State<Arc<AppState>>,
    query: Result<Query<PageQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Response {
    let request_id = request_context::request_id(&headers);
    let query = match query {
        Ok(Query(q)) => q,
        Err(e) => {
            let err = BifrostError::invalid_request(format!("invalid query: {}", e.body_text()));
            return anthropic_error(&err, &request_id);
        }
    };
    match list_all(&state, &request_id).await {
        Ok(list) => json_answer(&models::to_model_page(list, PROVIDER, &query), &request_id),
        Err(e) => anthropic_error(&e, &request_id),
    }
}

async fn get_model(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let request_id = request_context::request_id(&headers);
    let list = match list_all(&state, &request_id).await {
        Ok(list) => list,
        Err(e) => return anthropic_error(&e, &request_id),
    };
    let all = PageQuery {
        limit: Some(models::MAX_LIMIT),
        ..PageQuery::default()
    };
    let page = models::to_model_page(list, PROVIDER, &all);
    match page.data.into_iter().find(|m| m.id == id) {
        Some(model) => json_answer(&model, &request_id),
        None => {
            let err = BifrostError::invalid_request(format!("model: {id}")).with_status(404);
            anthropic_error(&err, &request_id)
        }
    }
}

/// The `/anthropic` routes (to be nested under `/anthropic`).
pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/v1/messages", post(messages))
        .route("/v1/messages/count_tokens", post(count_tokens))
        .route("/v1/models", get(list_models))
        .route("/v1/models/{*id}", get(get_model))
}
