//! The HTTP exchange shared by the Gemini and Vertex AI providers: sending, Google error bodies,
//! JSON decoding and opening event streams.

use std::collections::HashSet;
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue};
use serde::de::DeserializeOwned;

use super::error::parse_error_body;
use crate::config::{CustomProviderConfig, NetworkConfig};
use crate::error::BifrostError;
use crate::providers::common::upstream_error::{
    decode_error, network_error, retry_after, send_error,
};
use crate::providers::common::{ClientBuildError, HttpClient};
use crate::schemas::RequestType;

/// Why a Google provider could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum GoogleSetupError {
    /// The HTTP client could not be built.
    #[error(transparent)]
    Client(#[from] ClientBuildError),
    /// An `extra_headers` entry is not a valid header.
    #[error("network_config.extra_headers: invalid header {0:?}")]
    Header(String),
    /// A request type name in `allowed_requests` is unknown.
    #[error("custom_provider_config: unknown request type {0:?}")]
    UnknownRequestType(String),
}

/// `network_config.extra_headers` as a header map.
pub fn default_headers(network: &NetworkConfig) -> Result<HeaderMap, GoogleSetupError> {
    let mut headers = HeaderMap::new();
    for (k, v) in network.extra_headers.iter().flatten() {
        let name = HeaderName::from_bytes(k.as_bytes())
            .map_err(|_| GoogleSetupError::Header(k.clone()))?;
        let value = HeaderValue::from_str(v).map_err(|_| GoogleSetupError::Header(k.clone()))?;
        headers.insert(name, value);
    }
    Ok(headers)
}

/// The request types a custom provider allows (`None`: all).
pub fn allowed_requests(
    custom: Option<&CustomProviderConfig>,
) -> Result<Option<HashSet<RequestType>>, GoogleSetupError> {
    let Some(map) = custom.and_then(|c| c.allowed_requests.as_ref()) else {
        return Ok(None);
    };
    let mut set = HashSet::new();
    for (name, on) in map {
        let rt = RequestType::parse(name)
            .ok_or_else(|| GoogleSetupError::UnknownRequestType(name.clone()))?;
        if *on {
            set.insert(rt);
        }
    }
    Ok(Some(set))
}

/// Unix seconds now.
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A completion id for responses without `responseId`.
pub fn new_completion_id() -> String {
    format!("chatcmpl-{}", uuid::Uuid::new_v4().simple())
}

/// Percent-encodes a query value (RFC 3986 unreserved characters are kept).
pub fn encode_query(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Reads an upstream error status and body into an error.
pub type ErrorParser = fn(&str, u16, Option<&str>, &Bytes) -> BifrostError;

/// Sends a request; a non-success status becomes the upstream's (Google) error.
pub async fn send(
    client: &HttpClient,
    provider: &str,
    builder: reqwest::RequestBuilder,
) -> Result<reqwest::Response, BifrostError> {
    send_with(client, provider, builder, parse_error_body).await
}

/// Sends a request; a non-success status is read by `parse`.
pub async fn send_with(
    client: &HttpClient,
    provider: &str,
    builder: reqwest::RequestBuilder,
    parse: ErrorParser,
) -> Result<reqwest::Response, BifrostError> {
    // `without_url`: a Vertex AI API key travels in the query string and must not reach errors.
    let resp = client
        .send(builder)
        .await
        .map_err(|e| send_error(provider, e))?;
    let status = resp.status();
    if status.is_success() {
        return Ok(resp);
    }
    let after = retry_after(resp.headers());
    let content_type = resp
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = resp.bytes().await.unwrap_or_default();
    let err = parse(provider, status.as_u16(), content_type.as_deref(), &body);
    Err(match after {
        Some(after) => err.with_retry_after(Some(after)),
        None => err,
    })
}

/// Reads the whole body.
pub async fn body(provider: &str, resp: reqwest::Response) -> Result<Bytes, BifrostError> {
    resp.bytes()
        .await
        .map_err(|e| network_error(provider, &e.without_url()))
}

/// Parses a success body as `T`; a body holding Google's error object becomes that error.
pub fn decode<T: DeserializeOwned>(
    provider: &str,
    what: &str,
    bytes: &Bytes,
) -> Result<T, BifrostError> {
    crate::schemas::from_json_slice::<T>(bytes).map_err(|e| match super::error::parse_google_error(
        bytes,
    ) {
        Some(err) => super::error::google_error(200, &err).with_upstream_body(bytes.clone()),
        None => decode_error(provider, what, bytes, &e.to_string()),
    })
}

/// The raw body as JSON, for `extra_fields.raw_response`.
pub fn raw_json(bytes: &Bytes) -> Option<serde_json::Value> {
    crate::schemas::from_json_slice(bytes).ok()
}

/// Checks that a stream response really is an event stream.
pub async fn expect_event_stream(
    provider: &str,
    resp: reqwest::Response,
) -> Result<reqwest::Response, BifrostError> {
    let content_type = resp
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if content_type.is_empty() || content_type.starts_with("text/event-stream") {
        return Ok(resp);
    }
    let ct = content_type.to_owned();
    let bytes = resp.bytes().await.unwrap_or_default();
    if let Some(err) = super::error::parse_google_error(&bytes) {
        return Err(super::error::google_error(200, &err).with_upstream_body(bytes));
    }
    Err(decode_error(
        provider,
        "event stream",
        &bytes,
        &format!("content type {ct}"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_query_values() {
        assert_eq!(encode_query("AIza-abc_1.2~"), "AIza-abc_1.2~");
        assert_eq!(encode_query("a b/c+d"), "a%20b%2Fc%2Bd");
    }
}
