//! The Anthropic endpoints of the mock over HTTP: auth, headers, event streams, faults, models.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Harness, read_until_error, start};
use serde_json::{Value, json};

const KEY: &str = "sk-ant-test";

impl Harness {
    async fn anthropic(&self, path: &str, body: Value, key: Option<&str>) -> reqwest::Response {
        let mut req = self
            .client
            .post(self.url(path))
            .header("anthropic-version", "2023-06-01")
            .json(&body);
        if let Some(key) = key {
            req = req.header("x-api-key", key);
        }
        req.send().await.unwrap()
    }
}

fn message(model: &str, text: &str) -> Value {
    json!({"model": model, "max_tokens": 64, "messages": [{"role": "user", "content": text}]})
}

async fn anthropic_error(resp: reqwest::Response, status: u16) -> Value {
    assert_eq!(resp.status().as_u16(), status);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["type"], "error", "{body}");
    assert!(body["request_id"].is_string(), "{body}");
    body["error"].clone()
}

/// `(event name, data)` pairs of an Anthropic event stream.
fn events(body: &str) -> Vec<(String, Value)> {
    body.split("\n\n")
        .filter(|e| !e.is_empty())
        .map(|e| {
            let (name, data) = e.split_once('\n').unwrap();
            let name = name.strip_prefix("event: ").unwrap().to_owned();
            let data: Value = serde_json::from_str(data.strip_prefix("data: ").unwrap()).unwrap();
            assert_eq!(
                data["type"],
                name.as_str(),
                "data.type repeats the event name"
            );
            (name, data)
        })
        .collect()
}

#[tokio::test]
async fn auth_and_version_are_checked() {
    let h = start().await;
    for key in [None, Some("bad-key"), Some("invalid")] {
        let resp = h
            .anthropic("/v1/messages", message("claude", "hi"), key)
            .await;
        let err = anthropic_error(resp, 401).await;
        assert_eq!(
            err,
            json!({"type": "authentication_error", "message": "invalid x-api-key"})
        );
    }
    let resp = h
        .anthropic(
            "/v1/messages",
            message("claude", "hi"),
            Some("ratelimited-1"),
        )
        .await;
    assert_eq!(resp.headers()["retry-after"], "1");
    assert_eq!(anthropic_error(resp, 429).await["type"], "rate_limit_error");
    let resp = h
        .client
        .post(h.url("/v1/messages"))
        .header("x-api-key", KEY)
        .json(&message("claude", "hi"))
        .send()
        .await
        .unwrap();
    let err = anthropic_error(resp, 400).await;
    assert_eq!(err["message"], "anthropic-version: header is required");
}

#[tokio::test]
async fn messages_answer_and_validate() {
    let h = start().await;
    let resp = h
        .anthropic(
            "/v1/messages",
            message("claude-sonnet-4-5", "hello there"),
            Some(KEY),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["type"], "message");
    assert_eq!(
        body["content"],
        json!([{"type": "text", "text": "Echo: hello there"}])
    );
    assert_eq!(body["stop_reason"], "end_turn");
    assert_eq!(body["usage"]["input_tokens"], 2);
    assert_eq!(body["usage"]["output_tokens"], 3);

    let mut bad = message("claude", "hi");
    bad["stream_options"] = json!({"include_usage": true});
    let resp = h.anthropic("/v1/messages", bad, Some(KEY)).await;
    let err = anthropic_error(resp, 400).await;
    assert_eq!(err["type"], "invalid_request_error");
    assert_eq!(
        err["message"],
        "stream_options: Extra inputs are not permitted"
    );

    let resp = h
        .anthropic(
            "/v1/messages/count_tokens",
            json!({"model": "claude", "system": "be brief", "messages": [{"role": "user", "content": "hello there"}]}),
            Some(KEY),
        )
        .await;
    assert_eq!(
        resp.json::<Value>().await.unwrap(),
        json!({"input_tokens": 4})
    );
}

