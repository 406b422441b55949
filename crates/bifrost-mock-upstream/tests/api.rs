//! Integration tests of the normal (fault-free) API surface.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use base64::Engine as _;
use bifrost_mock_upstream::MockUpstream;
use common::{chat, json_events, start};
use serde_json::{Value, json};

#[tokio::test]
async fn chat_non_stream_content_and_usage() {
    let h = start().await;
    let resp = h
        .post(
            "/v1/chat/completions",
            json!({
                "model": "gpt-4o",
                "messages": [
                    {"role": "system", "content": "You are terse."},
                    {"role": "user", "content": "first question"},
                    {"role": "assistant", "content": "first answer"},
                    {"role": "user", "content": "Hello   mock\nworld"}
                ]
            }),
        )
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/json");
    assert!(resp.headers().contains_key("x-request-id"));
    let v: Value = resp.json().await.unwrap();
    assert!(v["id"].as_str().unwrap().starts_with("chatcmpl-mock-"));
    assert_eq!(v["object"], "chat.completion");
    assert!(v["created"].as_u64().unwrap() > 1_700_000_000);
    assert_eq!(v["model"], "gpt-4o");
    assert_eq!(v["system_fingerprint"], "fp_mock");
    let choices = v["choices"].as_array().unwrap();
    assert_eq!(choices.len(), 1);
    assert_eq!(
        choices[0],
        json!({
            "index": 0,
            "message": {"role": "assistant", "content": "Echo: Hello   mock\nworld", "refusal": null},
            "logprobs": null,
            "finish_reason": "stop"
        })
    );
    // 3 + 2 + 2 + 3 words in; "Echo: Hello mock world" = 4 words out.
    assert_eq!(
        v["usage"],
        json!({
            "prompt_tokens": 10,
            "completion_tokens": 4,
            "total_tokens": 14,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0
            }
        })
    );
}

#[tokio::test]
async fn chat_ids_are_unique_and_prefix_is_optional() {
    let h = start().await;
    let a = h
        .post_json("/v1/chat/completions", chat("m", "a"), 200)
        .await;
    let b = h.post_json("/chat/completions", chat("m", "b"), 200).await;
    assert_ne!(a["id"], b["id"]);
    assert_eq!(b["choices"][0]["message"]["content"], "Echo: b");
}

