//! Google API errors: `{"error":{"code":400,"message":"...","status":"INVALID_ARGUMENT",
//! "details":[...]}}`, also sent as a one-element array by streaming endpoints.
//!
//! The caller sees the upstream's status, its message, `type` = the canonical status name
//! (`INVALID_ARGUMENT`, `RESOURCE_EXHAUSTED`, ...) and `code` = the `ErrorInfo.reason` when the
//! details carry one (`API_KEY_INVALID`, ...). A `RetryInfo.retryDelay` becomes the retry hint.

use std::time::Duration;

use bytes::Bytes;

use super::types::{GoogleError, GoogleErrorEnvelope};
use crate::error::{BifrostError, ErrorDetail};
use crate::providers::common::upstream_error::unparsed_status_error;

/// Reads Google's error object from a body (object or one-element array form).
pub fn parse_google_error(body: &[u8]) -> Option<GoogleError> {
    let first = body.iter().find(|b| !b.is_ascii_whitespace())?;
    let err = if *first == b'[' {
        crate::schemas::from_json_slice::<Vec<GoogleErrorEnvelope>>(body)
            .ok()?
            .into_iter()
            .next()?
            .error
    } else {
        crate::schemas::from_json_slice::<GoogleErrorEnvelope>(body)
            .ok()?
            .error
    };
    // `{"error": {}}` or an unrelated object named `error` is not Google's error.
    (!err.message.is_empty() || err.status.is_some()).then_some(err)
}

/// The `reason` of the first `google.rpc.ErrorInfo` detail.
fn error_info_reason(err: &GoogleError) -> Option<String> {
    err.details.iter().flatten().find_map(|d| {
        let is_info = d
            .get("@type")
            .and_then(|t| t.as_str())
            .is_some_and(|t| t.ends_with("google.rpc.ErrorInfo"));
        if is_info {
            d.get("reason").and_then(|r| r.as_str()).map(str::to_owned)
        } else {
            None
        }
    })
}

/// The `retryDelay` of the first `google.rpc.RetryInfo` detail (`"1s"`, `"0.5s"`).
pub fn retry_delay(err: &GoogleError) -> Option<Duration> {
    err.details.iter().flatten().find_map(|d| {
        let delay = d.get("retryDelay")?.as_str()?;
        let secs: f64 = delay.strip_suffix('s')?.parse().ok()?;
        (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs))
    })
}

/// Builds the caller-facing error from a Google error object and the HTTP status.
pub fn google_error(status: u16, err: &GoogleError) -> BifrostError {
    let status = if status == 200 {
        err.code.filter(|c| *c >= 400).unwrap_or(502)
    } else {
        status
    };
    BifrostError::upstream(
        status,
        ErrorDetail {
            kind: err.status.clone(),
            code: error_info_reason(err),
            message: err.message.clone(),
            ..ErrorDetail::default()
        },
    )
    .with_retry_after(retry_delay(err))
}

/// Builds the error for a non-success status: Google's error object when the body is one, a
/// precise description of the body otherwise.
pub fn parse_error_body(
    provider: &str,
    status: u16,
    content_type: Option<&str>,
    body: &Bytes,
) -> BifrostError {
    match parse_google_error(body) {
        Some(err) => google_error(status, &err).with_upstream_body(body.clone()),
        None => unparsed_status_error(provider, status, content_type, body),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_google_errors_with_reason_and_retry_delay() {
        let body = Bytes::from_static(
            br#"{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID","domain":"googleapis.com"}]}}"#,
        );
        let e = parse_error_body("gemini", 400, Some("application/json"), &body);
        assert_eq!(e.status(), 400);
        assert!(!e.is_bifrost_error());
        assert_eq!(e.error_type(), Some("INVALID_ARGUMENT"));
        assert_eq!(e.code(), Some("API_KEY_INVALID"));
        assert_eq!(
            e.message(),
            "API key not valid. Please pass a valid API key."
        );

        let body = Bytes::from_static(
            br#"[{"error":{"code":429,"message":"Resource has been exhausted (e.g. check quota).","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"1.5s"}]}}]"#,
        );
        let e = parse_error_body("vertex", 429, None, &body);
        assert_eq!(e.error_type(), Some("RESOURCE_EXHAUSTED"));
        assert_eq!(e.retry_after(), Some(Duration::from_millis(1500)));

        let e = parse_error_body(
            "gemini",
            502,
            Some("text/html"),
            &Bytes::from_static(b"<html>"),
        );
        assert!(e.message().contains("HTML page"));
    }
}
