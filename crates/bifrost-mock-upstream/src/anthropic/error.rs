//! Anthropic-shaped error responses:
//! `{"type":"error","error":{"type":..,"message":..},"request_id":..}`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// The error type Anthropic documents for a status.
pub(crate) fn type_for_status(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "invalid_request_error",
        401 => "authentication_error",
        402 => "billing_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        504 => "timeout_error",
        529 => "overloaded_error",
        s if s >= 500 => "api_error",
        _ => "invalid_request_error",
    }
}

/// The JSON body of an error.
pub(crate) fn body(kind: &str, message: &str, request_id: u64) -> Vec<u8> {
    json!({
        "type": "error",
        "error": {"type": kind, "message": message},
        "request_id": format!("req_mock_{request_id}"),
    })
    .to_string()
    .into_bytes()
}

/// An error response; a 429 carries `retry-after: 1`.
pub(crate) fn response(status: StatusCode, kind: &str, message: &str, request_id: u64) -> Response {
    let mut resp = (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body(kind, message, request_id),
    )
        .into_response();
    if status == StatusCode::TOO_MANY_REQUESTS {
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    resp
}

/// A 400 `invalid_request_error`.
pub(crate) fn invalid(message: &str, request_id: u64) -> Response {
    response(
        StatusCode::BAD_REQUEST,
        "invalid_request_error",
        message,
        request_id,
    )
}

/// The error for `error-<status>` and `flaky-*` models, with Anthropic's usual messages.
pub(crate) fn injected(status: StatusCode, request_id: u64) -> Response {
    let kind = type_for_status(status);
    let message = match kind {
        "overloaded_error" => "Overloaded".to_owned(),
        "rate_limit_error" => {
            "Number of request tokens has exceeded your per-minute rate limit".to_owned()
        }
        "api_error" => "Internal server error".to_owned(),
        _ => format!("mock upstream error {}", status.as_u16()),
    };
    response(status, kind, &message, request_id)
}
