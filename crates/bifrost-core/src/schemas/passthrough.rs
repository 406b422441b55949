//! Passthrough: a provider-native request forwarded without body conversion.
//!
//! The gateway still chooses the key (replacing the caller's credentials), runs the plugin
//! pipeline and applies retries; only the body is left as the caller wrote it.

use bytes::Bytes;

use super::ExtraFields;

/// A native request to forward.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PassthroughRequest {
    /// HTTP method.
    pub method: String,
    /// Provider-native path, starting with `/` (e.g. `/v1/chat/completions`).
    pub path: String,
    /// Query string without `?`.
    pub query: Option<String>,
    /// Caller headers to forward (credentials and framing headers already removed).
    pub headers: Vec<(String, String)>,
    /// The body, unchanged.
    pub body: Bytes,
    /// The model read from the body or path (`""` when there is none); used for key choice.
    pub model: String,
    /// True when the caller asked for a stream.
    pub stream: bool,
}

/// The upstream's answer, unchanged.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PassthroughResponse {
    /// HTTP status.
    pub status: u16,
    /// Response headers worth relaying (content type, request ids, rate-limit headers).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Bytes,
    /// Bifrost's metadata (not written into the body).
    pub extra_fields: Option<ExtraFields>,
}

/// The status line and headers of a streamed passthrough answer (its first chunk).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PassthroughHead {
    /// HTTP status.
    pub status: u16,
    /// Response headers worth relaying.
    pub headers: Vec<(String, String)>,
}

/// Response headers relayed to the caller: content type, request ids and rate-limit state.
pub fn relayed_header(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n == "content-type"
        || n.ends_with("request-id")
        || n.starts_with("x-ratelimit")
        || n.starts_with("anthropic-ratelimit")
        || n == "retry-after"
        || n == "openai-processing-ms"
        || n == "openai-version"
}