#[tokio::test]
async fn chat_array_content_parts_are_concatenated() {
    let h = start().await;
    let v = h
        .post_json(
            "/v1/chat/completions",
            json!({
                "model": "gpt-4o",
                "messages": [{"role": "user", "content": [
                    {"type": "text", "text": "What is "},
                    {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
                    {"type": "text", "text": "this picture?"}
                ]}]
            }),
            200,
        )
        .await;
    assert_eq!(
        v["choices"][0]["message"]["content"],
        "Echo: What is this picture?"
    );
    assert_eq!(v["usage"]["prompt_tokens"], 4);
    assert_eq!(v["usage"]["completion_tokens"], 5);
}

#[tokio::test]
async fn chat_n_returns_n_choices() {
    let h = start().await;
    let mut body = chat("gpt-4o", "hi there");
    body["n"] = json!(3);
    let v = h.post_json("/v1/chat/completions", body, 200).await;
    let choices = v["choices"].as_array().unwrap();
    assert_eq!(choices.len(), 3);
    for (i, c) in choices.iter().enumerate() {
        assert_eq!(c["index"], i);
        assert_eq!(c["message"]["content"], "Echo: hi there");
    }
    assert_eq!(v["usage"]["completion_tokens"], 9);
}

#[tokio::test]
async fn chat_max_tokens_truncates_with_length() {
    let h = start().await;
    for field in ["max_tokens", "max_completion_tokens"] {
        let mut body = chat("gpt-4o", "one two three four");
        body[field] = json!(2);
        let v = h.post_json("/v1/chat/completions", body, 200).await;
        assert_eq!(v["choices"][0]["message"]["content"], "Echo: one");
        assert_eq!(v["choices"][0]["finish_reason"], "length");
        assert_eq!(v["usage"]["completion_tokens"], 2);
    }
    // A budget that fits is not a truncation.
    let mut body = chat("gpt-4o", "one two");
    body["max_tokens"] = json!(3);
    let v = h.post_json("/v1/chat/completions", body, 200).await;
    assert_eq!(v["choices"][0]["message"]["content"], "Echo: one two");
    assert_eq!(v["choices"][0]["finish_reason"], "stop");
}

#[tokio::test]
async fn chat_stop_cuts_content() {
    let h = start().await;
    let mut body = chat("gpt-4o", "alpha beta STOP gamma");
    body["stop"] = json!("STOP");
    let v = h.post_json("/v1/chat/completions", body, 200).await;
    assert_eq!(v["choices"][0]["message"]["content"], "Echo: alpha beta ");
    assert_eq!(v["choices"][0]["finish_reason"], "stop");
    assert_eq!(v["usage"]["completion_tokens"], 3);

    let mut body = chat("gpt-4o", "alpha beta gamma");
    body["stop"] = json!(["gamma", "beta"]);
    let v = h.post_json("/v1/chat/completions", body, 200).await;
    assert_eq!(v["choices"][0]["message"]["content"], "Echo: alpha ");
}

#[tokio::test]
async fn chat_response_format_json() {
    let h = start().await;
    for format in [
        json!({"type": "json_object"}),
        json!({"type": "json_schema", "json_schema": {"name": "a", "schema": {"type": "object"}}}),
    ] {
        let mut body = chat("gpt-4o", "say \"hi\"");
        body["response_format"] = format;
        let v = h.post_json("/v1/chat/completions", body, 200).await;
        let content = v["choices"][0]["message"]["content"].as_str().unwrap();
        let parsed: Value = serde_json::from_str(content).unwrap();
        assert_eq!(parsed, json!({"answer": "Echo: say \"hi\""}));
    }
}

#[tokio::test]
async fn chat_tool_result_is_echoed() {
    let h = start().await;
    let v = h
        .post_json(
            "/v1/chat/completions",
            json!({
                "model": "gpt-4o",
                "messages": [
                    {"role": "user", "content": "What is the weather in Paris?"},
                    {"role": "assistant", "content": null, "tool_calls": [{"id": "call_mock_0", "type": "function", "function": {"name": "get_weather", "arguments": "{\"location\":\"Paris\"}"}}]},
                    {"role": "tool", "tool_call_id": "call_mock_0", "content": "22C and sunny"}
                ],
                "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]
            }),
            200,
        )
        .await;
    assert_eq!(
        v["choices"][0]["message"]["content"],
        "Tool said: 22C and sunny"
    );
    assert_eq!(v["choices"][0]["finish_reason"], "stop");
}

fn weather_tools() -> Value {
    json!([
        {"type": "function", "function": {"name": "get_weather", "description": "weather", "parameters": {"type": "object", "properties": {"location": {"type": "string"}}}}},
        {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object"}}}
    ])
}

#[tokio::test]
async fn chat_tool_calls_non_stream() {
    let h = start().await;
    // "weather" in the last user message triggers the first tool.
    let mut body = chat("gpt-4o", "What's the Weather like?");
    body["tools"] = weather_tools();
    let v = h.post_json("/v1/chat/completions", body, 200).await;
    let choice = &v["choices"][0];
    assert_eq!(choice["finish_reason"], "tool_calls");
    assert_eq!(choice["message"]["content"], Value::Null);
    assert_eq!(
        choice["message"]["tool_calls"],
        json!([{"id": "call_mock_0", "type": "function", "function": {"name": "get_weather", "arguments": "{\"location\":\"Paris\"}"}}])
    );
    assert!(v["usage"]["completion_tokens"].as_u64().unwrap() > 0);

    // Parallel: the first tool twice.
    let mut body = chat("gpt-4o", "weather in parallel please");
    body["tools"] = weather_tools();
    let v = h.post_json("/v1/chat/completions", body, 200).await;
    let calls = v["choices"][0]["message"]["tool_calls"].as_array().unwrap();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0]["id"], "call_mock_0");
    assert_eq!(calls[1]["id"], "call_mock_1");
    assert_eq!(calls[1]["function"]["name"], "get_weather");
    assert_eq!(
        calls[1]["function"]["arguments"],
        "{\"location\":\"London\"}"
    );

    // A named tool_choice calls that function even without "weather".
    let mut body = chat("gpt-4o", "hello");
    body["tools"] = weather_tools();
    body["tool_choice"] = json!({"type": "function", "function": {"name": "get_time"}});
    let v = h.post_json("/v1/chat/completions", body, 200).await;
    assert_eq!(
        v["choices"][0]["message"]["tool_calls"][0]["function"]["name"],
        "get_time"
    );

    // "required" calls the first tool.
    let mut body = chat("gpt-4o", "hello");
    body["tools"] = weather_tools();
    body["tool_choice"] = json!("required");
    let v = h.post_json("/v1/chat/completions", body, 200).await;
    assert_eq!(v["choices"][0]["finish_reason"], "tool_calls");

    // Without a trigger, tools are ignored.
    let mut body = chat("gpt-4o", "hello");
    body["tools"] = weather_tools();
    let v = h.post_json("/v1/chat/completions", body, 200).await;
    assert_eq!(v["choices"][0]["message"]["content"], "Echo: hello");
    assert!(v["choices"][0]["message"].get("tool_calls").is_none());
}

