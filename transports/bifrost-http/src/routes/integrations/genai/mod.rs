//! Google GenAI drop-in routes under `/genai`, for the Google GenAI SDKs with
//! `http_options=HttpOptions(base_url="http://GATEWAY/genai")`:
//!
//! | route (also under `/v1`) | what |
//! |---|---|
//! | `POST /v1beta/models/{model}:generateContent` | a `GenerateContentResponse` |
//! | `POST /v1beta/models/{model}:streamGenerateContent` | streamed responses: SSE with `?alt=sse`, else one JSON array sent as it grows |
//! | `POST /v1beta/models/{model}:embedContent`, `:batchEmbedContents` | embeddings |
//! | `POST /v1beta/models/{model}:countTokens` | `{"totalTokens": N}` |
//! | `GET /v1beta/models`, `GET /v1beta/models/{model}` | every serving provider's models in Google's shape (`name: "models/..."`) |
//!
//! A model without a `provider/` prefix goes to the `gemini` provider; `anthropic/claude-...`
//! or `openai/gpt-4o` (also URL-encoded, `anthropic%2Fclaude-...`) is reached through the same
//! route and its answer translated into Gemini's shape. For providers of other families the
//! request is adapted first (see
//! [`bifrost_core::providers::gemini::inbound::request::adapt_for_other_provider`]). The SDK's
//! own key (`x-goog-api-key` or `?key=`) is accepted and never sent upstream: the gateway's is.
//!
//! Errors are `{"error":{"code":N,"message":..,"status":..}}` with the error's status; a failure
//! after a stream started is that object in the stream's framing, which ends the stream.

mod stream;

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, RawQuery, Request, State};
use axum::response::Response;
use axum::routing::get;
use bifrost_core::providers::gemini::inbound::embed::{
    to_batch_response, to_embed_content_response, to_embedding_request,
};
use bifrost_core::providers::gemini::inbound::models::{PageQuery, find_model, to_model_page};
use bifrost_core::providers::gemini::inbound::request::{
    CountTokensBody, adapt_count_tokens_for_other_provider, adapt_embedding_for_other_provider,
    adapt_for_other_provider, to_chat_request, to_count_tokens_request,
};
use bifrost_core::providers::gemini::inbound::{error, response};
use bifrost_core::providers::gemini::types::{
    BatchEmbedContentsRequest, CountTokensResponse, EmbedContentRequest, GenerateContentRequest,
};
use bifrost_core::providers::vertex::anthropic::is_anthropic_model;
use bifrost_core::schemas::{ListModelsResponse, RequestBody, Response as EngineResponse};
use bifrost_core::{BifrostError, RequestContext};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use serde::Serialize;
use serde_json::Value;

use super::accept;
use crate::body::parse_json;
use crate::request_context;
use crate::state::AppState;

/// The provider a bare model name goes to.
const PROVIDER: &str = "gemini";

/// An error answer in Google's shape, logged once.
pub fn google_error(err: &BifrostError, request_id: &str) -> Response {
    if err.status() >= 500 {
        tracing::warn!(request_id, status = err.status(), provider = %err.extra_fields().provider, error = %err, "request failed");
    } else {
        tracing::info!(request_id, status = err.status(), error = %err, "request rejected");
    }
    let mut resp = Response::new(Body::from(error::to_json(err)));
    *resp.status_mut() =
        StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    set_request_id(resp.headers_mut(), request_id);
    resp
}

fn set_request_id(headers: &mut HeaderMap, request_id: &str) {
    if let Ok(v) = HeaderValue::from_str(request_id) {
        headers.insert("x-request-id", v);
    }
}

fn json_answer<T: Serialize>(value: &T, request_id: &str) -> Response {
    super::json_answer(value, request_id, set_request_id, google_error)
}

/// True when `provider` speaks Gemini's API for `model`: `gemini`, Vertex AI's Gemini models,
/// or a custom provider based on either.
fn speaks_gemini(state: &AppState, provider: &str, model: &str) -> bool {
    let base = match provider {
        "gemini" | "vertex" => provider.to_owned(),
        _ => match state.bifrost.snapshot().provider(provider).and_then(|p| {
            p.config
                .custom_provider_config
                .as_ref()
                .map(|c| c.base_provider_type.clone())
        }) {
            Some(base) => base,
            None => return false,
        },
    };
    match base.as_str() {
        "gemini" => true,
        "vertex" => !is_anthropic_model(model),
        _ => false,
    }
}

