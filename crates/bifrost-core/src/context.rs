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
    /// When the attempt started.
    pub started_at: Instant,
    /// Time spent on the attempt.
    pub latency: Duration,
}

/// Which plugin hook a [`HookTiming`] measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookPhase {
    /// `pre_hook`.
    Pre,
    /// `post_hook`.
    Post,
}

impl HookPhase {
    /// `pre_hook` or `post_hook`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pre => "pre_hook",
            Self::Post => "post_hook",
        }
    }
}

/// How long one plugin hook took (recorded only when [`RequestContext::hook_timings`] is on).
#[derive(Debug, Clone, PartialEq)]
pub struct HookTiming {
    /// The plugin's name.
    pub plugin: String,
    /// Which hook.
    pub phase: HookPhase,
    /// The target being tried (0 for the primary).
    pub fallback_index: usize,
    /// When the hook was called.
    pub started_at: Instant,
    /// How long it ran.
    pub duration: Duration,
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
    /// Per-plugin hook timings. `None` (the default) records nothing; a tracing plugin sets it to
    /// `Some` in its pre-hook to have the engine time every hook that runs after it.
    pub hook_timings: Option<Vec<HookTiming>>,
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
            hook_timings: None,
            values: http::Extensions::new(),
        }
    }

    /// The last successful attempt, if any.
    pub fn served_by(&self) -> Option<&Attempt> {
        self.attempts.iter().rev().find(|a| a.success)
    }

    /// Records a hook that started at `started_at` and has just returned, when timings are on.
    pub fn record_hook(&mut self, plugin: &str, phase: HookPhase, started_at: Option<Instant>) {
        if let (Some(started_at), Some(list)) = (started_at, self.hook_timings.as_mut()) {
            list.push(HookTiming {
                plugin: plugin.to_owned(),
                phase,
                fallback_index: self.fallback_index,
                started_at,
                duration: started_at.elapsed(),
            });
        }
    }

    /// The start time to pass to [`RequestContext::record_hook`]: `Some(now)` when timings are on.
    pub fn hook_clock(&self) -> Option<Instant> {
        self.hook_timings.as_ref().map(|_| Instant::now())
    }

    /// Time spent in the gateway itself: elapsed time minus time waiting on upstreams.
    pub fn overhead(&self) -> Duration {
        self.started_at.elapsed().saturating_sub(self.upstream_time)
    }
}
