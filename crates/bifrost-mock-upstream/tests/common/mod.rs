//! Shared helpers for the integration tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use bifrost_mock_upstream::MockUpstream;
use futures::StreamExt as _;
use serde_json::Value;

/// A started mock plus an HTTP client.
pub struct Harness {
    pub mock: MockUpstream,
    pub client: reqwest::Client,
}

pub fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("reqwest client")
}

pub async fn start() -> Harness {
    Harness {
        mock: MockUpstream::start().await.expect("start mock"),
        client: client(),
    }
}

impl Harness {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.mock.base_url())
    }

    /// POSTs JSON with `Authorization: Bearer sk-test`.
    pub async fn post(&self, path: &str, body: Value) -> reqwest::Response {
        self.post_with_key(path, body, Some("sk-test")).await
    }

    pub async fn post_with_key(
        &self,
        path: &str,
        body: Value,
        key: Option<&str>,
    ) -> reqwest::Response {
        let mut req = self.client.post(self.url(path)).json(&body);
        if let Some(key) = key {
            req = req.bearer_auth(key);
        }
        req.send().await.expect("send")
    }

    /// POSTs and parses a JSON response, asserting the status.
    pub async fn post_json(&self, path: &str, body: Value, status: u16) -> Value {
        let resp = self.post(path, body).await;
        assert_eq!(resp.status().as_u16(), status);
        resp.json().await.expect("json body")
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth("sk-test")
            .send()
            .await
            .expect("send")
    }
}

/// One SSE event.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Json(Value),
    Done,
}

/// Parses a complete SSE body into `data:` events.
pub fn parse_sse(body: &str) -> Vec<Event> {
    assert!(
        body.ends_with("\n\n") || body.is_empty(),
        "every event must end with a blank line: {body:?}"
    );
    body.split("\n\n")
        .filter(|e| !e.is_empty())
        .map(|event| {
            let data = event
                .strip_prefix("data: ")
                .unwrap_or_else(|| panic!("not a data event: {event:?}"));
            if data == "[DONE]" {
                Event::Done
            } else {
                Event::Json(serde_json::from_str(data).expect("event json"))
            }
        })
        .collect()
}

/// The JSON events of a stream, asserting that it ends with exactly one
/// `[DONE]`.
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
            Event::Done => panic!("[DONE] before the end"),
        })
        .collect()
}

/// Reads a body until it ends or fails; returns the bytes read and whether
/// it failed.
pub async fn read_until_error(resp: reqwest::Response) -> (String, bool) {
    let mut stream = resp.bytes_stream();
    let mut data = Vec::new();
    let mut failed = false;
    while let Some(chunk) = stream.next().await {
        match chunk {
            Ok(bytes) => data.extend_from_slice(&bytes),
            Err(_) => {
                failed = true;
                break;
            }
        }
    }
    (String::from_utf8(data).expect("utf8"), failed)
}

/// A one-user-message chat request.
pub fn chat(model: &str, text: &str) -> Value {
    serde_json::json!({
        "model": model,
        "messages": [{"role": "user", "content": text}],
    })
}

/// Asserts an OpenAI error body and returns its `error` object.
pub async fn error_of(resp: reqwest::Response, status: u16) -> Value {
    assert_eq!(resp.status().as_u16(), status);
    let ct = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(ct.starts_with("application/json"), "content-type {ct}");
    let body: Value = resp.json().await.expect("error json");
    let err = body["error"].clone();
    assert!(err["message"].is_string(), "{body}");
    assert!(err["type"].is_string(), "{body}");
    assert!(err.get("param").is_some(), "{body}");
    assert!(err.get("code").is_some(), "{body}");
    err
}
