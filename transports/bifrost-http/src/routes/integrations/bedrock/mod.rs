//! AWS Bedrock drop-in routes under `/bedrock`, for boto3's `bedrock-runtime` client with
//! `endpoint_url="http://GATEWAY/bedrock"`:
//!
//! | route | what |
//! |---|---|
//! | `POST /model/{modelId}/converse` | a Converse call, answered as Bedrock answers |
//! | `POST /model/{modelId}/converse-stream` | ConverseStream: AWS event-stream frames (`messageStart` ... `metadata`) |
//! | `POST /model/{modelId}/invoke` | InvokeModel: an Anthropic Messages body (`anthropic_version`, Anthropic models) is translated; any other body goes unchanged to a Bedrock provider |
//! | `POST /model/{modelId}/invoke-with-response-stream` | the same, streamed: `chunk` events carrying Anthropic stream events (or the Bedrock provider's own stream, relayed) |
//!
//! A model id without a `provider/` prefix goes to the `bedrock` provider; `openai/gpt-4o`
//! (percent-encoded `openai%2Fgpt-4o` in the path, as boto3 sends it) or any configured
//! provider is reached through the same route and its answer translated into Bedrock's shape.
//! boto3 signs its requests with SigV4: the signature is accepted, never checked and never
//! forwarded; the gateway's own credentials are used upstream.
//!
//! Errors are `{"message": ...}` with the exception name in `x-amzn-ErrorType` (what botocore
//! reads as the `ClientError` code) and the error's status; a failure after a stream started is
//! an exception message in the stream, which ends it.

mod invoke_stream;
mod stream;

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Request, State};
use axum::response::Response;
use axum::routing::post;
use bifrost_core::providers::anthropic::inbound::request::{
    adapt_for_other_provider as adapt_anthropic_for_other_provider,
    to_chat_request as anthropic_to_chat_request,
};
use bifrost_core::providers::anthropic::inbound::response::to_message;
use bifrost_core::providers::anthropic::types::MessagesRequest;
use bifrost_core::providers::bedrock::inbound::error;
use bifrost_core::providers::bedrock::inbound::request::{
    adapt_for_other_provider, to_chat_request,
};
use bifrost_core::providers::bedrock::inbound::response::to_converse_response;
use bifrost_core::providers::bedrock::request::is_anthropic_model;
use bifrost_core::providers::bedrock::types::ConverseRequest;
use bifrost_core::schemas::{
    PassthroughRequest, Request as EngineRequest, RequestBody, Response as EngineResponse,
    StreamChunk, StreamOptions,
};
use bifrost_core::{BifrostError, RequestContext};
use futures::StreamExt;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use serde::Serialize;
use serde_json::Value;

use super::{accept, speaks_family};
use crate::body::parse_json;
use crate::request_context;
use crate::state::AppState;

/// The provider a bare model id goes to.
const PROVIDER: &str = "bedrock";

fn set_request_id(headers: &mut HeaderMap, request_id: &str) {
    if let Ok(v) = HeaderValue::from_str(request_id) {
        headers.insert("x-amzn-requestid", v.clone());
        headers.insert("x-request-id", v);
    }
}

/// An error answer in Bedrock's shape, logged once.
pub fn bedrock_error(err: &BifrostError, request_id: &str) -> Response {
    if err.status() >= 500 {
        tracing::warn!(request_id, status = err.status(), provider = %err.extra_fields().provider, error = %err, "request failed");
    } else {
        tracing::info!(request_id, status = err.status(), error = %err, "request rejected");
    }
    let mut resp = Response::new(Body::from(error::to_json(err)));
    *resp.status_mut() =
        StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Ok(v) = HeaderValue::from_str(&error::exception_name(err)) {
        h.insert("x-amzn-errortype", v);
    }
    set_request_id(h, request_id);
    resp
}

fn json_answer<T: Serialize>(value: &T, request_id: &str) -> Response {
    super::json_answer(value, request_id, set_request_id, bedrock_error)
}