#[tokio::test]
async fn chat_stream_with_usage_matches_non_stream() {
    let h = start().await;
    let mut body = chat("gpt-4o-mini", "stream me  some\twords please");
    let non_stream = h.post_json("/v1/chat/completions", body.clone(), 200).await;

    body["stream"] = json!(true);
    body["stream_options"] = json!({"include_usage": true});
    let resp = h.post("/v1/chat/completions", body).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/event-stream");
    assert!(resp.headers().get("content-length").is_none());
    let events = json_events(&resp.text().await.unwrap());

    let id = events[0]["id"].clone();
    assert!(id.as_str().unwrap().starts_with("chatcmpl-mock-"));
    for e in &events {
        assert_eq!(e["object"], "chat.completion.chunk");
        assert_eq!(e["id"], id);
        assert_eq!(e["model"], "gpt-4o-mini");
        assert!(e.get("usage").is_some(), "usage key on every chunk: {e}");
    }
    assert_eq!(
        events[0]["choices"][0]["delta"],
        json!({"role": "assistant", "content": ""})
    );
    let (last, rest) = events.split_last().unwrap();
    assert_eq!(last["choices"], json!([]));
    assert_eq!(last["usage"], non_stream["usage"]);
    let (finish, content_chunks) = rest.split_last().unwrap();
    assert_eq!(finish["choices"][0]["delta"], json!({}));
    assert_eq!(finish["choices"][0]["finish_reason"], "stop");
    assert_eq!(finish["usage"], Value::Null);

    let mut content = String::new();
    for e in &content_chunks[1..] {
        assert_eq!(e["usage"], Value::Null);
        assert_eq!(e["choices"][0]["finish_reason"], Value::Null);
        content.push_str(e["choices"][0]["delta"]["content"].as_str().unwrap());
    }
    // One chunk per word.
    assert_eq!(content_chunks.len() - 1, 6);
    assert_eq!(
        content_chunks[1]["choices"][0]["delta"]["content"],
        "Echo: "
    );
    assert_eq!(content, non_stream["choices"][0]["message"]["content"]);
}

#[tokio::test]
async fn chat_stream_without_usage_has_no_usage_key() {
    let h = start().await;
    let mut body = chat("gpt-4o", "a b");
    body["stream"] = json!(true);
    let events = json_events(
        &h.post("/v1/chat/completions", body)
            .await
            .text()
            .await
            .unwrap(),
    );
    assert_eq!(events.len(), 5); // role, 3 words, finish
    for e in &events {
        assert!(e.get("usage").is_none(), "{e}");
        assert_eq!(e["choices"].as_array().unwrap().len(), 1);
    }
    assert_eq!(events[4]["choices"][0]["finish_reason"], "stop");
}

#[tokio::test]
async fn chat_stream_length_finish_and_n() {
    let h = start().await;
    let mut body = chat("gpt-4o", "one two three");
    body["stream"] = json!(true);
    body["max_tokens"] = json!(2);
    body["n"] = json!(2);
    let events = json_events(
        &h.post("/v1/chat/completions", body)
            .await
            .text()
            .await
            .unwrap(),
    );
    let mut per_index = [String::new(), String::new()];
    let mut finishes = [None, None];
    for e in &events {
        let c = &e["choices"][0];
        let i = c["index"].as_u64().unwrap() as usize;
        if let Some(t) = c["delta"]["content"].as_str() {
            per_index[i].push_str(t);
        }
        if let Some(f) = c["finish_reason"].as_str() {
            finishes[i] = Some(f.to_owned());
        }
    }
    assert_eq!(per_index, ["Echo: one", "Echo: one"]);
    assert_eq!(finishes, [Some("length".into()), Some("length".into())]);
}