#[tokio::test]
async fn stream_has_every_event_type() {
    let h = start().await;
    let body = json!({"model": "claude", "max_tokens": 4000, "stream": true,
        "thinking": {"type": "enabled", "budget_tokens": 1024},
        "tools": [{"name": "get_weather", "input_schema": {"type": "object"}}],
        "messages": [{"role": "user", "content": "weather please"}]});
    let resp = h.anthropic("/v1/messages", body, Some(KEY)).await;
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let events = events(&resp.text().await.unwrap());
    let names: Vec<&str> = events.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names[..2], ["message_start", "ping"]);
    assert_eq!(names[names.len() - 2..], ["message_delta", "message_stop"]);
    let deltas: Vec<&str> = events
        .iter()
        .filter_map(|(_, d)| d["delta"]["type"].as_str())
        .collect();
    for kind in [
        "thinking_delta",
        "signature_delta",
        "text_delta",
        "input_json_delta",
    ] {
        assert!(deltas.contains(&kind), "{kind} missing from {deltas:?}");
    }
    let starts: Vec<&str> = events
        .iter()
        .filter(|(n, _)| n == "content_block_start")
        .map(|(_, d)| d["content_block"]["type"].as_str().unwrap())
        .collect();
    assert_eq!(starts, ["thinking", "text", "tool_use"]);
    let last_delta = &events[events.len() - 2].1;
    assert_eq!(last_delta["delta"]["stop_reason"], "tool_use");
}

#[tokio::test]
async fn faults_use_anthropic_shapes() {
    let h = start().await;
    let resp = h
        .anthropic("/v1/messages", message("error-529", "hi"), Some(KEY))
        .await;
    assert_eq!(
        anthropic_error(resp, 529).await,
        json!({"type": "overloaded_error", "message": "Overloaded"})
    );
    let resp = h
        .anthropic("/v1/messages", message("error-500", "hi"), Some(KEY))
        .await;
    assert_eq!(anthropic_error(resp, 500).await["type"], "api_error");

    let mut body = message("stream-error", "one two three");
    body["stream"] = json!(true);
    let text = h
        .anthropic("/v1/messages", body, Some(KEY))
        .await
        .text()
        .await
        .unwrap();
    let events = events(&text);
    assert_eq!(events.len(), 5);
    assert_eq!(events[4].0, "error");
    assert_eq!(events[4].1["error"]["type"], "overloaded_error");

    let mut body = message("truncated", "one two three");
    body["stream"] = json!(true);
    let (partial, failed) =
        read_until_error(h.anthropic("/v1/messages", body, Some(KEY)).await).await;
    assert!(failed, "the connection is aborted");
    assert!(!partial.contains("message_stop"));

    for (model, status) in [("flaky-1-529", 529), ("flaky-1-529", 200)] {
        let resp = h
            .anthropic("/v1/messages", message(model, "hi"), Some(KEY))
            .await;
        assert_eq!(resp.status().as_u16(), status);
    }
    let resp = h
        .anthropic("/v1/messages", message("garbage", "hi"), Some(KEY))
        .await;
    assert!(serde_json::from_str::<Value>(&resp.text().await.unwrap()).is_err());
}

#[tokio::test]
async fn models_are_told_apart_by_headers() {
    let h = start().await;
    let anthropic: Value = h
        .client
        .get(h.url("/v1/models?limit=2"))
        .header("x-api-key", KEY)
        .header("anthropic-version", "2023-06-01")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(anthropic["has_more"], true);
    assert_eq!(anthropic["data"][0]["type"], "model");
    assert_eq!(
        anthropic["data"][0]["id"],
        bifrost_mock_upstream::ANTHROPIC_MODELS[0].0
    );
    assert_eq!(anthropic["last_id"], anthropic["data"][1]["id"]);
    let openai: Value = h.get("/v1/models").await.json().await.unwrap();
    assert_eq!(openai["object"], "list");
    assert_eq!(openai["data"][0]["id"], bifrost_mock_upstream::MODELS[0].0);
    let one = h
        .client
        .get(h.url("/v1/models/claude-haiku-4-5-20251001"))
        .header("x-api-key", KEY)
        .header("anthropic-version", "2023-06-01")
        .send()
        .await
        .unwrap();
    assert_eq!(
        one.json::<Value>().await.unwrap()["display_name"],
        "Claude Haiku 4.5"
    );
    assert_eq!(h.mock.requests().len(), 3);
}
