//! Bedrock errors: HTTP error bodies (`{"message": ...}` with the exception name in the
//! `x-amzn-errortype` header) and exceptions inside an event stream (`:message-type: exception`).
//!
//! The exception name becomes the error `type`. The upstream status is kept, except that a
//! `ThrottlingException` is always 429 (AWS documents it as 400 on some pages), so that the
//! engine moves to another key and retries.

use bytes::Bytes;
use http::HeaderMap;

use super::types::ErrorBody;
use crate::error::{BifrostError, ErrorDetail};
use crate::providers::common::upstream_error::unparsed_status_error;

/// The exception name from `x-amzn-errortype` (`ValidationException:http://...` -> the name).
pub fn error_type_header(headers: &HeaderMap) -> Option<String> {
    let raw = headers.get("x-amzn-errortype")?.to_str().ok()?;
    let name = raw.split([':', '#']).next().unwrap_or_default().trim();
    (!name.is_empty()).then(|| name.to_owned())
}

fn upstream_status(exception: Option<&str>, status: u16) -> u16 {
    match exception {
        Some("ThrottlingException" | "throttlingException") => 429,
        _ => status,
    }
}

/// Builds the error for a non-success HTTP answer.
pub fn parse_error(provider: &str, status: u16, headers: &HeaderMap, body: &Bytes) -> BifrostError {
    let parsed = crate::schemas::from_json_slice::<ErrorBody>(body).ok();
    let message = parsed
        .as_ref()
        .and_then(|b| b.message.clone().or_else(|| b.message_upper.clone()));
    let exception = error_type_header(headers).or_else(|| {
        parsed
            .as_ref()
            .and_then(|b| b.kind.as_deref())
            .map(|k| k.rsplit('#').next().unwrap_or(k).to_owned())
    });
    let Some(message) = message else {
        let content_type = headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok());
        return unparsed_status_error(provider, status, content_type, body);
    };
    BifrostError::upstream(
        upstream_status(exception.as_deref(), status),
        ErrorDetail {
            kind: exception,
            message,
            ..ErrorDetail::default()
        },
    )
    .with_upstream_body(body.clone())
}

/// The HTTP status AWS documents for an event-stream exception member.
fn exception_status(exception: &str) -> u16 {
    match exception {
        "throttlingException" => 429,
        "validationException" => 400,
        "modelStreamErrorException" => 424,
        "modelTimeoutException" => 408,
        "serviceUnavailableException" => 503,
        "accessDeniedException" => 403,
        "resourceNotFoundException" => 404,
        _ => 500,
    }
}

/// Builds the error for an exception message inside a ConverseStream.
pub fn stream_exception(exception: &str, payload: &[u8]) -> BifrostError {
    let message = crate::schemas::from_json_slice::<ErrorBody>(payload)
        .ok()
        .and_then(|b| b.message.or(b.message_upper))
        .unwrap_or_else(|| String::from_utf8_lossy(payload).into_owned());
    BifrostError::upstream(
        exception_status(exception),
        ErrorDetail {
            kind: Some(exception.to_owned()),
            message,
            ..ErrorDetail::default()
        },
    )
    .with_upstream_body(Bytes::copy_from_slice(payload))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(errortype: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-amzn-errortype", errortype.parse().unwrap());
        h
    }

    #[test]
    fn reads_message_and_exception_name() {
        let e = parse_error(
            "bedrock",
            400,
            &headers("ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/"),
            &Bytes::from_static(br#"{"message":"The provided model identifier is invalid."}"#),
        );
        assert_eq!(e.status(), 400);
        assert_eq!(e.error_type(), Some("ValidationException"));
        assert_eq!(e.message(), "The provided model identifier is invalid.");
        assert!(!e.is_bifrost_error());
        let e = parse_error(
            "bedrock",
            400,
            &headers("ThrottlingException"),
            &Bytes::from_static(
                br#"{"Message":"Too many requests, please wait before trying again."}"#,
            ),
        );
        assert_eq!(e.status(), 429, "throttling is always retryable");
        assert_eq!(
            e.message(),
            "Too many requests, please wait before trying again."
        );
        let e = parse_error(
            "bedrock",
            502,
            &HeaderMap::new(),
            &Bytes::from_static(b"<html>"),
        );
        assert!(e.message().contains("HTML"), "{}", e.message());
    }

    #[test]
    fn stream_exceptions_keep_their_type() {
        let e = stream_exception("throttlingException", br#"{"message":"slow down"}"#);
        assert_eq!(e.status(), 429);
        assert_eq!(e.error_type(), Some("throttlingException"));
        assert_eq!(e.message(), "slow down");
        assert_eq!(
            stream_exception("modelStreamErrorException", b"{}").status(),
            424
        );
    }
}
