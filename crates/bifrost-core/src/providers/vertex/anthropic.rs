//! Anthropic (Claude) models on Vertex AI: the Messages API body, posted to
//! `publishers/anthropic/models/{model}:rawPredict` (`:streamRawPredict` for streams).
//!
//! The body is the Anthropic provider's translation ([`crate::providers::anthropic::request`])
//! with Vertex's differences: no `model` (it is in the URL), `anthropic_version:
//! "vertex-2023-10-16"` in the body instead of the `anthropic-version` header, and
//! `anthropic-beta` names (from the request's extra headers) as an `anthropic_beta` array in the
//! body. Token counting posts the same body, with `model`, to
//! `publishers/anthropic/models/count-tokens:rawPredict`. Answers, streams and errors are read
//! with the Anthropic provider's functions; errors raised by Vertex itself (authentication,
//! quota) are Google's and read as such.

use bytes::Bytes;
use http::{HeaderName, HeaderValue};
use serde_json::Value;

use crate::error::{BifrostError, ErrorKind};
use crate::providers::anthropic::request::{to_count_tokens_request, to_messages_request};
use crate::schemas::{ChatRequest, CountTokensRequest};

/// The `anthropic_version` Vertex AI requires in the body.
pub const VERTEX_ANTHROPIC_VERSION: &str = "vertex-2023-10-16";

/// The model path segment of Vertex AI's Anthropic token counting endpoint.
pub const COUNT_TOKENS_MODEL: &str = "count-tokens";

/// True for model names served through the Anthropic publisher.
pub fn is_anthropic_model(model: &str) -> bool {
    model.to_ascii_lowercase().contains("claude")
}

fn beta_names(extra_headers: &[(HeaderName, HeaderValue)]) -> Vec<Value> {
    extra_headers
        .iter()
        .filter(|(name, _)| name.as_str() == "anthropic-beta")
        .filter_map(|(_, v)| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| Value::String(v.to_owned()))
        .collect()
}

/// The extra headers to send: `anthropic-beta` moves into the body.
pub fn forwarded_headers(
    extra_headers: &[(HeaderName, HeaderValue)],
) -> impl Iterator<Item = &(HeaderName, HeaderValue)> {
    extra_headers
        .iter()
        .filter(|(name, _)| name.as_str() != "anthropic-beta")
}

fn finish(
    mut body: Value,
    keep_model: bool,
    extra_headers: &[(HeaderName, HeaderValue)],
) -> Result<Vec<u8>, BifrostError> {
    if let Some(obj) = body.as_object_mut() {
        if !keep_model {
            obj.remove("model");
        }
        obj.entry("anthropic_version")
            .or_insert_with(|| Value::String(VERTEX_ANTHROPIC_VERSION.to_owned()));
        let betas = beta_names(extra_headers);
        if !betas.is_empty() {
            obj.insert("anthropic_beta".to_owned(), Value::Array(betas));
        }
    }
    serde_json::to_vec(&body)
        .map_err(|e| BifrostError::internal(format!("cannot serialize the request: {e}")))
}

fn to_value<T: serde::Serialize>(v: &T) -> Result<Value, BifrostError> {
    serde_json::to_value(v)
        .map_err(|e| BifrostError::internal(format!("cannot serialize the request: {e}")))
}

/// The `:rawPredict` / `:streamRawPredict` body of a chat request.
pub fn messages_body(
    req: &ChatRequest,
    model: &str,
    stream: bool,
    extra_headers: &[(HeaderName, HeaderValue)],
) -> Result<Vec<u8>, BifrostError> {
    let native = to_messages_request(req, model, stream)?;
    finish(to_value(&native)?, false, extra_headers)
}

/// The `count-tokens:rawPredict` body of a token count request.
pub fn count_tokens_body(
    req: &CountTokensRequest,
    model: &str,
    extra_headers: &[(HeaderName, HeaderValue)],
) -> Result<Vec<u8>, BifrostError> {
    let native = to_count_tokens_request(req, model)?;
    finish(to_value(&native)?, true, extra_headers)
}

/// Reads an error body: Anthropic's envelope (`{"type":"error",...}`) when the model answered,
/// Google's when Vertex AI did.
pub fn parse_error(
    provider: &str,
    status: u16,
    content_type: Option<&str>,
    body: &Bytes,
) -> BifrostError {
    let anthropic_shaped = crate::schemas::from_json_slice::<Value>(body)
        .ok()
        .is_some_and(|v| v.get("type").and_then(Value::as_str) == Some("error"));
    if anthropic_shaped {
        crate::providers::anthropic::error::parse_error_body(provider, status, content_type, body)
    } else {
        crate::providers::gemini::error::parse_error_body(provider, status, content_type, body)
    }
}

/// The error for request types Vertex AI does not serve for Claude models (embeddings).
pub fn unsupported(provider: &str, model: &str, what: &str) -> BifrostError {
    BifrostError::new(
        ErrorKind::UnsupportedOperation,
        format!(
            "{what} is not supported for anthropic models ({model}) by the {provider} provider"
        ),
    )
    .with_code("unsupported_operation")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn body_has_vertex_version_and_no_model() {
        let req: ChatRequest = serde_json::from_value(json!({
            "model": "claude-sonnet-4-5",
            "messages": [{"role": "user", "content": "hi"}],
            "max_tokens": 64
        }))
        .unwrap();
        let headers = vec![(
            HeaderName::from_static("anthropic-beta"),
            HeaderValue::from_static("a-1, b-2"),
        )];
        let body: Value = serde_json::from_slice(
            &messages_body(&req, "claude-sonnet-4-5", true, &headers).unwrap(),
        )
        .unwrap();
        assert!(body.get("model").is_none());
        assert_eq!(body["anthropic_version"], VERTEX_ANTHROPIC_VERSION);
        assert_eq!(body["anthropic_beta"], json!(["a-1", "b-2"]));
        assert_eq!(body["stream"], true);
        assert_eq!(body["max_tokens"], 64);
        assert_eq!(forwarded_headers(&headers).count(), 0);
        assert!(is_anthropic_model("claude-3-5-haiku@20241022"));
        assert!(!is_anthropic_model("gemini-2.5-flash"));
    }

    #[test]
    fn errors_are_read_in_either_shape() {
        let a = parse_error(
            "vertex",
            400,
            None,
            &Bytes::from_static(br#"{"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: Field required"}}"#),
        );
        assert_eq!(a.error_type(), Some("invalid_request_error"));
        let g = parse_error(
            "vertex",
            401,
            None,
            &Bytes::from_static(br#"{"error":{"code":401,"message":"Request had invalid authentication credentials.","status":"UNAUTHENTICATED"}}"#),
        );
        assert_eq!(g.error_type(), Some("UNAUTHENTICATED"));
    }
}