/// Splits `gemini-2.5-flash:generateContent` (or `openai/gpt-4o:countTokens`) at its last `:`.
fn split_method(rest: &str) -> Result<(&str, &str), BifrostError> {
    let rest = rest.strip_prefix("models/").unwrap_or(rest);
    match rest.rsplit_once(':') {
        Some((model, method)) if !model.is_empty() && !method.is_empty() => Ok((model, method)),
        _ => Err(BifrostError::invalid_request(format!(
            "expected models/{{model}}:{{method}} in the path, got models/{rest}"
        ))
        .with_status(404)),
    }
}

/// `POST /v1beta/models/{model}:{method}`.
async fn model_method(
    State(state): State<Arc<AppState>>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
    req: Request,
) -> Response {
    let (parts, body) = req.into_parts();
    let request_id = request_context::request_id(&parts.headers);
    let result = async {
        let Path(rest) = path.map_err(|e| {
            BifrostError::invalid_request(format!("invalid path: {}", e.body_text()))
        })?;
        let (model, method) = split_method(&rest)?;
        let call = Call {
            state: &state,
            request_id: &request_id,
            model,
        };
        match method {
            "generateContent" => call.generate(parts.headers, body, None).await,
            "streamGenerateContent" => {
                let sse = query
                    .as_deref()
                    .is_some_and(|q| q.split('&').any(|kv| kv == "alt=sse"));
                call.generate(parts.headers, body, Some(sse)).await
            }
            "embedContent" => call.embed(parts.headers, body, false).await,
            "batchEmbedContents" => call.embed(parts.headers, body, true).await,
            "countTokens" => call.count_tokens(parts.headers, body).await,
            other => Err(BifrostError::invalid_request(format!(
                "Method {other} not found for model {model}."
            ))
            .with_status(404)),
        }
    }
    .await;
    result.unwrap_or_else(|e| google_error(&e, &request_id))
}

/// One model method call.
struct Call<'a> {
    state: &'a AppState,
    request_id: &'a str,
    model: &'a str,
}

impl Call<'_> {
    fn served(&self, ctx: &RequestContext) {
        tracing::debug!(
            request_id = self.request_id,
            provider = ctx.served_by().map(|a| &*a.provider).unwrap_or(""),
            latency_ms = ctx.started_at.elapsed().as_millis() as u64,
            "request served"
        );
    }

    /// `generateContent` (`stream` None) or `streamGenerateContent` (`Some(sse)`).
    async fn generate(
        &self,
        headers: HeaderMap,
        body: Body,
        stream: Option<bool>,
    ) -> Result<Response, BifrostError> {
        let (mut ctx, bytes) = accept(self.state, headers, body, self.request_id).await?;
        let native: GenerateContentRequest = parse_json(&bytes)?;
        let chat = to_chat_request(native, self.model, stream.is_some())?;
        ctx.model_requested.clone_from(&chat.model);
        let mut request = self
            .state
            .bifrost
            .request_with_default(RequestBody::Chat(Box::new(chat)), Some(PROVIDER))?;
        if !speaks_gemini(self.state, &request.provider, &request.model)
            && let RequestBody::Chat(chat) = &mut request.body
        {
            adapt_for_other_provider(chat);
        }
        if let Some(sse) = stream {
            let stream = super::start_stream(self.state, ctx, request, self.request_id).await?;
            return Ok(stream::stream_response(stream, self.request_id, sse));
        }
        match self.state.bifrost.execute(&mut ctx, request).await? {
            EngineResponse::Chat(chat) => {
                self.served(&ctx);
                Ok(json_answer(&response::to_response(&chat), self.request_id))
            }
            _ => Err(BifrostError::internal(
                "unexpected response type for a generateContent request",
            )),
        }
    }

    /// `embedContent` or `batchEmbedContents`.
    async fn embed(
        &self,
        headers: HeaderMap,
        body: Body,
        batch: bool,
    ) -> Result<Response, BifrostError> {
        let (mut ctx, bytes) = accept(self.state, headers, body, self.request_id).await?;
        let requests = if batch {
            parse_json::<BatchEmbedContentsRequest>(&bytes)?.requests
        } else {
            vec![parse_json::<EmbedContentRequest>(&bytes)?]
        };
        let embedding = to_embedding_request(&requests, self.model, batch)?;
        ctx.model_requested.clone_from(&embedding.model);
        let mut request = self
            .state
            .bifrost
            .request_with_default(RequestBody::Embedding(Box::new(embedding)), Some(PROVIDER))?;
        if !speaks_gemini(self.state, &request.provider, &request.model)
            && let RequestBody::Embedding(e) = &mut request.body
        {
            adapt_embedding_for_other_provider(e);
        }
        match self.state.bifrost.execute(&mut ctx, request).await? {
            EngineResponse::Embedding(e) => {
                self.served(&ctx);
                Ok(if batch {
                    json_answer(&to_batch_response(&e), self.request_id)
                } else {
                    json_answer(&to_embed_content_response(&e), self.request_id)
                })
            }
            _ => Err(BifrostError::internal(
                "unexpected response type for an embedding request",
            )),
        }
    }

    /// `countTokens`.
    async fn count_tokens(&self, headers: HeaderMap, body: Body) -> Result<Response, BifrostError> {
        let (mut ctx, bytes) = accept(self.state, headers, body, self.request_id).await?;
        let native: CountTokensBody = parse_json(&bytes)?;
        let count = to_count_tokens_request(native, self.model)?;
        ctx.model_requested.clone_from(&count.model);
        let mut request = self
            .state
            .bifrost
            .request_with_default(RequestBody::CountTokens(Box::new(count)), Some(PROVIDER))?;
        if !speaks_gemini(self.state, &request.provider, &request.model)
            && let RequestBody::CountTokens(c) = &mut request.body
        {
            adapt_count_tokens_for_other_provider(c);
        }
        match self.state.bifrost.execute(&mut ctx, request).await? {
            EngineResponse::CountTokens(c) => {
                self.served(&ctx);
                let answer = CountTokensResponse {
                    total_tokens: c.input_tokens,
                    cached_content_token_count: c
                        .extra
                        .get("cached_tokens")
                        .and_then(Value::as_u64),
                    total_billable_characters: None,
                    prompt_tokens_details: None,
                };
                Ok(json_answer(&answer, self.request_id))
            }
            _ => Err(BifrostError::internal(
                "unexpected response type for a count tokens request",
            )),
        }
    }
}

