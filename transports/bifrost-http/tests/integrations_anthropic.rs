//! The Anthropic drop-in routes under `/anthropic`: Messages (whole and streamed) served by the
//! Anthropic mock and by OpenAI through the same route, tools, thinking, count_tokens, models,
//! and errors in Anthropic's shape.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use serde_json::{Value, json};

/// The key the gateway holds for Anthropic (the mock accepts it).
const ANTHROPIC_KEY: &str = "sk-ant-api03-test";
/// A key the mock rejects (weight 0: used only when pinned with `x-bf-api-key`).
const BAD_KEY: &str = "bad-ant-key";
/// What an SDK caller puts in `x-api-key`: accepted, never forwarded.
const CALLER_KEY: &str = "sk-ant-caller-own-key";

async fn gateway() -> Gw {
    start(|base| {
        providers(&[
            (
                "anthropic",
                merge(
                    provider(base, json!([key(ANTHROPIC_KEY, 1.0), key(BAD_KEY, 0.0)])),
                    fast_retries(0),
                ),
            ),
            ("openai", merge(one_key(base, GOOD_KEY), fast_retries(0))),
        ])
    })
    .await
}

const SDK_HEADERS: &[(&str, &str)] = &[
    ("x-api-key", CALLER_KEY),
    ("anthropic-version", "2023-06-01"),
];

async fn messages(gw: &Gw, body: &Value) -> reqwest::Response {
    gw.post_with("/anthropic/v1/messages", body, SDK_HEADERS)
        .await
}

fn ask(model: &str, text: &str) -> Value {
    json!({"model": model, "max_tokens": 256, "messages": [{"role": "user", "content": text}]})
}

/// One Anthropic stream event: its `event:` name and `data:` JSON.
#[derive(Debug, Clone)]
struct Ev {
    name: String,
    data: Value,
}

/// Parses `event: <name>\ndata: <json>\n\n` frames, checking the framing.
fn anthropic_events(body: &str) -> Vec<Ev> {
    assert!(body.ends_with("\n\n"), "unterminated event: {body:?}");
    body.split("\n\n")
        .filter(|f| !f.is_empty())
        .map(|frame| {
            let (event, data) = frame
                .split_once('\n')
                .unwrap_or_else(|| panic!("not an event frame: {frame:?}"));
            let name = event
                .strip_prefix("event: ")
                .unwrap_or_else(|| panic!("no event line: {frame:?}"));
            let data = data
                .strip_prefix("data: ")
                .unwrap_or_else(|| panic!("no data line: {frame:?}"));
            let data: Value = serde_json::from_str(data).expect("event JSON");
            assert_eq!(data["type"], name, "data.type repeats the event name");
            Ev {
                name: name.to_owned(),
                data,
            }
        })
        .collect()
}

async fn stream_events(resp: reqwest::Response) -> Vec<Ev> {
    let status = resp.status().as_u16();
    let content_type = resp.headers()["content-type"].to_str().unwrap().to_owned();
    let text = resp.text().await.unwrap();
    assert_eq!(status, 200, "{text}");
    assert_eq!(content_type, "text/event-stream");
    anthropic_events(&text)
}

fn names(events: &[Ev]) -> Vec<&str> {
    events.iter().map(|e| e.name.as_str()).collect()
}

/// Concatenates the `text_delta`s of a stream.
fn streamed_text(events: &[Ev]) -> String {
    events
        .iter()
        .filter_map(|e| e.data["delta"]["text"].as_str())
        .collect()
}

