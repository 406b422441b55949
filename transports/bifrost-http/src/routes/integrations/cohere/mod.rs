//! Cohere drop-in routes under `/cohere`, for Cohere's `ClientV2` with
//! `base_url="http://GATEWAY/cohere"`:
//!
//! | route | what |
//! |---|---|
//! | `POST /v2/chat` | a chat call (streamed with `stream: true`: Cohere v2 events), answered as Cohere answers |
//! | `POST /v2/embed` | embeddings (`float`, `base64`) in the `embeddings_by_type` shape |
//! | `POST /v2/rerank` | reranked documents |
//! | `GET /v1/models` | every serving provider's models in Cohere's shape |
//!
//! A model without a `provider/` prefix goes to the `cohere` provider; `openai/gpt-4o` (or any
//! configured provider) is reached through the same route and its answer translated into
//! Cohere's shape. The SDK's own key (`Authorization: Bearer ...`) is accepted and never sent
//! upstream: the gateway's key is.
//!
//! Errors are `{"id": <request id>, "message": ...}` with the error's status; a failure after a
//! stream started is a `message-end` event with `finish_reason: ERROR`.

mod sse;

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use axum::routing::{get, post};
use bifrost_core::providers::cohere::inbound::request::{
    EmbedBody, RerankBody, adapt_embedding_for_other_provider, adapt_for_other_provider,
    to_chat_request, to_embedding_request, to_rerank_request,
};
use bifrost_core::providers::cohere::inbound::{error, response};
use bifrost_core::providers::cohere::types::ChatRequest as CohereChat;
use bifrost_core::schemas::{RequestBody, Response as EngineResponse};
use bifrost_core::{BifrostError, RequestContext};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use serde::Serialize;
use serde_json::{Value, json};

use super::{accept, speaks_family};
use crate::body::parse_json;
use crate::request_context;
use crate::state::AppState;

/// The provider a bare model name goes to.
const PROVIDER: &str = "cohere";

fn set_request_id(headers: &mut HeaderMap, request_id: &str) {
    if let Ok(v) = HeaderValue::from_str(request_id) {
        headers.insert("x-request-id", v);
    }
}

/// An error answer in Cohere's shape, logged once.
pub fn cohere_error(err: &BifrostError, request_id: &str) -> Response {
    if err.status() >= 500 {
        tracing::warn!(request_id, status = err.status(), provider = %err.extra_fields().provider, error = %err, "request failed");
    } else {
        tracing::info!(request_id, status = err.status(), error = %err, "request rejected");
    }
    let mut resp = Response::new(Body::from(error::to_json(err, request_id)));
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
    super::json_answer(value, request_id, set_request_id, cohere_error)
}

fn served(ctx: &RequestContext, request_id: &str) {
    tracing::debug!(
        request_id,
        provider = ctx.served_by().map(|a| &*a.provider).unwrap_or(""),
        latency_ms = ctx.started_at.elapsed().as_millis() as u64,
        "request served"
    );
}

async fn chat(State(state): State<Arc<AppState>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let request_id = request_context::request_id(&parts.headers);
    let result = async {
        let (mut ctx, bytes) = accept(&state, parts.headers, body, &request_id).await?;
        let native: CohereChat = parse_json(&bytes)?;
        let chat = to_chat_request(native)?;
        ctx.model_requested.clone_from(&chat.model);
        let mut request = state
            .bifrost
            .request_with_default(RequestBody::Chat(Box::new(chat)), Some(PROVIDER))?;
        if !speaks_family(&state, &request.provider, PROVIDER)
            && let RequestBody::Chat(chat) = &mut request.body
        {
            adapt_for_other_provider(chat);
        }
        if request.is_stream() {
            let stream = super::start_stream(&state, ctx, request, &request_id).await?;
            return Ok(sse::stream_response(stream, &request_id));
        }
        match state.bifrost.execute(&mut ctx, request).await? {
            EngineResponse::Chat(chat) => {
                served(&ctx, &request_id);
                Ok(json_answer(
                    &response::to_chat_response(&chat, &request_id),
                    &request_id,
                ))
            }
            _ => Err(BifrostError::internal(
                "unexpected response type for a chat request",
            )),
        }
    }
    .await;
    result.unwrap_or_else(|e| cohere_error(&e, &request_id))
}

