//! A faithful mock of OpenAI's HTTP API for Bifrost-rs, plus Anthropic's Messages API
//! (see [`anthropic`]: `/v1/messages`, `/v1/messages/count_tokens`, and `/v1/models` when the
//! request carries `x-api-key` or `anthropic-version`) and Google's Gemini and Vertex AI APIs.
//!
//! The mock is used in three ways:
//! * **in-process** by Rust integration tests ([`MockUpstream::start`]);
//! * as the **standalone binary** `bifrost-mock-upstream` for Python SDK
//!   tests;
//! * as the **fast upstream** in load benchmarks.
//!
//! # Endpoints
//! Each is served both under `/v1/...` and without the prefix:
//! * `POST /v1/chat/completions` (non-stream and SSE stream, tools, `n`,
//!   `stop`, `max_tokens`, `response_format`),
//! * `POST /v1/completions` (legacy),
//! * `POST /v1/embeddings` (float and base64),
//! * `POST /v1/responses` (OpenAI's Responses API: non-stream and typed event stream, function
//!   calls, reasoning, `text.format`, `max_output_tokens`),
//! * `GET /v1/models`, `GET /v1/models/{id}`.
//!
//! Google's paths (`/v1beta/models/{model}:generateContent`, Vertex AI's
//! `/v1/projects/.../publishers/google/models/{model}:...`, `POST /token`, ...) are served by a
//! Gemini / Vertex AI mock with Google's wire format, credentials and error bodies, the same
//! echo semantics and the same fault names (see the `google` module).
//!
//! Unknown paths get OpenAI's `404 Invalid URL` error. Responses are
//! deterministic: chat content is `"Echo: " + <last user message>`, and a
//! "token" is a whitespace-separated word.
//!
//! # Auth
//! Requests without credentials are accepted; a bearer key's prefix selects
//! an error (`bad`/`invalid` → 401, `noquota` → 429 `insufficient_quota`,
//! `ratelimited` → 429 `rate_limit_exceeded`, `forbidden` → 403,
//! `payment` → 402).
//!
//! # Fault injection
//! The request's `model` (for `GET /v1/models`, the `?fault=` query) selects
//! a fault: `error-<status>`, `flaky-<N>[-<status>]`, `slow-<ms>`,
//! `slow-stream-<ms>`, `truncated`, `garbage`, `html`, `stream-error`,
//! `empty`. Any other model behaves normally.
//!
//! # Admin endpoints
//! Not recorded and not authenticated, for out-of-process users of the
//! binary: `GET /__mock/health`, `GET /__mock/requests` (the recorded
//! requests as JSON) and `POST /__mock/reset` (same as
//! [`MockUpstream::clear`]).
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let upstream = bifrost_mock_upstream::MockUpstream::start().await?;
//! let url = format!("{}/v1/chat/completions", upstream.base_url());
//! // ... point the gateway at `url`, send requests ...
//! assert_eq!(upstream.request_count(), upstream.requests().len());
//! upstream.shutdown();
//! # Ok(()) }
//! ```

pub mod anthropic;
mod auth;
mod chat;
mod completions;
mod embeddings;
mod error;
mod faults;
mod google;
mod models;
mod responses;
mod server;
mod sse;
mod text;

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::serve::ListenerExt as _;
use bytes::Bytes;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::server::Shared;

pub use crate::anthropic::models::ANTHROPIC_MODELS;
pub use crate::embeddings::DEFAULT_DIMENSIONS;
pub use crate::google::auth::{
    TEST_CLIENT_EMAIL, TOKEN_LIFETIME_SECS, access_token, test_service_account_json,
    wrong_service_account_json,
};
pub use crate::models::MODELS;

/// Settings of a mock server.
#[derive(Debug, Clone, Default)]
pub struct MockConfig {
    /// Fixed latency added before handling every (non-admin) request.
    pub latency: Duration,
    /// Keep at most this many recorded requests (oldest dropped first);
    /// `None` keeps all of them, `Some(0)` records nothing (cheapest, for
    /// load tests). [`MockUpstream::request_count`] counts every request
    /// regardless.
    pub max_recorded: Option<usize>,
}

/// One HTTP request received by the mock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// The HTTP method, e.g. `"POST"`.
    pub method: String,
    /// The request path, e.g. `"/v1/chat/completions"`.
    pub path: String,
    /// The raw query string without `?`, if any.
    pub query: Option<String>,
    /// All headers in arrival order, names lowercased.
    pub headers: Vec<(String, String)>,
    /// The full request body.
    pub body: Bytes,
}

impl RecordedRequest {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON, if it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// A running mock OpenAI server; a cheap-to-clone handle.
///
/// The server runs in a tokio task until [`MockUpstream::shutdown`] is called
/// or the runtime that started it shuts down.
#[derive(Debug, Clone)]
pub struct MockUpstream {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: Arc<watch::Sender<bool>>,
}

impl MockUpstream {
    /// Starts a mock on `127.0.0.1` with an OS-assigned port.
    pub async fn start() -> std::io::Result<MockUpstream> {
        Self::start_on(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await
    }

    /// Starts a mock bound to `addr` (port `0` picks a free port).
    pub async fn start_on(addr: SocketAddr) -> std::io::Result<MockUpstream> {
        Self::start_with(addr, MockConfig::default()).await
    }

    /// Starts a mock bound to `addr` with explicit settings.
    pub async fn start_with(addr: SocketAddr, config: MockConfig) -> std::io::Result<MockUpstream> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::new(config));
        let (tx, mut rx) = watch::channel(false);
        let app = server::build_router(Arc::clone(&shared));
        let listener = listener.tap_io(|tcp| {
            // Small SSE events must not wait for Nagle.
            let _ = tcp.set_nodelay(true);
        });
        tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
                let _ = rx.wait_for(|stop| *stop).await;
            });
            if let Err(err) = serve.await {
                tracing::error!(%err, "mock upstream server failed");
            }
        });
        Ok(MockUpstream {
            addr,
            shared,
            shutdown: Arc::new(tx),
        })
    }

    /// The bound address (with the real port).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://HOST:PORT`, without trailing slash or `/v1`. An unspecified
    /// bind address (`0.0.0.0` / `::`) is reported as loopback.
    pub fn base_url(&self) -> String {
        let mut addr = self.addr;
        if addr.ip().is_unspecified() {
            addr.set_ip(if addr.is_ipv4() {
                Ipv4Addr::LOCALHOST.into()
            } else {
                Ipv6Addr::LOCALHOST.into()
            });
        }
        format!("http://{addr}")
    }

    /// Every request received (admin endpoints excluded), in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.requests()
    }

    /// Number of requests received since start or the last [`clear`](Self::clear).
    pub fn request_count(&self) -> usize {
        self.shared.request_count()
    }

    /// Forgets recorded requests and resets the `flaky-*` counters.
    pub fn clear(&self) {
        self.shared.clear();
    }

    /// Stops accepting connections and shuts the server down gracefully.
    /// Idempotent.
    pub fn shutdown(&self) {
        self.shutdown.send_replace(true);
    }

    /// The axum router serving this mock's API and sharing its state, for
    /// mounting it into another server.
    pub fn router(&self) -> axum::Router {
        router(self)
    }
}

/// The axum router serving `upstream`'s API with the same recorded state and
/// counters, for composing into another server.
pub fn router(upstream: &MockUpstream) -> axum::Router {
    server::build_router(Arc::clone(&upstream.shared))
}
