//! Turning upstream failures (error statuses, broken connections, bodies that are not what the
//! API documents) into [`BifrostError`]s with precise messages.

use std::time::Duration;

use bytes::Bytes;
use http::HeaderMap;

use crate::error::{BifrostError, ErrorDetail, ErrorKind};

/// Longest body excerpt quoted in an error message.
const EXCERPT_LEN: usize = 200;

/// Reads the upstream's `retry-after-ms` or `retry-after` (seconds) header.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    if let Some(ms) = headers
        .get("retry-after-ms")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|v| v.is_finite() && *v >= 0.0)
    {
        return Some(Duration::from_secs_f64(ms / 1000.0));
    }
    headers
        .get(http::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|v| v.is_finite() && *v >= 0.0)
        .map(Duration::from_secs_f64)
}

/// True when the body looks like an HTML page (a proxy or load balancer answered, not the API).
pub fn looks_like_html(content_type: Option<&str>, body: &[u8]) -> bool {
    if content_type.is_some_and(|c| c.contains("text/html")) {
        return true;
    }
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(body.len());
    let head = &body[start..body.len().min(start + 15)];
    head.eq_ignore_ascii_case(b"<!doctype html")
        || head.starts_with(b"<html")
        || head.starts_with(b"<HTML")
}

/// A short, printable excerpt of a body for error messages.
pub fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(EXCERPT_LEN)]);
    let mut s: String = text
        .chars()
        .filter(|c| !c.is_control() || *c == ' ')
        .collect();
    if body.len() > EXCERPT_LEN {
        s.push_str("...");
    }
    s
}

/// Builds the error for a non-success upstream status whose body could not be read as the
/// provider's error object.
pub fn unparsed_status_error(
    provider: &str,
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
) -> BifrostError {
    let message = if looks_like_html(content_type, body) {
        format!(
            "{provider} returned an HTML page with status {status} instead of an API response \
             (a proxy or load balancer in front of the API answered)"
        )
    } else if body.iter().all(u8::is_ascii_whitespace) {
        format!("{provider} returned status {status} with an empty body")
    } else {
        format!("{provider} returned status {status}: {}", excerpt(body))
    };
    BifrostError::upstream(
        status,
        ErrorDetail {
            kind: Some("upstream_error".to_owned()),
            message,
            ..ErrorDetail::default()
        },
    )
    .with_upstream_body(Bytes::copy_from_slice(body))
}

/// The error for a success status whose body is not what the API documents.
pub fn decode_error(provider: &str, what: &str, body: &[u8], cause: &str) -> BifrostError {
    let message = if body.iter().all(u8::is_ascii_whitespace) {
        format!("{provider} returned an empty body for a {what}")
    } else if looks_like_html(None, body) {
        format!("{provider} returned an HTML page instead of a {what}")
    } else {
        format!(
            "{provider} returned a body that is not a valid {what} ({cause}): {}",
            excerpt(body)
        )
    };
    BifrostError::new(ErrorKind::UpstreamDecode, message)
        .with_code("invalid_upstream_response")
        .with_upstream_body(Bytes::copy_from_slice(body))
}

/// The error for a request that got no response ([`HttpClient::send`](super::HttpClient::send)).
/// URLs are left out of the message: some carry an API key in their query string.
pub fn send_error(provider: &str, err: super::SendError) -> BifrostError {
    match err {
        super::SendError::Reqwest(e) => network_error(provider, &e.without_url()),
        super::SendError::Lean(e) => {
            let what = if e.is_connect() {
                "could not connect to"
            } else {
                "failed to get a response from"
            };
            let mut cause = String::new();
            let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
            while let Some(s) = source {
                cause = s.to_string();
                source = s.source();
            }
            BifrostError::new(ErrorKind::Network, format!("{what} {provider}: {cause}"))
                .with_code("network_error")
        }
    }
}

/// The error for a transport failure (connect, reset, TLS, body read).
pub fn network_error(provider: &str, err: &reqwest::Error) -> BifrostError {
    let what = if err.is_connect() {
        "could not connect to"
    } else if err.is_body() || err.is_decode() {
        "lost the connection while reading the response from"
    } else if err.is_request() {
        "failed to send the request to"
    } else {
        "network error talking to"
    };
    let mut cause = String::new();
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    // The outermost reqwest message is generic; the innermost cause says what happened.
    while let Some(e) = source {
        cause = e.to_string();
        source = e.source();
    }
    BifrostError::new(ErrorKind::Network, format!("{what} {provider}: {cause}"))
        .with_code("network_error")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_retry_after_forms() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", "2".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(2)));
        h.insert("retry-after-ms", "150".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_millis(150)));
        let mut bad = HeaderMap::new();
        bad.insert(
            "retry-after",
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&bad), None);
    }

    #[test]
    fn html_is_named_as_such() {
        let e = unparsed_status_error("openai", 502, Some("text/html"), b"<html>bad</html>");
        assert!(e.message().contains("HTML page"), "{}", e.message());
        assert_eq!(e.status(), 502);
        assert!(!e.is_bifrost_error());
        let d = decode_error(
            "openai",
            "chat completion",
            b"this is not json {",
            "expected value",
        );
        assert!(d.message().contains("this is not json {"));
        assert_eq!(d.status(), 502);
    }
}
