//! Shared helpers of the telemetry, trace and log tests: an in-process gateway against the in-process mock upstream.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use bifrost_core::config::ConfigFile;
use bifrost_http::{Gateway, RunningGateway, config_load, spawn};
use bifrost_mock_upstream::MockUpstream;
use serde_json::{Value, json};

/// A mock upstream, a gateway configured against it, and an HTTP client.
pub struct Harness {
    pub mock: MockUpstream,
    pub gateway: RunningGateway,
    pub loaded: Gateway,
    pub client: reqwest::Client,
}

/// What a request returned, and how long it took from the caller's side.
pub struct Answer {
    pub status: u16,
    pub body: String,
    pub elapsed: Duration,
    pub request_size: usize,
}

pub fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("reqwest client")
}

/// A provider entry pointing at the mock.
pub fn provider(mock: &MockUpstream, keys: Value, network: Value) -> Value {
    let mut net = json!({"base_url": mock.base_url()});
    if let (Some(n), Some(extra)) = (net.as_object_mut(), network.as_object()) {
        n.extend(extra.clone());
    }
    json!({"keys": keys, "network_config": net})
}

/// A key entry serving every model.
pub fn key(id: &str, name: &str, value: &str, weight: f64) -> Value {
    json!({"id": id, "name": name, "value": value, "models": ["*"], "weight": weight})
}

/// Starts a gateway with `config` (its `providers` built by the caller against `mock`).
pub async fn start_with(mock: MockUpstream, config: Value) -> Harness {
    let bytes = serde_json::to_vec(&config).unwrap();
    let file = ConfigFile::parse(&bytes).expect("config parses");
    let loaded =
        config_load::from_file(file, None, Path::new("config.json")).expect("config loads");
    let gateway = Gateway::from_loaded(loaded);
    let running = spawn(
        gateway.service.clone(),
        SocketAddr::from(([127, 0, 0, 1], 0)),
    )
    .await
    .expect("gateway listens");
    Harness {
        mock,
        gateway: running,
        loaded: gateway,
        client: client(),
    }
}

impl Harness {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.gateway.base_url())
    }

    /// POSTs `body` to `path` with extra headers; reads the whole answer.
    pub async fn post(&self, path: &str, body: &Value, headers: &[(&str, &str)]) -> Answer {
        let bytes = serde_json::to_vec(body).unwrap();
        let request_size = bytes.len();
        let mut req = self
            .client
            .post(self.url(path))
            .header("content-type", "application/json")
            .body(bytes);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let started = Instant::now();
        let resp = req.send().await.expect("send");
        let status = resp.status().as_u16();
        let body = resp.text().await.expect("body");
        Answer {
            status,
            body,
            elapsed: started.elapsed(),
            request_size,
        }
    }

    /// GETs `path`; returns the status and body.
    pub async fn get(&self, path: &str) -> (u16, String) {
        let resp = self.client.get(self.url(path)).send().await.expect("send");
        let status = resp.status().as_u16();
        (status, resp.text().await.expect("body"))
    }
}

/// A one-user-message chat request.
pub fn chat(model: &str, text: &str) -> Value {
    json!({"model": model, "messages": [{"role": "user", "content": text}]})
}

/// The JSON events of an SSE body (without `[DONE]`).
pub fn sse_events(body: &str) -> Vec<Value> {
    body.split("\n\n")
        .filter_map(|e| e.strip_prefix("data: "))
        .filter(|d| *d != "[DONE]")
        .map(|d| serde_json::from_str(d).expect("event json"))
        .collect()
}