#[tokio::test]
async fn chat_stream_tool_calls_reassemble() {
    let h = start().await;
    let mut body = chat("gpt-4o", "weather for both cities, in parallel");
    body["tools"] = weather_tools();
    let non_stream = h.post_json("/v1/chat/completions", body.clone(), 200).await;

    body["stream"] = json!(true);
    body["stream_options"] = json!({"include_usage": true});
    let events = json_events(
        &h.post("/v1/chat/completions", body)
            .await
            .text()
            .await
            .unwrap(),
    );

    // Reassemble like an SDK does: by tool-call index.
    let mut calls: Vec<Value> = Vec::new();
    let mut finish = None;
    let mut arg_fragments = 0;
    for e in &events {
        let Some(choice) = e["choices"].get(0) else {
            continue;
        };
        if let Some(f) = choice["finish_reason"].as_str() {
            finish = Some(f.to_owned());
        }
        let Some(deltas) = choice["delta"]["tool_calls"].as_array() else {
            continue;
        };
        for d in deltas {
            let index = d["index"].as_u64().unwrap() as usize;
            if let Some(id) = d.get("id") {
                assert_eq!(index, calls.len(), "calls start in order");
                assert_eq!(d["type"], "function");
                assert_eq!(d["function"]["arguments"], "");
                calls.push(json!({"id": id, "type": "function", "function": {"name": d["function"]["name"], "arguments": ""}}));
            } else {
                assert_eq!(
                    d.as_object().unwrap().len(),
                    2,
                    "only index + function: {d}"
                );
                assert_eq!(d["function"].as_object().unwrap().len(), 1);
                arg_fragments += 1;
                let args = d["function"]["arguments"].as_str().unwrap();
                let slot = &mut calls[index]["function"]["arguments"];
                *slot = Value::String(format!("{}{args}", slot.as_str().unwrap()));
            }
        }
    }
    assert_eq!(
        Value::Array(calls),
        non_stream["choices"][0]["message"]["tool_calls"]
    );
    assert!(
        arg_fragments >= 6,
        "arguments split into ~3 pieces per call"
    );
    assert_eq!(finish.as_deref(), Some("tool_calls"));
    assert_eq!(events[0]["choices"][0]["delta"]["role"], "assistant");
    assert_eq!(events.last().unwrap()["usage"], non_stream["usage"]);
}

#[tokio::test]
async fn legacy_completions() {
    let h = start().await;
    let v = h
        .post_json(
            "/v1/completions",
            json!({"model": "gpt-3.5-turbo-instruct", "prompt": "Say this is a test"}),
            200,
        )
        .await;
    assert!(v["id"].as_str().unwrap().starts_with("cmpl-mock-"));
    assert_eq!(v["object"], "text_completion");
    assert_eq!(v["model"], "gpt-3.5-turbo-instruct");
    assert_eq!(
        v["choices"],
        json!([{"text": "Echo: Say this is a test", "index": 0, "logprobs": null, "finish_reason": "stop"}])
    );
    assert_eq!(
        v["usage"],
        json!({"prompt_tokens": 5, "completion_tokens": 6, "total_tokens": 11})
    );

    let v = h
        .post_json(
            "/completions",
            json!({"model": "m", "prompt": ["a", "b c"]}),
            200,
        )
        .await;
    assert_eq!(v["choices"][0]["text"], "Echo: a");
    assert_eq!(v["choices"][1]["text"], "Echo: b c");
    assert_eq!(v["choices"][1]["index"], 1);

    // Streaming reassembles to the same text.
    let resp = h
        .post(
            "/v1/completions",
            json!({"model": "m", "prompt": "one two three", "stream": true, "stream_options": {"include_usage": true}}),
        )
        .await;
    assert_eq!(resp.headers()["content-type"], "text/event-stream");
    let events = json_events(&resp.text().await.unwrap());
    let mut text = String::new();
    for e in &events[..events.len() - 1] {
        assert_eq!(e["object"], "text_completion");
        text.push_str(e["choices"][0]["text"].as_str().unwrap());
    }
    assert_eq!(text, "Echo: one two three");
    assert_eq!(
        events[events.len() - 2]["choices"][0]["finish_reason"],
        "stop"
    );
    assert_eq!(events.last().unwrap()["choices"], json!([]));
    assert_eq!(events.last().unwrap()["usage"]["completion_tokens"], 4);
}

fn decode_b64(s: &str) -> Vec<f32> {
    let bytes = base64::engine::general_purpose::STANDARD.decode(s).unwrap();
    assert_eq!(bytes.len() % 4, 0);
    bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

fn floats(v: &Value) -> Vec<f32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() as f32)
        .collect()
}

