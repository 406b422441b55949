//! OpenAI-style error bodies: `{"error":{"message","type","param","code"}}`, plus the variants
//! OpenAI-compatible servers send (`{"error":"text"}`, `{"message":...}`, `{"detail":...}`).

use bytes::Bytes;
use serde::Deserialize;

use crate::error::{BifrostError, ErrorDetail};
use crate::providers::common::upstream_error::unparsed_status_error;

#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    error: Option<serde_json::Value>,
    #[serde(default)]
    message: Option<serde_json::Value>,
    #[serde(default)]
    detail: Option<serde_json::Value>,
    #[serde(default, rename = "type")]
    kind: Option<String>,
}

fn value_to_string(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// Reads an OpenAI-style error object from a JSON value (`{"message","type","param","code"}`).
pub fn detail_from_object(obj: &serde_json::Value) -> Option<ErrorDetail> {
    match obj {
        serde_json::Value::String(s) => Some(ErrorDetail {
            message: s.clone(),
            ..ErrorDetail::default()
        }),
        serde_json::Value::Object(map) => {
            let message = map.get("message").and_then(value_to_string)?;
            Some(ErrorDetail {
                kind: map.get("type").and_then(value_to_string),
                code: map.get("code").and_then(value_to_string),
                message,
                param: map.get("param").cloned().filter(|p| !p.is_null()),
                event_id: None,
            })
        }
        _ => None,
    }
}

/// Builds the error for an upstream error status with an OpenAI-style body.
pub fn parse_error_body(
    provider: &str,
    status: u16,
    content_type: Option<&str>,
    body: &Bytes,
) -> BifrostError {
    let detail = crate::schemas::from_json_slice::<Envelope>(body)
        .ok()
        .and_then(|env| {
            env.error
                .as_ref()
                .and_then(detail_from_object)
                .or_else(|| {
                    env.message
                        .as_ref()
                        .and_then(value_to_string)
                        .map(|message| ErrorDetail {
                            kind: env.kind.clone(),
                            message,
                            ..ErrorDetail::default()
                        })
                })
                .or_else(|| {
                    env.detail
                        .as_ref()
                        .and_then(value_to_string)
                        .map(|message| ErrorDetail {
                            message,
                            ..ErrorDetail::default()
                        })
                })
        });
    match detail {
        Some(detail) => BifrostError::upstream(status, detail).with_upstream_body(body.clone()),
        None => unparsed_status_error(provider, status, content_type, body),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_openai_and_compatible_shapes() {
        let e = parse_error_body(
            "openai",
            401,
            None,
            &Bytes::from_static(br#"{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"#),
        );
        assert_eq!(e.status(), 401);
        assert_eq!(e.code(), Some("invalid_api_key"));
        assert_eq!(e.message(), "Incorrect API key provided");
        let e = parse_error_body(
            "vllm",
            400,
            None,
            &Bytes::from_static(br#"{"detail":"model not found"}"#),
        );
        assert_eq!(e.message(), "model not found");
        let e = parse_error_body(
            "groq",
            500,
            None,
            &Bytes::from_static(br#"{"error":"boom"}"#),
        );
        assert_eq!(e.message(), "boom");
        let e = parse_error_body(
            "x",
            503,
            Some("text/plain"),
            &Bytes::from_static(b"upstream overloaded"),
        );
        assert!(e.message().contains("upstream overloaded"));
    }
}
