//! A faithful mock of Anthropic's Messages API, served by the same server as the OpenAI mock.
//!
//! # Endpoints
//! * `POST /v1/messages` (non-stream and SSE with every event type: `message_start`, `ping`,
//!   `content_block_start` / `_delta` (`text_delta`, `input_json_delta`, `thinking_delta`,
//!   `signature_delta`) / `_stop`, `message_delta`, `message_stop`, and `error` events),
//! * `POST /v1/messages/count_tokens`,
//! * `GET /v1/models`, `GET /v1/models/{id}`: Anthropic's listing when the request carries
//!   `x-api-key` or `anthropic-version` (OpenAI's otherwise).
//!
//! # Auth and headers
//! `x-api-key` (or an OAuth `Authorization: Bearer` token) is required; a missing key or one
//! starting with `bad` / `invalid` gets Anthropic's 401 `authentication_error` "invalid
//! x-api-key". Other prefixes: `ratelimited` -> 429 `rate_limit_error` (+ `retry-after`),
//! `forbidden` -> 403 `permission_error`, `noquota` / `payment` -> 402 `billing_error`.
//! `anthropic-version` is required (400 otherwise).
//!
//! # Faults
//! The same model names as the OpenAI mock: `error-<status>` (Anthropic's error type for the
//! status, `error-529` is `overloaded_error`), `flaky-<N>[-<status>]`, `slow-<ms>`,
//! `slow-stream-<ms>`, `truncated`, `stream-error` (an `event: error` `overloaded_error` after
//! the first delta), `garbage`, `html`, `empty`.
//!
//! Answers are deterministic: text is `"Echo: " + <last user text>`, tokens are words (see the
//! `messages` module for every rule).

mod error;
mod messages;
pub mod models;
mod request;
mod sse;

use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::faults::{self, Fault, StreamMode};
use crate::server::Shared;

/// The API path without an optional `/v1` prefix.
fn rest(path: &str) -> &str {
    path.strip_prefix("/v1")
        .filter(|r| r.starts_with('/'))
        .unwrap_or(path)
}

/// True when the request is for the Anthropic mock.
pub(crate) fn is_anthropic(parts: &Parts) -> bool {
    let rest = rest(parts.uri.path());
    if rest == "/messages" || rest == "/messages/count_tokens" {
        return true;
    }
    let models = rest == "/models" || rest.starts_with("/models/");
    let headers = &parts.headers;
    parts.method == Method::GET
        && models
        && (headers.contains_key("x-api-key") || headers.contains_key("anthropic-version"))
}

fn json_response(value: &Value) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        value.to_string(),
    )
        .into_response()
}

fn check_auth(headers: &HeaderMap, id: u64) -> Option<Response> {
    let key = headers
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .or_else(|| {
            headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::trim)
        })
        .unwrap_or_default();
    let fail = |status: StatusCode, kind: &str, message: &str| {
        Some(error::response(status, kind, message, id))
    };
    if key.is_empty() || key.starts_with("bad") || key.starts_with("invalid") {
        return fail(
            StatusCode::UNAUTHORIZED,
            "authentication_error",
            "invalid x-api-key",
        );
    }
    if key.starts_with("ratelimited") {
        return fail(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limit_error",
            "Number of requests has exceeded your per-minute rate limit",
        );
    }
    if key.starts_with("forbidden") {
        return fail(
            StatusCode::FORBIDDEN,
            "permission_error",
            "Your API key does not have permission to use the specified resource.",
        );
    }
    if key.starts_with("noquota") || key.starts_with("payment") {
        return fail(
            StatusCode::PAYMENT_REQUIRED,
            "billing_error",
            "Your credit balance is too low to access the Anthropic API.",
        );
    }
    if !headers.contains_key("anthropic-version") {
        return Some(error::invalid("anthropic-version: header is required", id));
    }
    None
}

/// Serves an Anthropic request (already recorded by the caller).
pub(crate) async fn handle(shared: &Shared, parts: &Parts, body: &[u8], id: u64) -> Response {
    if let Some(rejection) = check_auth(&parts.headers, id) {
        return rejection;
    }
    let path = rest(parts.uri.path());
    match (&parts.method, path) {
        (&Method::POST, "/messages") => messages(shared, body, id, false).await,
        (&Method::POST, "/messages/count_tokens") => messages(shared, body, id, true).await,
        (&Method::GET, "/models") => {
            let query = parts.uri.query();
            let fault_name = query
                .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("fault=")))
                .unwrap_or_default();
            let fault = Fault::parse(fault_name);
            match apply_fault(shared, fault, fault_name, id).await {
                Some(resp) => resp,
                None => json_response(&models::list(query)),
            }
        }
        (&Method::GET, p) => match p.strip_prefix("/models/").and_then(models::retrieve) {
            Some(m) => json_response(&m),
            None => error::response(
                StatusCode::NOT_FOUND,
                "not_found_error",
                &format!("model: {}", p.trim_start_matches("/models/")),
                id,
            ),
        },
        _ => error::response(StatusCode::NOT_FOUND, "not_found_error", "Not Found", id),
    }
}

/// The response a fault replaces the answer with, if any (waits for `slow-*`).
async fn apply_fault(shared: &Shared, fault: Fault, key: &str, id: u64) -> Option<Response> {
    match fault {
        Fault::Error(status) => Some(error::injected(status, id)),
        Fault::Flaky { count, status } => shared
            .flaky_should_fail(key, count)
            .then(|| error::injected(status, id)),
        Fault::Slow(delay) => {
            tokio::time::sleep(delay).await;
            None
        }
        Fault::Garbage => Some(faults::garbage()),
        Fault::Html => Some(faults::html()),
        Fault::Empty => Some(faults::empty()),
        Fault::None | Fault::SlowStream(_) | Fault::Truncated | Fault::StreamError => None,
    }
}

/// Answers a Messages API body (`count_only`: a `count_tokens` body); also serves Vertex AI's
/// Anthropic endpoints.
pub(crate) async fn messages(shared: &Shared, body: &[u8], id: u64, count_only: bool) -> Response {
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => return error::invalid(&format!("There was an error parsing the body: {e}"), id),
    };
    let model = value
        .get("model")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let fault = Fault::parse(model);
    if let Some(resp) = apply_fault(shared, fault, model, id).await {
        return resp;
    }
    let conversation = match request::parse(&value, count_only) {
        Ok(c) => c,
        Err(message) => return error::invalid(&message, id),
    };
    if count_only {
        return json_response(&json!({"input_tokens": conversation.prompt.total.max(1)}));
    }
    let answer = messages::answer(&conversation);
    if conversation.stream {
        return sse::deliver(
            answer.events(id, &conversation.model),
            StreamMode::from_fault(fault),
        );
    }
    let body = answer
        .message(id, &conversation.model)
        .to_string()
        .into_bytes();
    if fault == Fault::Truncated {
        return faults::truncated_json(body);
    }
    json_response_bytes(body)
}

fn json_response_bytes(body: Vec<u8>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}
