//! Google's error envelope: `{"error":{"code":400,"message":"...","status":"INVALID_ARGUMENT",
//! "details":[...]}}`, with the canonical status name for each HTTP status.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

pub(crate) use crate::error::Rejection;

/// The canonical `google.rpc.Code` name Google APIs pair with an HTTP status.
pub(crate) fn status_name(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "INVALID_ARGUMENT",
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        409 => "ABORTED",
        412 => "FAILED_PRECONDITION",
        429 => "RESOURCE_EXHAUSTED",
        499 => "CANCELLED",
        500 => "INTERNAL",
        501 => "NOT_IMPLEMENTED",
        503 => "UNAVAILABLE",
        504 => "DEADLINE_EXCEEDED",
        s if (400..500).contains(&s) => "FAILED_PRECONDITION",
        _ => "UNKNOWN",
    }
}

/// A JSON response with Google's content type.
pub(crate) fn json_response(status: StatusCode, body: Vec<u8>) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=UTF-8"),
        )],
        body,
    )
        .into_response()
}

/// The error body as JSON.
pub(crate) fn error_value(status: StatusCode, message: &str, details: Option<Value>) -> Value {
    let mut error = json!({
        "code": status.as_u16(),
        "message": message,
        "status": status_name(status),
    });
    if let (Some(details), Some(obj)) = (details, error.as_object_mut()) {
        obj.insert("details".to_owned(), details);
    }
    json!({ "error": error })
}

/// A Google error response.
pub(crate) fn google_error(status: StatusCode, message: &str, details: Option<Value>) -> Response {
    let body = serde_json::to_vec(&error_value(status, message, details)).unwrap_or_default();
    json_response(status, body)
}

/// `400 INVALID_ARGUMENT` with `message`.
pub(crate) fn invalid_argument(message: &str) -> Response {
    google_error(StatusCode::BAD_REQUEST, message, None)
}

/// [`invalid_argument`] as a rejection.
pub(crate) fn bad(message: &str) -> Rejection {
    Box::new(invalid_argument(message))
}

/// The messages Google sends for common statuses (used by `error-<status>` and `flaky-*`).
fn injected_message(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "Request contains an invalid argument.",
        401 => "Request had invalid authentication credentials.",
        403 => "The caller does not have permission",
        404 => "Requested entity was not found.",
        429 => "Resource has been exhausted (e.g. check quota).",
        500 => {
            "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting"
        }
        503 => "The model is overloaded. Please try again later.",
        504 => "Deadline expired before operation could complete.",
        _ => "mock upstream error",
    }
}

/// The injected error of `error-<status>` / `flaky-*` models; 429 carries a `RetryInfo`.
pub(crate) fn injected(status: StatusCode) -> Response {
    let details = (status == StatusCode::TOO_MANY_REQUESTS).then(|| {
        json!([{
            "@type": "type.googleapis.com/google.rpc.RetryInfo",
            "retryDelay": "1s"
        }])
    });
    google_error(status, injected_message(status), details)
}

/// The error event a `stream-error` stream ends with.
pub(crate) fn mid_stream_error() -> Value {
    error_value(
        StatusCode::INTERNAL_SERVER_ERROR,
        injected_message(StatusCode::INTERNAL_SERVER_ERROR),
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_names_follow_google_rpc_codes() {
        assert_eq!(status_name(StatusCode::BAD_REQUEST), "INVALID_ARGUMENT");
        assert_eq!(
            status_name(StatusCode::TOO_MANY_REQUESTS),
            "RESOURCE_EXHAUSTED"
        );
        assert_eq!(status_name(StatusCode::SERVICE_UNAVAILABLE), "UNAVAILABLE");
        let v = error_value(StatusCode::NOT_FOUND, "gone", None);
        assert_eq!(v["error"]["code"], 404);
        assert_eq!(v["error"]["status"], "NOT_FOUND");
    }
}
