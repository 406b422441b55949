//! Per-request state shared by the engine and the plugins.

use std::sync::Arc;
use std::time::{Duration, Instant};

use http::{HeaderMap, HeaderName, HeaderValue};

/// A pinned key: `x-bf-api-key-id` (by id, wins) or `x-bf-api-key` (by name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyPin {
    /// Pin by key id.
    Id(String),
    /// Pin by key name.
    Name(String),
}

/// One upstream attempt, as recorded by the engine.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    /// Provider called.
    pub provider: Arc<str>,
    /// Key id used.
    pub key_id: Arc<str>,
    /// Key name used.
    pub key_name: Arc<str>,
    /// HTTP status of the failure, `None` for success or transport errors.
    pub status: Option<u16>,
    /// True when the attempt succeeded.
    pub success: bool,
    /// Time spent on the attempt.
    pub latency: Duration,
}

/// State of one request: created once by the transport, passed by `&mut` through the engine and
/// every plugin hook.
#[derive(Debug)]
pub struct RequestContext {
    /// The request id (`x-request-id` from the caller or a new UUID).
    pub request_id: String,
    /// The caller's HTTP headers (empty when the engine is used as a library).
    pub headers: HeaderMap,
    /// A key pin from `x-bf-api-key-id` / `x-bf-api-key`.
    pub key_pin: Option<KeyPin>,
    /// Headers forwarded upstream for this request only (`x-bf-eh-*`).
    pub extra_headers: Vec<(HeaderName, HeaderValue)>,
    /// Per-request override of `send_back_raw_response`.
    pub send_back_raw_response: Option<bool>,
    /// When the request arrived.
    pub started_at: Instant,
    /// The `model` string exactly as the caller sent it.
    pub model_requested: String,
    /// Which target is being tried: 0 for the primary, `n` for the n-th fallback.
    pub fallback_index: usize,
    /// Retries spent on the current target.
    pub retries: u32,
    /// Every upstream attempt, in order.
    pub attempts: Vec<Attempt>,
    /// Time spent waiting on upstreams (for the gateway overhead metric).
    pub upstream_time: Duration,
    /// Typed values plugins attach to the request.
    pub values: http::Extensions,
}

impl Default for RequestContext {
    fn default() -> Self {
        Self::new(uuid::Uuid::new_v4().to_string())
    }
}

impl RequestContext {
    /// A context with the given request id and no headers.
    pub fn new(request_id: impl Into<String>) -> Self {
        Self {
            request_id: request_id.into(),
            headers: HeaderMap::new(),
            key_pin: None,
            extra_headers: Vec::new(),
            send_back_raw_response: None,
            started_at: Instant::now(),
            model_requested: String::new(),
            fallback_index: 0,
            retries: 0,
            attempts: Vec::new(),
            upstream_time: Duration::ZERO,
            values: http::Extensions::new(),
        }
    }

    /// The last successful attempt, if any.
    pub fn served_by(&self) -> Option<&Attempt> {
        self.attempts.iter().rev().find(|a| a.success)
    }

    /// Time spent in the gateway itself: elapsed time minus time waiting on upstreams.
    pub fn overhead(&self) -> Duration {
        self.started_at.elapsed().saturating_sub(self.upstream_time)
    }
}