/// Checks Anthropic's event grammar: start, ping, well-nested blocks with increasing indexes,
/// message_delta, message_stop.
fn assert_event_order(events: &[Ev]) {
    let n = names(events);
    assert_eq!(&n[..2], ["message_start", "ping"], "{n:?}");
    assert_eq!(
        &n[n.len() - 2..],
        ["message_delta", "message_stop"],
        "{n:?}"
    );
    let mut open: Option<u64> = None;
    let mut next = 0;
    for e in &events[2..events.len() - 2] {
        let index = e.data["index"].as_u64().unwrap();
        match e.name.as_str() {
            "content_block_start" => {
                assert!(open.is_none(), "block {index} starts inside another: {n:?}");
                assert_eq!(index, next, "{n:?}");
                open = Some(index);
                next += 1;
            }
            "content_block_delta" => assert_eq!(open, Some(index), "{n:?}"),
            "content_block_stop" => {
                assert_eq!(open, Some(index), "{n:?}");
                open = None;
            }
            other => panic!("unexpected {other} between blocks: {n:?}"),
        }
    }
    assert!(open.is_none(), "a block was never stopped: {n:?}");
}

/// Asserts an Anthropic error answer and returns its `error` object.
async fn anthropic_error(resp: reqwest::Response, status: u16) -> Value {
    assert_eq!(resp.status().as_u16(), status);
    assert!(resp.headers().get("request-id").is_some());
    assert_eq!(resp.headers()["content-type"], "application/json");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["type"], "error", "{body}");
    assert!(body.get("is_bifrost_error").is_none(), "{body}");
    assert!(body["error"]["message"].is_string(), "{body}");
    body["error"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bare_model_is_served_by_anthropic_with_the_gateways_key() {
    let gw = gateway().await;
    let resp = messages(&gw, &ask("claude-sonnet-4-5", "hello there")).await;
    assert!(resp.headers().get("request-id").is_some());
    let msg = ok_json(resp).await;
    assert_eq!(msg["type"], "message");
    assert_eq!(msg["role"], "assistant");
    assert!(msg["id"].as_str().unwrap().starts_with("msg_"), "{msg}");
    assert_eq!(msg["model"], "claude-sonnet-4-5");
    assert_eq!(
        msg["content"],
        json!([{"type": "text", "text": "Echo: hello there"}])
    );
    assert_eq!(msg["stop_reason"], "end_turn");
    assert_eq!(msg["stop_sequence"], Value::Null);
    assert_eq!(msg["usage"]["input_tokens"], 2);
    assert_eq!(msg["usage"]["output_tokens"], 3);
    assert_eq!(msg["usage"]["cache_read_input_tokens"], 0);
    assert!(msg.get("extra_fields").is_none() && msg.get("choices").is_none());
    let up = &gw.requests()[0];
    assert_eq!(up.path, "/v1/messages");
    assert_eq!(up.header("x-api-key"), Some(ANTHROPIC_KEY));
    assert!(
        up.headers.iter().all(|(_, v)| !v.contains(CALLER_KEY)),
        "the caller's key must never travel upstream"
    );
    let body = body_of(up);
    assert_eq!(body["model"], "claude-sonnet-4-5");
    assert_eq!(body["max_tokens"], 256);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_prefixed_model_reaches_openai_and_answers_as_anthropic() {
    let gw = gateway().await;
    let mut body = ask("openai/gpt-4o", "from the anthropic sdk");
    body["system"] =
        json!([{"type": "text", "text": "be brief", "cache_control": {"type": "ephemeral"}}]);
    body["stop_sequences"] = json!(["###"]);
    body["metadata"] = json!({"user_id": "u-1"});
    body["top_k"] = json!(5);
    let msg = ok_json(messages(&gw, &body).await).await;
    assert_eq!(msg["type"], "message");
    assert!(msg["id"].as_str().unwrap().starts_with("msg_"));
    assert_eq!(msg["model"], "gpt-4o");
    assert_eq!(
        msg["content"],
        json!([{"type": "text", "text": "Echo: from the anthropic sdk"}])
    );
    assert_eq!(msg["stop_reason"], "end_turn");
    assert!(msg["usage"]["input_tokens"].as_u64().unwrap() > 0);
    assert_eq!(msg["usage"]["output_tokens"], 5);
    let up = &gw.requests()[0];
    assert_eq!(up.path, "/v1/chat/completions");
    assert_eq!(bearer(up).as_deref(), Some(GOOD_KEY));
    assert!(up.header("x-api-key").is_none());
    let sent = body_of(up);
    assert_eq!(sent["model"], "gpt-4o");
    assert_eq!(sent["max_completion_tokens"], 256);
    assert_eq!(sent["stop"], json!(["###"]));
    assert_eq!(sent["user"], "u-1");
    assert_eq!(
        sent["messages"][0],
        json!({"role": "system", "content": "be brief"})
    );
    let text = sent.to_string();
    assert!(
        !text.contains("cache_control") && !text.contains("top_k"),
        "{sent}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn native_fields_and_blocks_reach_anthropic_unchanged() {
    let gw = gateway().await;
    let body = json!({
        "model": "claude-sonnet-4-5",
        "max_tokens": 300,
        "system": [{"type": "text", "text": "one two three", "cache_control": {"type": "ephemeral"}},
                   {"type": "text", "text": "four"}],
        "messages": [
            {"role": "user", "content": [
                {"type": "text", "text": "look at these", "cache_control": {"type": "ephemeral", "ttl": "1h"}},
                {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}},
                {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBERi0x"}, "title": "a.pdf", "citations": {"enabled": true}},
                {"type": "search_result", "source": "https://example.com", "title": "r", "content": [{"type": "text", "text": "hit"}]}
            ]},
            {"role": "assistant", "content": [
                {"type": "text", "text": "Let me check."},
                {"type": "tool_use", "id": "toolu_1", "name": "lookup", "input": {"q": "x"}}
            ]},
            {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "toolu_1", "content": "found", "is_error": false, "cache_control": {"type": "ephemeral"}},
                {"type": "text", "text": "go on"}
            ]}
        ],
        "tools": [{"name": "lookup", "description": "search", "input_schema": {"type": "object"}, "cache_control": {"type": "ephemeral"}},
                  {"type": "web_search_20250305", "name": "web_search", "max_uses": 2}],
        "tool_choice": {"type": "auto", "disable_parallel_tool_use": true},
        "metadata": {"user_id": "u-7"},
        "stop_sequences": ["STOP"],
        "temperature": 0.2,
        "top_k": 3,
        "service_tier": "standard_only",
        "context_management": {"edits": []}
    });
    let msg = ok_json(messages(&gw, &body).await).await;
    assert_eq!(msg["content"][0]["text"], "Tool said: found");
    let sent = body_of(&gw.requests()[0]);
    assert_eq!(sent, body, "the upstream got exactly the caller's request");
    assert_eq!(msg["usage"]["cache_creation_input_tokens"], 11);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_caller_anthropic_beta_header_reaches_anthropic_only() {
    let gw = gateway().await;
    let mut headers = SDK_HEADERS.to_vec();
    headers.push(("anthropic-beta", "context-management-2025-06-27"));
    for model in ["claude-x", "openai/gpt-4o"] {
        let resp = gw
            .post_with("/anthropic/v1/messages", &ask(model, "hi"), &headers)
            .await;
        assert_eq!(resp.status(), 200);
    }
    let reqs = gw.requests();
    assert_eq!(
        reqs[0].header("anthropic-beta"),
        Some("context-management-2025-06-27")
    );
    assert_eq!(reqs[0].header("anthropic-version"), Some("2023-06-01"));
    assert!(reqs[1].header("anthropic-beta").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_follow_anthropics_event_order() {
    let gw = gateway().await;
    let mut body = ask("claude-sonnet-4-5", "stream this please");
    body["stream"] = json!(true);
    let events = stream_events(messages(&gw, &body).await).await;
    assert_event_order(&events);
    assert_eq!(streamed_text(&events), "Echo: stream this please");
    let start = &events[0].data["message"];
    assert!(start["id"].as_str().unwrap().starts_with("msg_"));
    assert_eq!(start["content"], json!([]));
    assert_eq!(start["stop_reason"], Value::Null);
    assert_eq!(
        events[2].data["content_block"],
        json!({"type": "text", "text": ""})
    );
    let delta = &events[events.len() - 2].data;
    assert_eq!(
        delta["delta"],
        json!({"stop_reason": "end_turn", "stop_sequence": null})
    );
    assert_eq!(delta["usage"]["output_tokens"], 4);
    assert_eq!(delta["usage"]["input_tokens"], 3);
    assert_eq!(events.last().unwrap().data, json!({"type": "message_stop"}));
    assert_eq!(body_of(&gw.requests()[0])["stream"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_openai_stream_becomes_anthropic_events_with_tool_use() {
    let gw = gateway().await;
    let mut body = ask("openai/gpt-4o", "weather in Paris");
    body["stream"] = json!(true);
    body["tools"] = json!([{"name": "get_weather", "input_schema": {"type": "object", "properties": {"location": {"type": "string"}}}}]);
    body["tool_choice"] = json!({"type": "tool", "name": "get_weather"});
    let events = stream_events(messages(&gw, &body).await).await;
    assert_event_order(&events);
    let start = events
        .iter()
        .find(|e| e.data["content_block"]["type"] == "tool_use")
        .expect("a tool_use block");
    assert_eq!(start.data["content_block"]["name"], "get_weather");
    assert_eq!(start.data["content_block"]["input"], json!({}));
    let json_text: String = events
        .iter()
        .filter_map(|e| e.data["delta"]["partial_json"].as_str())
        .collect();
    assert_eq!(
        serde_json::from_str::<Value>(&json_text).unwrap(),
        json!({"location": "Paris"})
    );
    let delta = &events[events.len() - 2].data;
    assert_eq!(delta["delta"]["stop_reason"], "tool_use");
    let sent = body_of(&gw.requests()[0]);
    assert_eq!(
        sent["tool_choice"],
        json!({"type": "function", "function": {"name": "get_weather"}})
    );
    assert_eq!(sent["tools"][0]["function"]["parameters"]["type"], "object");
    assert_eq!(sent["stream_options"]["include_usage"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tool_use_round_trip() {
    let gw = gateway().await;
    let tools = json!([{"name": "get_weather", "description": "Weather", "input_schema": {"type": "object", "properties": {"location": {"type": "string"}}}}]);
    for model in ["claude-sonnet-4-5", "openai/gpt-4o"] {
        let mut first = ask(model, "what is the weather in Paris?");
        first["tools"] = tools.clone();
        let msg = ok_json(messages(&gw, &first).await).await;
        assert_eq!(msg["stop_reason"], "tool_use", "{model}: {msg}");
        let tool_use = msg["content"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["type"] == "tool_use")
            .unwrap()
            .clone();
        assert_eq!(tool_use["name"], "get_weather");
        assert_eq!(tool_use["input"], json!({"location": "Paris"}));
        let mut second = first.clone();
        second["messages"] = json!([
            first["messages"][0],
            {"role": "assistant", "content": msg["content"]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": tool_use["id"], "content": "18C and sunny"}]}
        ]);
        let msg = ok_json(messages(&gw, &second).await).await;
        assert_eq!(msg["stop_reason"], "end_turn", "{model}: {msg}");
        assert_eq!(
            msg["content"][0]["text"], "Tool said: 18C and sunny",
            "{model}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thinking_signatures_survive_a_round_trip() {
    let gw = gateway().await;
    let mut first = ask("claude-sonnet-4-5", "think about redact this");
    first["max_tokens"] = json!(2048);
    first["thinking"] = json!({"type": "enabled", "budget_tokens": 1024});
    let msg = ok_json(messages(&gw, &first).await).await;
    let kinds: Vec<&str> = msg["content"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["thinking", "redacted_thinking", "text"]);
    assert!(
        msg["content"][0]["signature"]
            .as_str()
            .unwrap()
            .starts_with("EqMockSig")
    );
    assert_eq!(body_of(&gw.requests()[0])["thinking"], first["thinking"]);
    // The mock verifies the signature and the redacted data of replayed blocks.
    let mut second = first.clone();
    second["messages"] = json!([
        first["messages"][0],
        {"role": "assistant", "content": msg["content"]},
        {"role": "user", "content": "and now?"}
    ]);
    let again = ok_json(messages(&gw, &second).await).await;
    assert_eq!(again["content"][0]["type"], "thinking");
    let replayed = body_of(&gw.requests()[1]);
    assert_eq!(replayed["messages"][1]["content"], msg["content"]);
    // A tampered signature is refused by the upstream, and the refusal is Anthropic's.
    second["messages"][1]["content"][0]["signature"] = json!("forged");
    let err = anthropic_error(messages(&gw, &second).await, 400).await;
    assert_eq!(err["type"], "invalid_request_error");
    assert!(
        err["message"].as_str().unwrap().contains("signature"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streamed_thinking_has_thinking_and_signature_deltas() {
    let gw = gateway().await;
    let mut body = ask("claude-sonnet-4-5", "ponder");
    body["max_tokens"] = json!(2048);
    body["thinking"] = json!({"type": "enabled", "budget_tokens": 1024});
    body["stream"] = json!(true);
    let events = stream_events(messages(&gw, &body).await).await;
    assert_event_order(&events);
    assert_eq!(
        events[2].data["content_block"],
        json!({"type": "thinking", "thinking": ""})
    );
    let thinking: String = events
        .iter()
        .filter_map(|e| e.data["delta"]["thinking"].as_str())
        .collect();
    assert_eq!(thinking, "Thinking about: ponder");
    let signature: Vec<&Ev> = events
        .iter()
        .filter(|e| e.data["delta"]["type"] == "signature_delta")
        .collect();
    assert_eq!(signature.len(), 1);
    assert_eq!(signature[0].data["index"], 0);
    assert!(
        signature[0].data["delta"]["signature"]
            .as_str()
            .unwrap()
            .starts_with("EqMockSig")
    );
    assert_eq!(streamed_text(&events), "Echo: ponder");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn count_tokens_answers_input_tokens() {
    let gw = gateway().await;
    let body = json!({"model": "claude-sonnet-4-5", "system": "be brief",
        "messages": [{"role": "user", "content": "count these four words"}],
        "tools": [{"name": "t", "input_schema": {"type": "object"}}]});
    let resp = gw
        .post_with("/anthropic/v1/messages/count_tokens", &body, SDK_HEADERS)
        .await;
    let count = ok_json(resp).await;
    assert_eq!(count, json!({"input_tokens": 6}));
    let up = &gw.requests()[0];
    assert_eq!(up.path, "/v1/messages/count_tokens");
    assert_eq!(body_of(up)["system"], "be brief");
    let err = anthropic_error(
        gw.post_with(
            "/anthropic/v1/messages/count_tokens",
            &json!({"messages": []}),
            SDK_HEADERS,
        )
        .await,
        400,
    )
    .await;
    assert_eq!(err["message"], "model: Field required");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn models_are_listed_in_anthropics_shape() {
    let gw = gateway().await;
    let page = ok_json(gw.get("/anthropic/v1/models?limit=1000").await).await;
    let data = page["data"].as_array().unwrap();
    let ids: Vec<&str> = data.iter().map(|m| m["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&"claude-sonnet-4-5-20250929"), "{ids:?}");
    assert!(ids.contains(&"openai/gpt-4o"), "{ids:?}");
    let sonnet = data
        .iter()
        .find(|m| m["id"] == "claude-sonnet-4-5-20250929")
        .unwrap();
    assert_eq!(
        sonnet,
        &json!({"type": "model", "id": "claude-sonnet-4-5-20250929",
            "display_name": "Claude Sonnet 4.5", "created_at": "2025-09-29T00:00:00Z"})
    );
    assert_eq!(page["has_more"], false);
    assert_eq!(page["first_id"], ids[0]);
    assert_eq!(page["last_id"], ids[ids.len() - 1]);
    let first = ok_json(gw.get("/anthropic/v1/models?limit=2").await).await;
    assert_eq!(first["data"].as_array().unwrap().len(), 2);
    assert_eq!(first["has_more"], true);
    let next = ok_json(
        gw.get(&format!(
            "/anthropic/v1/models?limit=2&after_id={}",
            first["last_id"].as_str().unwrap()
        ))
        .await,
    )
    .await;
    assert_eq!(next["data"][0]["id"], ids[2]);
    let one = ok_json(
        gw.get("/anthropic/v1/models/claude-haiku-4-5-20251001")
            .await,
    )
    .await;
    assert_eq!(one["display_name"], "Claude Haiku 4.5");
    let err = anthropic_error(gw.get("/anthropic/v1/models/claude-nope").await, 404).await;
    assert_eq!(err["type"], "not_found_error");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_have_anthropics_shape_and_status() {
    let gw = gateway().await;
    let err = anthropic_error(
        messages(
            &gw,
            &json!({"model": "claude-x", "messages": [{"role": "user", "content": "x"}]}),
        )
        .await,
        400,
    )
    .await;
    assert_eq!(
        err,
        json!({"type": "invalid_request_error", "message": "max_tokens: Field required"})
    );
    for (model, status, kind) in [
        ("error-400", 400, "invalid_request_error"),
        // 401/402/403 retire the key; with every key retired the gateway answers 502.
        ("error-401", 502, "api_error"),
        ("error-403", 502, "api_error"),
        ("error-404", 404, "not_found_error"),
        ("error-413", 413, "request_too_large"),
        ("error-429", 429, "rate_limit_error"),
        ("error-500", 500, "api_error"),
        ("error-529", 529, "overloaded_error"),
        ("openai/error-429", 429, "rate_limit_error"),
        ("openai/error-400", 400, "invalid_request_error"),
        ("openai/error-500", 500, "api_error"),
    ] {
        let err = anthropic_error(messages(&gw, &ask(model, "x")).await, status).await;
        assert_eq!(err["type"], kind, "{model}: {err}");
    }
    // A pinned key that the upstream refuses is the upstream's own 401.
    let mut headers = SDK_HEADERS.to_vec();
    headers.push(("x-bf-api-key", BAD_KEY));
    let resp = gw
        .post_with("/anthropic/v1/messages", &ask("claude-x", "x"), &headers)
        .await;
    let err = anthropic_error(resp, 401).await;
    assert_eq!(
        err,
        json!({"type": "authentication_error", "message": "invalid x-api-key"})
    );
    let resp = gw
        .client
        .post(format!("{}/anthropic/v1/messages", gw.url))
        .header("content-type", "application/json")
        .body("{\"model\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(
        anthropic_error(resp, 400).await["type"],
        "invalid_request_error"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failure_mid_stream_is_an_error_event() {
    let gw = gateway().await;
    for (model, kind) in [
        ("stream-error", "overloaded_error"),
        ("openai/stream-error", "api_error"),
    ] {
        let mut body = ask(model, "one two three four five six");
        body["stream"] = json!(true);
        let events = stream_events(messages(&gw, &body).await).await;
        let n = names(&events);
        assert_eq!(&n[..2], ["message_start", "ping"], "{model}: {n:?}");
        let last = events.last().unwrap();
        assert_eq!(last.name, "error", "{model}: {n:?}");
        assert_eq!(last.data["error"]["type"], kind, "{model}: {:?}", last.data);
        assert!(!n.contains(&"message_stop"), "{model}: {n:?}");
        assert!(
            !streamed_text(&events).is_empty(),
            "{model}: content came first"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn framework_prefixes_expose_the_anthropic_routes() {
    let gw = gateway().await;
    for prefix in ["/litellm", "/langchain", "/pydanticai"] {
        let msg = ok_json(
            gw.post_with(
                &format!("{prefix}/anthropic/v1/messages"),
                &ask("claude-x", prefix),
                SDK_HEADERS,
            )
            .await,
        )
        .await;
        assert_eq!(msg["content"][0]["text"], format!("Echo: {prefix}"));
    }
}
