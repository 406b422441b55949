//! OpenAI-shaped error responses.
//!
//! Every error the mock returns uses the documented OpenAI envelope:
//! `{"error":{"message":..,"type":..,"param":..,"code":..}}`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// The inner `error` object of an OpenAI error body.
#[derive(Debug, Serialize)]
pub(crate) struct ErrorObject<'a> {
    pub message: &'a str,
    #[serde(rename = "type")]
    pub kind: &'a str,
    pub param: Option<&'a str>,
    pub code: Option<&'a str>,
}

#[derive(Serialize)]
struct Envelope<'a> {
    error: ErrorObject<'a>,
}

/// Serializes `{"error": obj}` to bytes.
pub(crate) fn error_body(obj: ErrorObject<'_>) -> Vec<u8> {
    // Serializing plain strings and options into a Vec cannot fail; fall back
    // to a static body just in case rather than panicking.
    serde_json::to_vec(&Envelope { error: obj }).unwrap_or_else(|_| {
        br#"{"error":{"message":"mock upstream serialization failure","type":"server_error","param":null,"code":null}}"#
            .to_vec()
    })
}

/// Builds an OpenAI-shaped JSON error response.
pub(crate) fn error_response(status: StatusCode, obj: ErrorObject<'_>) -> Response {
    let mut resp = (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        error_body(obj),
    )
        .into_response();
    if status == StatusCode::TOO_MANY_REQUESTS {
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    resp
}

/// A rejected request: a boxed error response (boxed to keep `Result`s small).
pub(crate) type Rejection = Box<Response>;

/// A `400 invalid_request_error` with an optional `param`.
pub(crate) fn bad_request(message: &str, param: Option<&str>, code: Option<&str>) -> Rejection {
    Box::new(error_response(
        StatusCode::BAD_REQUEST,
        ErrorObject {
            message,
            kind: "invalid_request_error",
            param,
            code,
        },
    ))
}

/// The 400 OpenAI returns when the body is not valid JSON.
pub(crate) fn invalid_json(detail: &str) -> Rejection {
    let message = format!(
        "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.) Detail: {detail}"
    );
    bad_request(&message, None, None)
}

/// The 400 OpenAI returns for a missing required parameter.
pub(crate) fn missing_param(param: &str) -> Rejection {
    let message = format!("Missing required parameter: '{param}'.");
    bad_request(&message, Some(param), Some("missing_required_parameter"))
}

/// The 404 OpenAI returns for an unknown route.
pub(crate) fn invalid_url(method: &str, path: &str) -> Response {
    let message = format!("Invalid URL ({method} {path})");
    error_response(
        StatusCode::NOT_FOUND,
        ErrorObject {
            message: &message,
            kind: "invalid_request_error",
            param: None,
            code: None,
        },
    )
}

/// A 500 used when the mock itself fails (should never happen).
pub(crate) fn internal(message: &str) -> Response {
    error_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        ErrorObject {
            message,
            kind: "server_error",
            param: None,
            code: None,
        },
    )
}

/// The generic injected error for `error-<status>` / `flaky-*` models.
pub(crate) fn injected(status: StatusCode) -> Response {
    let message = format!("mock upstream error {}", status.as_u16());
    if status == StatusCode::TOO_MANY_REQUESTS {
        return error_response(
            status,
            ErrorObject {
                message: &message,
                kind: "requests",
                param: None,
                code: Some("rate_limit_exceeded"),
            },
        );
    }
    let kind = if status.is_server_error() {
        "server_error"
    } else {
        "invalid_request_error"
    };
    error_response(
        status,
        ErrorObject {
            message: &message,
            kind,
            param: None,
            code: None,
        },
    )
}
