//! Errors in Google's shape: `{"error":{"code":N,"message":"...","status":"INVALID_ARGUMENT"}}`
//! with the error's own HTTP status, as the Google GenAI SDKs expect them (they raise
//! `ClientError` for 4xx and `ServerError` for 5xx from `code`, `message` and `status`).

use serde::Serialize;
use serde_json::{Value, json};

use crate::error::BifrostError;

/// Canonical `google.rpc.Code` names kept as they are when an upstream Google API sent them.
const CANONICAL: &[&str] = &[
    "CANCELLED",
    "UNKNOWN",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
    "UNAUTHENTICATED",
];

/// Google's status name for an HTTP status: 400 (and other 4xx) `INVALID_ARGUMENT`, 401
/// `UNAUTHENTICATED`, 403 `PERMISSION_DENIED`, 404 `NOT_FOUND`, 409 `ABORTED`, 429
/// `RESOURCE_EXHAUSTED`, 499 `CANCELLED`, 501 `UNIMPLEMENTED`, 502 / 503 `UNAVAILABLE`, 504
/// `DEADLINE_EXCEEDED`, other 5xx `INTERNAL`.
pub fn status_name(status: u16) -> &'static str {
    match status {
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        409 => "ABORTED",
        429 => "RESOURCE_EXHAUSTED",
        499 => "CANCELLED",
        501 => "UNIMPLEMENTED",
        502 | 503 => "UNAVAILABLE",
        504 => "DEADLINE_EXCEEDED",
        500..=599 => "INTERNAL",
        _ => "INVALID_ARGUMENT",
    }
}

/// The `error` object.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorBody<'a> {
    /// HTTP status.
    pub code: u16,
    /// Human-readable message.
    pub message: &'a str,
    /// Canonical status name.
    pub status: &'a str,
    /// `ErrorInfo` / `RetryInfo` details, when known.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<Value>,
}

/// The envelope: `{"error": {...}}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Envelope<'a> {
    /// The error.
    pub error: ErrorBody<'a>,
}

/// The envelope of `err`. The status name is the upstream's own when a Google API sent one,
/// else the one of the HTTP status ([`status_name`]). An upstream Google error's
/// `ErrorInfo.reason` and any retry hint come back as `details`.
pub fn envelope(err: &BifrostError) -> Envelope<'_> {
    let code = err.status();
    let upstream_status = err.error_type().filter(|t| CANONICAL.contains(t));
    let mut details = Vec::new();
    if upstream_status.is_some()
        && let Some(reason) = err.code()
    {
        details.push(json!({
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": reason,
            "domain": "googleapis.com",
        }));
    }
    if let Some(after) = err.retry_after() {
        details.push(json!({
            "@type": "type.googleapis.com/google.rpc.RetryInfo",
            "retryDelay": format!("{}s", after.as_secs_f64()),
        }));
    }
    Envelope {
        error: ErrorBody {
            code,
            message: err.message(),
            status: upstream_status.unwrap_or_else(|| status_name(code)),
            details,
        },
    }
}

/// The JSON body of `err`.
pub fn to_json(err: &BifrostError) -> Vec<u8> {
    serde_json::to_vec(&envelope(err)).unwrap_or_else(|_| {
        br#"{"error":{"code":500,"message":"internal error","status":"INTERNAL"}}"#.to_vec()
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::error::{ErrorDetail, ErrorKind};

    #[test]
    fn statuses_follow_the_http_status() {
        for (status, name) in [
            (400, "INVALID_ARGUMENT"),
            (401, "UNAUTHENTICATED"),
            (403, "PERMISSION_DENIED"),
            (404, "NOT_FOUND"),
            (413, "INVALID_ARGUMENT"),
            (429, "RESOURCE_EXHAUSTED"),
            (500, "INTERNAL"),
            (502, "UNAVAILABLE"),
            (503, "UNAVAILABLE"),
            (504, "DEADLINE_EXCEEDED"),
        ] {
            assert_eq!(status_name(status), name, "{status}");
        }
        let err = BifrostError::new(ErrorKind::InvalidRequest, "bad");
        let body: Value = serde_json::from_slice(&to_json(&err)).unwrap();
        assert_eq!(
            body,
            json!({"error": {"code": 400, "message": "bad", "status": "INVALID_ARGUMENT"}})
        );
    }

    #[test]
    fn upstream_google_statuses_and_reasons_are_kept() {
        let err = BifrostError::upstream(
            400,
            ErrorDetail {
                kind: Some("FAILED_PRECONDITION".into()),
                code: Some("API_KEY_INVALID".into()),
                message: "nope".into(),
                ..ErrorDetail::default()
            },
        )
        .with_retry_after(Some(Duration::from_millis(1500)));
        let body: Value = serde_json::from_slice(&to_json(&err)).unwrap();
        assert_eq!(body["error"]["status"], "FAILED_PRECONDITION");
        assert_eq!(body["error"]["details"][0]["reason"], "API_KEY_INVALID");
        assert_eq!(body["error"]["details"][1]["retryDelay"], "1.5s");
        // An OpenAI-style type is not a Google status.
        let err = BifrostError::upstream(
            429,
            ErrorDetail {
                kind: Some("rate_limit_exceeded".into()),
                message: "slow down".into(),
                ..ErrorDetail::default()
            },
        );
        assert_eq!(envelope(&err).error.status, "RESOURCE_EXHAUSTED");
    }
}