#[tokio::test]
async fn embeddings_float_and_base64_agree() {
    let h = start().await;
    let float = h
        .post_json(
            "/v1/embeddings",
            json!({"model": "text-embedding-3-small", "input": ["hello world", "goodbye"], "dimensions": 32}),
            200,
        )
        .await;
    assert_eq!(float["object"], "list");
    assert_eq!(float["model"], "text-embedding-3-small");
    assert_eq!(
        float["usage"],
        json!({"prompt_tokens": 3, "total_tokens": 3})
    );
    let data = float["data"].as_array().unwrap();
    assert_eq!(data.len(), 2);
    assert_eq!(data[1]["object"], "embedding");
    assert_eq!(data[1]["index"], 1);
    let a = floats(&data[0]["embedding"]);
    let b = floats(&data[1]["embedding"]);
    assert_eq!(a.len(), 32);
    assert_ne!(a, b);
    assert!(a.iter().all(|x| (-1.0..=1.0).contains(x)));

    let b64 = h
        .post_json(
            "/v1/embeddings",
            json!({"model": "text-embedding-3-small", "input": ["hello world", "goodbye"], "dimensions": 32, "encoding_format": "base64"}),
            200,
        )
        .await;
    let decoded = decode_b64(b64["data"][0]["embedding"].as_str().unwrap());
    assert_eq!(decoded.len(), 32);
    for (x, y) in a.iter().zip(&decoded) {
        assert!((x - y).abs() <= f32::EPSILON, "{x} vs {y}");
    }
    assert_eq!(
        decode_b64(b64["data"][1]["embedding"].as_str().unwrap()).len(),
        32
    );

    // Deterministic across requests, default 8 dimensions for a plain string.
    let single = h
        .post_json(
            "/embeddings",
            json!({"model": "e", "input": "hello world"}),
            200,
        )
        .await;
    let s = floats(&single["data"][0]["embedding"]);
    assert_eq!(s.len(), 8);
    let again = h
        .post_json(
            "/embeddings",
            json!({"model": "e", "input": "hello world"}),
            200,
        )
        .await;
    assert_eq!(s, floats(&again["data"][0]["embedding"]));
}

#[tokio::test]
async fn embeddings_token_inputs_and_validation() {
    let h = start().await;
    let v = h
        .post_json(
            "/v1/embeddings",
            json!({"model": "e", "input": [1, 2, 3]}),
            200,
        )
        .await;
    assert_eq!(v["data"].as_array().unwrap().len(), 1);
    assert_eq!(v["usage"]["prompt_tokens"], 3);
    let v = h
        .post_json(
            "/v1/embeddings",
            json!({"model": "e", "input": [[1, 2], [3]]}),
            200,
        )
        .await;
    assert_eq!(v["data"].as_array().unwrap().len(), 2);
    assert_eq!(v["usage"]["total_tokens"], 3);

    for bad in [
        json!({"model": "e", "input": ""}),
        json!({"model": "e", "input": []}),
        json!({"model": "e"}),
        json!({"model": "e", "input": "x", "dimensions": 0}),
        json!({"model": "e", "input": "x", "encoding_format": "hex"}),
    ] {
        let err = common::error_of(h.post("/v1/embeddings", bad.clone()).await, 400).await;
        assert_eq!(err["type"], "invalid_request_error", "{bad}");
    }
}

#[tokio::test]
async fn models_list_and_retrieve() {
    let h = start().await;
    let resp = h.get("/v1/models").await;
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["object"], "list");
    assert_eq!(
        v["data"][0],
        json!({"id": "gpt-4o", "object": "model", "created": 1715367049, "owned_by": "system"})
    );
    let ids: Vec<&str> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["gpt-4o", "gpt-4o-mini", "text-embedding-3-small"]);

    let v: Value = h.get("/models/gpt-4o-mini").await.json().await.unwrap();
    assert_eq!(v["id"], "gpt-4o-mini");
    assert_eq!(v["object"], "model");
    let err = common::error_of(h.get("/v1/models/nope").await, 404).await;
    assert_eq!(err["code"], "model_not_found");
}