/// `POST /model/{modelId}/{operation}`.
async fn model_operation(
    State(state): State<Arc<AppState>>,
    path: Result<Path<(String, String)>, PathRejection>,
    req: Request,
) -> Response {
    let (parts, body) = req.into_parts();
    let request_id = request_context::request_id(&parts.headers);
    let result = async {
        let Path((model, operation)) = path.map_err(|e| {
            BifrostError::invalid_request(format!("invalid path: {}", e.body_text()))
        })?;
        let call = Call {
            state: &state,
            request_id: &request_id,
            model: &model,
            started: Instant::now(),
        };
        match operation.as_str() {
            "converse" => call.converse(parts.headers, body, false).await,
            "converse-stream" => call.converse(parts.headers, body, true).await,
            "invoke" => call.invoke(parts.headers, body, false).await,
            "invoke-with-response-stream" => call.invoke(parts.headers, body, true).await,
            other => Err(BifrostError::invalid_request(format!(
                "The operation {other} is not supported by this gateway (converse, converse-stream, invoke, invoke-with-response-stream)."
            ))
            .with_status(404)),
        }
    }
    .await;
    result.unwrap_or_else(|e| bedrock_error(&e, &request_id))
}

/// One model operation call.
struct Call<'a> {
    state: &'a AppState,
    request_id: &'a str,
    model: &'a str,
    started: Instant,
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

    fn latency_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    /// `converse` or `converse-stream`.
    async fn converse(
        &self,
        headers: HeaderMap,
        body: Body,
        stream: bool,
    ) -> Result<Response, BifrostError> {
        let (mut ctx, bytes) = accept(self.state, headers, body, self.request_id).await?;
        let native: ConverseRequest = parse_json(&bytes)?;
        let chat = to_chat_request(native, self.model, stream)?;
        ctx.model_requested.clone_from(&chat.model);
        let mut request = self
            .state
            .bifrost
            .request_with_default(RequestBody::Chat(Box::new(chat)), Some(PROVIDER))?;
        if !speaks_family(self.state, &request.provider, PROVIDER)
            && let RequestBody::Chat(chat) = &mut request.body
        {
            adapt_for_other_provider(chat);
        }
        if stream {
            let stream = super::start_stream(self.state, ctx, request, self.request_id).await?;
            return Ok(stream::stream_response(stream, self.request_id));
        }
        match self.state.bifrost.execute(&mut ctx, request).await? {
            EngineResponse::Chat(chat) => {
                self.served(&ctx);
                Ok(json_answer(
                    &to_converse_response(&chat, self.latency_ms()),
                    self.request_id,
                ))
            }
            _ => Err(BifrostError::internal(
                "unexpected response type for a converse request",
            )),
        }
    }

    /// `invoke` (or `invoke-with-response-stream` when `stream`): an Anthropic Messages body is
    /// translated, any other body is forwarded to a Bedrock provider unchanged.
    async fn invoke(
        &self,
        headers: HeaderMap,
        body: Body,
        stream: bool,
    ) -> Result<Response, BifrostError> {
        let (mut ctx, bytes) = accept(self.state, headers, body, self.request_id).await?;
        let mut value: Value = parse_json(&bytes)?;
        let anthropic_body = value.get("anthropic_version").is_some()
            || (is_anthropic_model(self.model) && value.get("messages").is_some());
        if !anthropic_body {
            return self.invoke_native(ctx, bytes, stream).await;
        }
        if let Some(obj) = value.as_object_mut() {
            obj.remove("anthropic_version");
            obj.insert("model".to_owned(), Value::String(self.model.to_owned()));
        }
        let native: MessagesRequest = serde_json::from_value(value)
            .map_err(|e| BifrostError::invalid_request(format!("invalid request body: {e}")))?;
        let mut chat = anthropic_to_chat_request(native)?;
        chat.stream = stream.then_some(true);
        chat.stream_options = stream.then(|| StreamOptions {
            include_usage: Some(true),
            extra: Default::default(),
        });
        ctx.model_requested.clone_from(&chat.model);
        let mut request = self
            .state
            .bifrost
            .request_with_default(RequestBody::Chat(Box::new(chat)), Some(PROVIDER))?;
        if !speaks_family(self.state, &request.provider, "anthropic")
            && !speaks_family(self.state, &request.provider, PROVIDER)
            && let RequestBody::Chat(chat) = &mut request.body
        {
            adapt_anthropic_for_other_provider(chat);
        }
        if stream {
            let stream = super::start_stream(self.state, ctx, request, self.request_id).await?;
            return Ok(invoke_stream::stream_response(stream, self.request_id));
        }
        match self.state.bifrost.execute(&mut ctx, request).await? {
            EngineResponse::Chat(chat) => {
                self.served(&ctx);
                Ok(json_answer(
                    &to_message(*chat, self.request_id),
                    self.request_id,
                ))
            }
            _ => Err(BifrostError::internal(
                "unexpected response type for an invoke request",
            )),
        }
    }

    /// A model-native `invoke` body, forwarded unchanged to a Bedrock provider (streamed answers
    /// relayed as they come).
    async fn invoke_native(
        &self,
        mut ctx: RequestContext,
        bytes: bytes::Bytes,
        stream: bool,
    ) -> Result<Response, BifrostError> {
        let (provider, model) = match self.model.split_once('/') {
            Some((p, m)) if speaks_family(self.state, p, PROVIDER) && !m.is_empty() => (p, m),
            _ => (PROVIDER, self.model),
        };
        if self.state.bifrost.snapshot().provider(provider).is_none() {
            return Err(BifrostError::invalid_request(format!(
                "invoke with a model-native body needs the Bedrock provider {provider:?}, which is not configured"
            ))
            .with_status(404));
        }
        ctx.model_requested = format!("{provider}/{model}");
        let request = EngineRequest {
            provider: provider.to_owned(),
            model: model.to_owned(),
            fallbacks: Vec::new(),
            body: RequestBody::Passthrough(Box::new(PassthroughRequest {
                method: "POST".to_owned(),
                path: if stream {
                    "/invoke-with-response-stream".to_owned()
                } else {
                    "/invoke".to_owned()
                },
                query: None,
                headers: vec![("content-type".to_owned(), "application/json".to_owned())],
                body: bytes,
                model: model.to_owned(),
                stream,
            })),
        };
        if stream {
            return self.relay_stream(ctx, request).await;
        }
        match self.state.bifrost.execute(&mut ctx, request).await? {
            EngineResponse::Passthrough(r) => {
                self.served(&ctx);
                let mut resp = Response::new(Body::from(r.body));
                *resp.status_mut() = StatusCode::from_u16(r.status).unwrap_or(StatusCode::OK);
                let h = resp.headers_mut();
                for (k, v) in &r.headers {
                    if let (Ok(name), Ok(value)) = (
                        http::HeaderName::from_bytes(k.as_bytes()),
                        HeaderValue::from_str(v),
                    ) {
                        h.insert(name, value);
                    }
                }
                set_request_id(h, self.request_id);
                Ok(resp)
            }
            _ => Err(BifrostError::internal(
                "unexpected response type for an invoke request",
            )),
        }
    }
}