async fn list_all(state: &AppState, request_id: &str) -> Result<ListModelsResponse, BifrostError> {
    let mut ctx = RequestContext::new(request_id.to_owned());
    state.bifrost.list_models(&mut ctx, None).await
}

/// `GET /v1beta/models`.
async fn list_models(
    State(state): State<Arc<AppState>>,
    query: Result<Query<PageQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Response {
    let request_id = request_context::request_id(&headers);
    let result = async {
        let Query(query) = query.map_err(|e| {
            BifrostError::invalid_request(format!("invalid query: {}", e.body_text()))
        })?;
        let list = list_all(&state, &request_id).await?;
        to_model_page(&list, PROVIDER, &query)
    }
    .await;
    match result {
        Ok(page) => json_answer(&page, &request_id),
        Err(e) => google_error(&e, &request_id),
    }
}

/// `GET /v1beta/models/{model}`.
async fn get_model(
    State(state): State<Arc<AppState>>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Response {
    let request_id = request_context::request_id(&headers);
    let result = async {
        let Path(id) = path.map_err(|e| {
            BifrostError::invalid_request(format!("invalid path: {}", e.body_text()))
        })?;
        let list = list_all(&state, &request_id).await?;
        find_model(&list, PROVIDER, &id).ok_or_else(|| {
            BifrostError::invalid_request(format!(
                "models/{id} is not found: call ListModels to see the models this gateway serves"
            ))
            .with_status(404)
        })
    }
    .await;
    match result {
        Ok(model) => json_answer(&model, &request_id),
        Err(e) => google_error(&e, &request_id),
    }
}

/// The `/genai` routes (to be nested under `/genai`).
pub fn router() -> Router<Arc<AppState>> {
    let mut router = Router::new();
    for version in ["/v1beta", "/v1"] {
        router = router
            .route(&format!("{version}/models"), get(list_models))
            .route(
                &format!("{version}/models/{{*rest}}"),
                get(get_model).post(model_method),
            );
    }
    router
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_split_at_the_last_colon() {
        assert_eq!(
            split_method("gemini-2.5-flash:generateContent").unwrap(),
            ("gemini-2.5-flash", "generateContent")
        );
        assert_eq!(
            split_method("anthropic/claude-3-5-haiku-latest:streamGenerateContent").unwrap(),
            ("anthropic/claude-3-5-haiku-latest", "streamGenerateContent")
        );
        assert_eq!(
            split_method("bedrock/anthropic.claude-v2:1:countTokens").unwrap(),
            ("bedrock/anthropic.claude-v2:1", "countTokens")
        );
        assert_eq!(split_method("gemini-2.5-flash").unwrap_err().status(), 404);
    }
}
