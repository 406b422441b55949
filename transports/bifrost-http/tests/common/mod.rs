//! Shared setup of the gateway's integration tests.
//!
//! Every test starts its own in-process mock upstream ([`MockUpstream`]), writes a `config.json`
//! pointing providers at it into a fresh temporary directory, loads the real gateway from that
//! directory with [`Gateway::load`] and serves it on an ephemeral port with
//! [`bifrost_http::spawn`]. Tests then talk HTTP to the gateway with reqwest and inspect what
//! the mock received.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    missing_docs
)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bifrost_core::engine::ProviderState;
use bifrost_http::config_load::StartupError;
use bifrost_http::{Gateway, RunningGateway};
use bifrost_mock_upstream::{MockUpstream, RecordedRequest};
use serde_json::{Value, json};

/// The key every healthy test key starts from (the mock accepts any key without a failure prefix).
pub const GOOD_KEY: &str = "sk-good";

/// A directory under the system temp dir, removed on drop.
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new() -> Self {
        let path = std::env::temp_dir().join(format!("bifrost-http-it-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&path).expect("create temp dir");
        Self(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// Writes `config` as `config.json`.
    pub fn write_config(&self, config: &Value) {
        std::fs::write(
            self.0.join("config.json"),
            serde_json::to_vec_pretty(config).expect("serialize config"),
        )
        .expect("write config.json");
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A reqwest client that never uses a proxy from the environment.
pub fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("reqwest client")
}

/// Loads a gateway from `config` written to a temporary `config.json`.
pub fn load(config: &Value) -> Result<Gateway, StartupError> {
    let dir = TempDir::new();
    dir.write_config(config);
    Gateway::load(dir.path())
}

/// A running gateway in front of a mock upstream.
pub struct Gw {
    pub mock: MockUpstream,
    pub client: reqwest::Client,
    /// `http://127.0.0.1:PORT` of the gateway.
    pub url: String,
    pub addr: SocketAddr,
    pub gateway: Gateway,
    running: Option<RunningGateway>,
    _dir: TempDir,
}

/// Starts a mock, builds the configuration from its base URL, and starts the gateway.
pub async fn start(config: impl FnOnce(&str) -> Value) -> Gw {
    let mock = MockUpstream::start().await.expect("start mock upstream");
    let config = config(&mock.base_url());
    start_with(mock, &config).await
}

/// Starts the gateway with `config` in front of an already running `mock`.
pub async fn start_with(mock: MockUpstream, config: &Value) -> Gw {
    let dir = TempDir::new();
    dir.write_config(config);
    let gateway = Gateway::load(dir.path()).unwrap_or_else(|e| panic!("gateway start: {e}"));
    serve(mock, gateway, dir).await
}

/// Starts a gateway from an empty app dir (no config.json at all).
pub async fn start_zero_config() -> Gw {
    let mock = MockUpstream::start().await.expect("start mock upstream");
    let dir = TempDir::new();
    let gateway = Gateway::load(dir.path()).unwrap_or_else(|e| panic!("gateway start: {e}"));
    assert!(gateway.loaded.source.is_none());
    serve(mock, gateway, dir).await
}

async fn serve(mock: MockUpstream, gateway: Gateway, dir: TempDir) -> Gw {
    let running = bifrost_http::spawn(
        gateway.service.clone(),
        "127.0.0.1:0".parse().expect("addr"),
    )
    .await
    .expect("bind gateway");
    Gw {
        mock,
        client: client(),
        url: running.base_url(),
        addr: running.addr(),
        gateway,
        running: Some(running),
        _dir: dir,
    }
}

impl Gw {
    /// POSTs a JSON body to the gateway.
    pub async fn post(&self, path: &str, body: &Value) -> reqwest::Response {
        self.post_with(path, body, &[]).await
    }

    /// POSTs a JSON body with extra request headers.
    pub async fn post_with(
        &self,
        path: &str,
        body: &Value,
        headers: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut req = self.client.post(format!("{}{path}", self.url)).json(body);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req.send().await.expect("send to gateway")
    }

    /// POSTs a one-message chat request for `model`.
    pub async fn chat(&self, model: &str, text: &str) -> reqwest::Response {
        self.post("/v1/chat/completions", &chat_body(model, text))
            .await
    }

    /// POSTs a chat request body.
    pub async fn chat_json(&self, body: &Value) -> reqwest::Response {
        self.post("/v1/chat/completions", body).await
    }

    /// GETs a path of the gateway.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.url))
            .send()
            .await
            .expect("send to gateway")
    }

    /// Everything the mock received.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.mock.requests()
    }

    /// How many requests the mock received.
    pub fn upstream_calls(&self) -> usize {
        self.mock.request_count()
    }

    /// The bearer keys the mock saw, in order.
    pub fn keys_used(&self) -> Vec<String> {
        self.requests()
            .iter()
            .map(|r| bearer(r).unwrap_or_default())
            .collect()
    }

    /// The serving state of provider `name`.
    pub fn provider(&self, name: &str) -> Arc<ProviderState> {
        self.gateway
            .state
            .bifrost
            .snapshot()
            .provider(name)
            .cloned()
            .unwrap_or_else(|| panic!("provider {name} is not serving"))
    }

    /// Stops the gateway: see [`RunningGateway::shutdown`].
    pub async fn shutdown(&mut self, grace: Duration) -> bool {
        let running = self.running.take().expect("gateway already stopped");
        running.shutdown(grace).await
    }
}

/// A provider entry at `base_url` with `keys`.
pub fn provider(base_url: &str, keys: Value) -> Value {
    json!({
        "keys": keys,
        "network_config": { "base_url": base_url },
    })
}

/// A provider entry at `base_url` with one good key allowed for every model.
pub fn one_key(base_url: &str, key: &str) -> Value {
    provider(
        base_url,
        json!([{ "name": key, "value": key, "models": ["*"] }]),
    )
}

/// A key entry named after its value, allowed for every model.
pub fn key(value: &str, weight: f64) -> Value {
    json!({ "name": value, "value": value, "models": ["*"], "weight": weight })
}

/// `{"providers": {name: provider}}` for one provider.
pub fn providers(entries: &[(&str, Value)]) -> Value {
    let mut map = serde_json::Map::new();
    for (name, p) in entries {
        map.insert((*name).to_owned(), p.clone());
    }
    json!({ "providers": map })
}

/// Merges `patch` into `base` (objects recursively, everything else replaced).
pub fn merge(mut base: Value, patch: Value) -> Value {
    fn go(a: &mut Value, b: Value) {
        match (a, b) {
            (Value::Object(a), Value::Object(b)) => {
                for (k, v) in b {
                    go(a.entry(k).or_insert(Value::Null), v);
                }
            }
            (a, b) => *a = b,
        }
    }
    go(&mut base, patch);
    base
}

/// Retries with tiny backoffs, so that retry tests don't wait.
pub fn fast_retries(max_retries: u32) -> Value {
    json!({ "network_config": {
        "max_retries": max_retries,
        "retry_backoff_initial": 1,
        "retry_backoff_max": 5,
    }})
}

/// A one-user-message chat body.
pub fn chat_body(model: &str, text: &str) -> Value {
    json!({
        "model": model,
        "messages": [{ "role": "user", "content": text }],
    })
}

/// The key of a recorded request's `Authorization: Bearer` header.
pub fn bearer(req: &RecordedRequest) -> Option<String> {
    req.header("authorization")
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned)
}

/// The JSON body of a recorded request.
pub fn body_of(req: &RecordedRequest) -> Value {
    req.json().expect("upstream request body is JSON")
}

/// Asserts a 200 JSON answer and returns its body.
pub async fn ok_json(resp: reqwest::Response) -> Value {
    let status = resp.status();
    let text = resp.text().await.expect("read body");
    assert_eq!(status.as_u16(), 200, "expected 200, got {status}: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// Asserts an error answer in Bifrost's shape with `status` and returns the whole body.
pub async fn error_json(resp: reqwest::Response, status: u16) -> Value {
    let got = resp.status().as_u16();
    let content_type = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let text = resp.text().await.expect("read body");
    assert_eq!(got, status, "status: {text}");
    assert!(
        content_type.starts_with("application/json"),
        "content-type {content_type:?}: {text}"
    );
    let body: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
    assert!(body["is_bifrost_error"].is_boolean(), "{body}");
    assert_eq!(body["status_code"], status, "{body}");
    assert!(body["error"]["message"].is_string(), "{body}");
    assert!(body["extra_fields"].is_object(), "{body}");
    body
}

/// The `error.message` of an error body.
pub fn message(body: &Value) -> &str {
    body["error"]["message"].as_str().unwrap_or_default()
}

/// One server-sent event.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Json(Value),
    Done,
}

/// Parses a complete SSE body of `data:` events, checking the framing.
pub fn parse_sse(body: &str) -> Vec<Event> {
    assert!(
        body.ends_with("\n\n"),
        "every event must end with a blank line: {body:?}"
    );
    body.split("\n\n")
        .filter(|e| !e.is_empty())
        .map(|event| {
            let data = event
                .strip_prefix("data: ")
                .unwrap_or_else(|| panic!("not a data event: {event:?}"));
            assert!(!data.contains('\n'), "one data line per event: {event:?}");
            if data == "[DONE]" {
                Event::Done
            } else {
                Event::Json(serde_json::from_str(data).expect("event JSON"))
            }
        })
        .collect()
}

/// The JSON events of a stream, asserting it ends with exactly one `[DONE]`.
pub fn json_events(body: &str) -> Vec<Value> {
    let mut events = parse_sse(body);
    assert_eq!(
        events.pop(),
        Some(Event::Done),
        "stream must end with [DONE]"
    );
    events
        .into_iter()
        .map(|e| match e {
            Event::Json(v) => v,
            Event::Done => panic!("[DONE] before the end: {body}"),
        })
        .collect()
}

/// Reads a streamed answer: asserts 200 and SSE headers, returns the JSON events.
pub async fn sse_events(resp: reqwest::Response) -> Vec<Value> {
    let status = resp.status().as_u16();
    let content_type = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let text = resp.text().await.expect("read stream");
    assert_eq!(status, 200, "{text}");
    assert_eq!(content_type, "text/event-stream", "{text}");
    json_events(&text)
}

/// Concatenates the `delta.content` of chat chunks.
pub fn streamed_content(events: &[Value]) -> String {
    events
        .iter()
        .filter_map(|e| e["choices"].as_array())
        .flatten()
        .filter_map(|c| c["delta"]["content"].as_str())
        .collect()
}

/// Polls `cond` every few milliseconds until it holds; panics after 10 seconds. Used to wait for
/// a state (a request reached the mock, a request is queued), never to measure time.
pub async fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !cond() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "gave up waiting for: {what}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
