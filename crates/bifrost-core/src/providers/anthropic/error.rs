//! Anthropic error bodies (`{"type":"error","error":{"type":..,"message":..},"request_id":..}`)
//! -> [`BifrostError`]s that keep the upstream's status, type and message.

use bytes::Bytes;

use super::types::{ErrorBody, ErrorEnvelope};
use crate::error::{BifrostError, ErrorDetail};
use crate::providers::openai::error as openai_error;

/// The HTTP status Anthropic documents for an error type (used for errors sent mid-stream,
/// which arrive after a 200).
pub fn status_for_type(kind: &str) -> u16 {
    match kind {
        "invalid_request_error" => 400,
        "authentication_error" => 401,
        "billing_error" => 402,
        "permission_error" => 403,
        "not_found_error" => 404,
        "request_too_large" => 413,
        "rate_limit_error" => 429,
        "api_error" => 500,
        "timeout_error" => 504,
        "overloaded_error" => 529,
        _ => 502,
    }
}

fn detail(body: &ErrorBody) -> ErrorDetail {
    ErrorDetail {
        kind: Some(body.kind.clone()).filter(|k| !k.is_empty()),
        message: body.message.clone(),
        ..ErrorDetail::default()
    }
}

/// The error for an upstream error status. Anthropic's envelope first; other shapes (a proxy's
/// OpenAI-style body, HTML, plain text) are described as precisely as the OpenAI family does.
pub fn parse_error_body(
    provider: &str,
    status: u16,
    content_type: Option<&str>,
    body: &Bytes,
) -> BifrostError {
    match crate::schemas::from_json_slice::<ErrorEnvelope>(body) {
        Ok(env) if env.kind == "error" => {
            BifrostError::upstream(status, detail(&env.error)).with_upstream_body(body.clone())
        }
        _ => openai_error::parse_error_body(provider, status, content_type, body),
    }
}

/// The error for an `error` event inside a stream; its status follows the error type
/// (`overloaded_error` -> 529).
pub fn stream_error(body: &ErrorBody, raw: &str) -> BifrostError {
    BifrostError::upstream(status_for_type(&body.kind), detail(body))
        .with_upstream_body(Bytes::copy_from_slice(raw.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_anthropic_envelope() {
        let body = Bytes::from_static(
            br#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_1"}"#,
        );
        let e = parse_error_body("anthropic", 529, Some("application/json"), &body);
        assert_eq!(e.status(), 529);
        assert!(!e.is_bifrost_error());
        assert_eq!(e.error_type(), Some("overloaded_error"));
        assert_eq!(e.message(), "Overloaded");
        let e = parse_error_body(
            "anthropic",
            502,
            Some("text/html"),
            &Bytes::from_static(b"<html>bad gateway</html>"),
        );
        assert!(e.message().contains("HTML"), "{}", e.message());
    }

    #[test]
    fn stream_errors_get_the_documented_status() {
        assert_eq!(status_for_type("overloaded_error"), 529);
        assert_eq!(status_for_type("rate_limit_error"), 429);
        assert_eq!(status_for_type("something_new"), 502);
    }
}
