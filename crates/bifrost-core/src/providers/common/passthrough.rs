//! Forwarding a native request unchanged: shared by every provider that serves passthrough.

use bytes::Bytes;
use futures::StreamExt;
use http::{HeaderMap, HeaderName, HeaderValue, Method};

use super::upstream_error::{network_error, retry_after};
use crate::error::BifrostError;
use crate::provider::ChunkStream;
use crate::providers::openai::error::parse_error_body;
use crate::schemas::{
    PassthroughHead, PassthroughRequest, PassthroughResponse, StreamChunk, relayed_header,
};

/// Caller headers never forwarded: credentials (the gateway's key replaces them) and framing.
const STRIPPED: &[&str] = &[
    "authorization",
    "x-api-key",
    "api-key",
    "x-goog-api-key",
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "cookie",
    "accept-encoding",
];

/// True when a caller header may be forwarded upstream.
pub fn forwardable(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    !STRIPPED.contains(&n.as_str()) && !n.starts_with("x-bf-")
}

/// Where and how to send a passthrough request.
#[derive(Debug)]
pub struct Target<'a> {
    /// The provider's pooled client.
    pub client: &'a reqwest::Client,
    /// Provider name (for error messages).
    pub provider: &'a str,
    /// Full upstream URL (path and query included).
    pub url: String,
    /// Credential headers of the chosen key.
    pub auth: HeaderMap,
}

/// Sends the request; a non-success status becomes an upstream error that keeps the body.
pub async fn send(
    target: Target<'_>,
    req: &PassthroughRequest,
    extra_headers: &[(HeaderName, HeaderValue)],
) -> Result<reqwest::Response, BifrostError> {
    let method = Method::from_bytes(req.method.as_bytes()).unwrap_or(Method::POST);
    let mut builder = target.client.request(method, &target.url);
    for (k, v) in &req.headers {
        if forwardable(k) {
            builder = builder.header(k.as_str(), v.as_str());
        }
    }
    for (k, v) in extra_headers {
        builder = builder.header(k, v);
    }
    builder = builder.headers(target.auth).body(req.body.clone());
    let resp = builder
        .send()
        .await
        .map_err(|e| network_error(target.provider, &e))?;
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
    Err(parse_error_body(
        target.provider,
        status.as_u16(),
        content_type.as_deref(),
        &body,
    )
    .with_upstream_body(body)
    .with_retry_after(after))
}

fn head(resp: &reqwest::Response) -> PassthroughHead {
    PassthroughHead {
        status: resp.status().as_u16(),
        headers: resp
            .headers()
            .iter()
            .filter(|(k, _)| relayed_header(k.as_str()))
            .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect(),
    }
}

/// Reads a complete answer.
pub async fn complete(
    provider: &str,
    resp: reqwest::Response,
) -> Result<PassthroughResponse, BifrostError> {
    let PassthroughHead { status, headers } = head(&resp);
    let body: Bytes = resp
        .bytes()
        .await
        .map_err(|e| network_error(provider, &e))?;
    Ok(PassthroughResponse {
        status,
        headers,
        body,
        extra_fields: None,
    })
}

/// Relays a streamed answer: its head, then its body bytes as they arrive.
pub fn stream(provider: &str, resp: reqwest::Response) -> ChunkStream {
    let first = futures::stream::once(futures::future::ready(Ok(StreamChunk::RawHead(head(
        &resp,
    )))));
    let provider = provider.to_owned();
    let body = resp.bytes_stream().map(move |item| {
        item.map(StreamChunk::Raw)
            .map_err(|e| network_error(&provider, &e))
    });
    Box::pin(first.chain(body))
}