async fn embed(State(state): State<Arc<AppState>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let request_id = request_context::request_id(&parts.headers);
    let result = async {
        let (mut ctx, bytes) = accept(&state, parts.headers, body, &request_id).await?;
        let native: EmbedBody = parse_json(&bytes)?;
        let types = native.embedding_types.clone().unwrap_or_default();
        let embedding = to_embedding_request(native)?;
        let texts: Vec<String> = embedding.texts().into_iter().map(str::to_owned).collect();
        ctx.model_requested.clone_from(&embedding.model);
        let mut request = state
            .bifrost
            .request_with_default(RequestBody::Embedding(Box::new(embedding)), Some(PROVIDER))?;
        if !speaks_family(&state, &request.provider, PROVIDER)
            && let RequestBody::Embedding(e) = &mut request.body
        {
            adapt_embedding_for_other_provider(e);
        }
        match state.bifrost.execute(&mut ctx, request).await? {
            EngineResponse::Embedding(e) => {
                served(&ctx, &request_id);
                Ok(json_answer(
                    &response::to_embed_response(&e, texts, &types, &request_id),
                    &request_id,
                ))
            }
            _ => Err(BifrostError::internal(
                "unexpected response type for an embed request",
            )),
        }
    }
    .await;
    result.unwrap_or_else(|e| cohere_error(&e, &request_id))
}

async fn rerank(State(state): State<Arc<AppState>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let request_id = request_context::request_id(&parts.headers);
    let result = async {
        let (mut ctx, bytes) = accept(&state, parts.headers, body, &request_id).await?;
        let native: RerankBody = parse_json(&bytes)?;
        let rerank = to_rerank_request(native)?;
        ctx.model_requested.clone_from(&rerank.model);
        let request = state
            .bifrost
            .request_with_default(RequestBody::Rerank(Box::new(rerank)), Some(PROVIDER))?;
        match state.bifrost.execute(&mut ctx, request).await? {
            EngineResponse::Rerank(r) => {
                served(&ctx, &request_id);
                Ok(json_answer(
                    &response::to_rerank_response(&r, &request_id),
                    &request_id,
                ))
            }
            _ => Err(BifrostError::internal(
                "unexpected response type for a rerank request",
            )),
        }
    }
    .await;
    result.unwrap_or_else(|e| cohere_error(&e, &request_id))
}

/// `GET /v1/models`: `{"models": [{"name", "endpoints"}]}`; the `cohere` provider's models
/// lose their `cohere/` prefix.
async fn list_models(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let request_id = request_context::request_id(&headers);
    let mut ctx = RequestContext::new(request_id.clone());
    match state.bifrost.list_models(&mut ctx, None).await {
        Ok(list) => {
            let prefix = format!("{PROVIDER}/");
            let models: Vec<Value> = list
                .data
                .into_iter()
                .map(|m| {
                    let name =
                        m.id.strip_prefix(&prefix)
                            .filter(|b| !b.is_empty())
                            .map_or_else(|| m.id.clone(), str::to_owned);
                    let endpoints = m
                        .extra
                        .get("endpoints")
                        .cloned()
                        .unwrap_or_else(|| json!(["chat"]));
                    json!({"name": name, "endpoints": endpoints})
                })
                .collect();
            json_answer(&json!({ "models": models }), &request_id)
        }
        Err(e) => cohere_error(&e, &request_id),
    }
}

/// The `/cohere` routes (to be nested under `/cohere`).
pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/v2/chat", post(chat))
        .route("/v2/embed", post(embed))
        .route("/v2/rerank", post(rerank))
        .route("/v1/models", get(list_models))
}