#[tokio::test]
async fn unknown_paths_and_bad_bodies() {
    let h = start().await;
    let err = common::error_of(h.post("/v1/nope", json!({})).await, 404).await;
    assert_eq!(err["message"], "Invalid URL (POST /v1/nope)");
    assert_eq!(err["type"], "invalid_request_error");
    let err = common::error_of(h.get("/v1/chat/completions").await, 404).await;
    assert_eq!(err["message"], "Invalid URL (GET /v1/chat/completions)");
    common::error_of(h.get("/v2/models").await, 404).await;

    let resp = h
        .client
        .post(h.url("/v1/chat/completions"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    let err = common::error_of(resp, 400).await;
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("parse the JSON body")
    );

    let err = common::error_of(
        h.post("/v1/chat/completions", json!({"model": "gpt-4o"}))
            .await,
        400,
    )
    .await;
    assert_eq!(err["param"], "messages");
    let err = common::error_of(
        h.post(
            "/v1/chat/completions",
            json!({"messages": [{"role": "user", "content": "x"}]}),
        )
        .await,
        400,
    )
    .await;
    assert!(err["message"].as_str().unwrap().contains("model"));
}

#[tokio::test]
async fn requests_are_recorded_in_order_and_cleared() {
    let h = start().await;
    assert_eq!(h.mock.request_count(), 0);
    h.post("/v1/chat/completions", chat("gpt-4o", "first"))
        .await;
    h.client
        .get(h.url("/v1/models?fault=none&x=1"))
        .header("X-Custom-Header", "Value-1")
        .send()
        .await
        .unwrap();
    h.post("/v1/does-not-exist", json!({"k": 1})).await;

    let reqs = h.mock.requests();
    assert_eq!(reqs.len(), 3);
    assert_eq!(h.mock.request_count(), 3);
    assert_eq!(reqs[0].method, "POST");
    assert_eq!(reqs[0].path, "/v1/chat/completions");
    assert_eq!(reqs[0].query, None);
    assert_eq!(reqs[0].header("authorization"), Some("Bearer sk-test"));
    assert_eq!(reqs[0].header("Content-Type"), Some("application/json"));
    assert_eq!(reqs[0].json().unwrap()["messages"][0]["content"], "first");
    assert_eq!(reqs[1].method, "GET");
    assert_eq!(reqs[1].query.as_deref(), Some("fault=none&x=1"));
    assert!(
        reqs[1]
            .headers
            .iter()
            .any(|(k, v)| k == "x-custom-header" && v == "Value-1")
    );
    assert!(reqs[1].headers.iter().all(|(k, _)| *k == k.to_lowercase()));
    assert!(reqs[1].body.is_empty());
    assert_eq!(reqs[1].json(), None);
    assert_eq!(reqs[2].path, "/v1/does-not-exist");

    h.mock.clear();
    assert_eq!(h.mock.request_count(), 0);
    assert!(h.mock.requests().is_empty());
    h.post("/v1/chat/completions", chat("gpt-4o", "after"))
        .await;
    assert_eq!(h.mock.requests().len(), 1);
}

#[tokio::test]
async fn clones_share_state_and_shutdown_stops_serving() {
    let h = start().await;
    let clone = h.mock.clone();
    assert_eq!(clone.addr(), h.mock.addr());
    assert_eq!(
        h.mock.base_url(),
        format!("http://127.0.0.1:{}", h.mock.addr().port())
    );
    h.post("/v1/chat/completions", chat("gpt-4o", "x")).await;
    assert_eq!(clone.request_count(), 1);

    clone.shutdown();
    clone.shutdown(); // idempotent
    let fresh = common::client();
    let mut refused = false;
    for _ in 0..50 {
        if fresh.get(h.url("/v1/models")).send().await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(refused, "server still accepting after shutdown");
}

#[tokio::test]
async fn router_can_be_mounted_elsewhere() {
    let mock = MockUpstream::start().await.unwrap();
    let app = axum::Router::new().nest_service("/mounted", bifrost_mock_upstream::router(&mock));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let client = common::client();
    let v: Value = client
        .post(format!("http://{addr}/mounted/v1/chat/completions"))
        .json(&chat("gpt-4o", "via router"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["choices"][0]["message"]["content"], "Echo: via router");
    // Recorded on the shared state.
    assert_eq!(mock.request_count(), 1);
}

#[tokio::test]
async fn start_on_explicit_address_and_admin_endpoints() {
    let mock = MockUpstream::start_on("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let client = common::client();
    let base = mock.base_url();
    let health = client
        .get(format!("{base}/__mock/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    client
        .post(format!("{base}/v1/chat/completions"))
        .json(&chat("gpt-4o", "admin"))
        .send()
        .await
        .unwrap();
    let listed: Value = client
        .get(format!("{base}/__mock/requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["path"], "/v1/chat/completions");
    assert_eq!(listed[0]["json"]["messages"][0]["content"], "admin");
    let reset = client
        .post(format!("{base}/__mock/reset"))
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), 204);
    assert_eq!(mock.request_count(), 0);
}
