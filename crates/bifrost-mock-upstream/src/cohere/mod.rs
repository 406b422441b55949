//! Cohere API v2: `POST /v2/chat` (JSON or server-sent events), `POST /v2/embed`,
//! `POST /v2/rerank`, and `GET /v1/models`; every path is also served under `/cohere`
//! (`/cohere/v1/models` is the way to reach the model list, since `/v1/models` is OpenAI's).
//!
//! `Authorization: Bearer <key>` is required: none -> 401 `no api key supplied`, a key starting
//! with `bad` / `invalid` -> 401 `invalid api token` (Cohere's `{"id", "message"}` body). The
//! body's `model` selects faults like the OpenAI mock's model names.

pub mod chat;
pub mod embed;

use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::faults::{self, Fault};
use crate::server::Shared;

/// A Cohere error response (`{"id": ..., "message": ...}`).
pub(crate) fn error(status: StatusCode, message: &str, id: u64) -> Response {
    let mut resp = (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        json!({ "id": format!("mock-error-{id}"), "message": message }).to_string(),
    )
        .into_response();
    if status == StatusCode::TOO_MANY_REQUESTS {
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    resp
}

fn injected(status: StatusCode, id: u64) -> Response {
    let message = match status.as_u16() {
        429 => "You are using a Trial key, which is limited to 10 API calls / minute. You can continue to use the Trial key for free or upgrade to a Production key with higher rate limits at 'https://dashboard.cohere.com/api-keys'. Contact us on 'https://discord.gg/XW44jPfYJu' or email us at support@cohere.com with any questions".to_owned(),
        500 => format!("internal server error, this has been reported to our developers. id mock-error-{id}"),
        s => format!("mock upstream error {s}"),
    };
    error(status, &message, id)
}

/// `Some(response)` rejects the request.
fn check_key(parts: &Parts, id: u64) -> Option<Response> {
    let auth = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    match auth {
        None | Some("") => Some(error(StatusCode::UNAUTHORIZED, "no api key supplied", id)),
        Some(k) if k.starts_with("bad") || k.starts_with("invalid") => {
            Some(error(StatusCode::UNAUTHORIZED, "invalid api token", id))
        }
        Some(_) => None,
    }
}

pub(crate) fn json_response(body: &Value) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body.to_string(),
    )
        .into_response()
}

/// Answers a Cohere request; `path` is the path without the optional `/cohere` prefix.
pub(crate) async fn handle(
    shared: &Shared,
    parts: &Parts,
    path: &str,
    body: &[u8],
    id: u64,
) -> Response {
    if let Some(resp) = check_key(parts, id) {
        return resp;
    }
    if parts.method == Method::GET && path == "/v1/models" {
        return json_response(&embed::models());
    }
    if parts.method != Method::POST || !matches!(path, "/v2/chat" | "/v2/embed" | "/v2/rerank") {
        return error(
            StatusCode::NOT_FOUND,
            &format!("{} {path} not found", parts.method),
            id,
        );
    }
    let Ok(req) = serde_json::from_slice::<Value>(body) else {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid request: the body is not valid JSON",
            id,
        );
    };
    let Some(model) = req.get("model").and_then(Value::as_str) else {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid request: model must be specified",
            id,
        );
    };
    let fault = Fault::parse(model);
    if let Some(resp) = crate::native::pre_faults(shared, fault, model, |s| injected(s, id)).await {
        return resp;
    }
    let result = match path {
        "/v2/chat" => return chat::chat(&req, id, fault),
        "/v2/embed" => embed::embed(&req, id),
        _ => embed::rerank(&req, id),
    };
    match result {
        Ok(body) if fault == Fault::Truncated => {
            faults::truncated_json(body.to_string().into_bytes())
        }
        Ok(body) => json_response(&body),
        Err(message) => error(StatusCode::BAD_REQUEST, &message, id),
    }
}