impl Call<'_> {
    /// Relays a streamed passthrough answer: its head, then its bytes.
    async fn relay_stream(
        &self,
        ctx: RequestContext,
        request: EngineRequest,
    ) -> Result<Response, BifrostError> {
        let mut s = self.state.bifrost.execute_stream(ctx, request).await?;
        let head = match s.next().await {
            Some(Ok(StreamChunk::RawHead(h))) => h,
            Some(Err(e)) => return Err(e),
            _ => {
                return Err(BifrostError::internal(
                    "passthrough stream did not start with its head",
                ));
            }
        };
        let body = s.filter_map(|item| async move {
            match item {
                Ok(StreamChunk::Raw(b)) => Some(Ok::<bytes::Bytes, std::io::Error>(b)),
                Ok(_) => None,
                Err(e) => Some(Err(std::io::Error::other(e.to_string()))),
            }
        });
        let mut resp = Response::new(Body::from_stream(body));
        *resp.status_mut() = StatusCode::from_u16(head.status).unwrap_or(StatusCode::OK);
        let h = resp.headers_mut();
        for (k, v) in &head.headers {
            if let (Ok(name), Ok(value)) = (
                http::HeaderName::from_bytes(k.as_bytes()),
                HeaderValue::from_str(v),
            ) {
                h.insert(name, value);
            }
        }
        set_request_id(h, self.request_id);
        Ok(resp)
    }
}

/// The `/bedrock` routes (to be nested under `/bedrock`).
pub fn router() -> Router<Arc<AppState>> {
    Router::new().route("/model/{model_id}/{operation}", post(model_operation))
}
