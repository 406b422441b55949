//! `POST /v1/responses` through the gateway: natively to OpenAI (the body forwarded as is) and
//! over chat completions to Groq, streamed and not, with tools, usage and errors.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use bifrost_mock_upstream::RecordedRequest;
use common::{Gw, body_of, error_json, fast_retries, merge, ok_json, one_key, providers};
use serde_json::{Value, json};

/// `openai` (native Responses API), `groq` and `anthropic` (Responses over chat), all at the
/// mock, without retries.
async fn start() -> Gw {
    common::start(|url| {
        providers(&[
            (
                "openai",
                merge(one_key(url, "sk-openai-good"), fast_retries(0)),
            ),
            ("groq", merge(one_key(url, "sk-groq-good"), fast_retries(0))),
            (
                "anthropic",
                merge(one_key(url, "sk-ant-good"), fast_retries(0)),
            ),
        ])
    })
    .await
}

async fn ok(gw: &Gw, body: &Value) -> Value {
    ok_json(gw.post("/v1/responses", body).await).await
}

/// Streams `body` and returns the events (name, data), checking the framing.
async fn events(gw: &Gw, body: &Value) -> Vec<(String, Value)> {
    let mut body = body.clone();
    body["stream"] = json!(true);
    let resp = gw.post("/v1/responses", &body).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/event-stream");
    sse_events(&resp.text().await.unwrap())
}

fn last_upstream(gw: &Gw) -> RecordedRequest {
    gw.requests().pop().expect("the mock received a request")
}

/// Parses `event: <name>\ndata: <json>\n\n` events; a Responses stream never sends `[DONE]`.
fn sse_events(body: &str) -> Vec<(String, Value)> {
    assert!(body.ends_with("\n\n"), "{body:?}");
    assert!(
        !body.contains("[DONE]"),
        "no [DONE] in a Responses stream: {body}"
    );
    body.split("\n\n")
        .filter(|e| !e.is_empty())
        .map(|e| {
            let (head, data) = e.split_once('\n').unwrap_or_else(|| panic!("{e:?}"));
            let name = head
                .strip_prefix("event: ")
                .unwrap_or_else(|| panic!("{e:?}"))
                .to_owned();
            let data: Value = serde_json::from_str(data.strip_prefix("data: ").unwrap()).unwrap();
            (name, data)
        })
        .collect()
}

/// Checks sequence numbers and lifecycle order; returns the terminal response.
fn check_events(events: &[(String, Value)]) -> Value {
    for (i, (name, data)) in events.iter().enumerate() {
        assert_eq!(
            data["type"],
            name.as_str(),
            "event line names the event type"
        );
        assert_eq!(data["sequence_number"], i, "sequence of {name}");
    }
    assert_eq!(events[0].0, "response.created");
    assert_eq!(events[1].0, "response.in_progress");
    let (name, data) = events.last().unwrap();
    assert!(
        name == "response.completed" || name == "response.incomplete",
        "stream ended with {name}"
    );
    data["response"].clone()
}

fn names(events: &[(String, Value)]) -> Vec<&str> {
    events.iter().map(|(n, _)| n.as_str()).collect()
}

fn output_text(response: &Value) -> String {
    response["output"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["type"] == "message")
        .flat_map(|m| m["content"].as_array().unwrap().iter())
        .filter_map(|p| p["text"].as_str())
        .collect()
}

#[tokio::test]
async fn native_openai_forwards_the_body_with_unknown_fields() {
    let gw = start().await;
    let body = json!({
        "model": "openai/gpt-4.1",
        "input": [{"role": "user", "content": [{"type": "input_text", "text": "Hello native world"}]}],
        "instructions": "be terse",
        "prompt_cache_key": "pk-1",
        "custom_knob": {"nested": [1, 2]},
        "include": ["reasoning.encrypted_content"],
        "fallbacks": ["groq/llama"]
    });
    let v = ok(&gw, &body).await;
    assert_eq!(v["object"], "response");
    assert_eq!(output_text(&v), "Echo: Hello native world");
    assert_eq!(v["extra_fields"]["provider"], "openai");
    assert_eq!(v["extra_fields"]["request_type"], "responses");
    assert_eq!(v["extra_fields"]["model_requested"], "openai/gpt-4.1");
    assert_eq!(
        v["service_tier"], "default",
        "fields the gateway does not model are kept"
    );
    let up = last_upstream(&gw);
    assert_eq!(up.path, "/v1/responses");
    assert_eq!(up.header("authorization"), Some("Bearer sk-openai-good"));
    let sent = body_of(&up);
    let mut expected = body.clone();
    expected.as_object_mut().unwrap().remove("fallbacks");
    expected["model"] = json!("gpt-4.1");
    assert_eq!(
        sent, expected,
        "the body reaches OpenAI unchanged but for model and fallbacks"
    );
}

#[tokio::test]
async fn drop_in_paths_serve_responses() {
    let gw = start().await;
    // (path, model, provider that must serve it)
    let cases = [
        ("/openai/v1/responses", "gpt-4.1", "openai"),
        ("/openai/responses", "gpt-4.1", "openai"),
        ("/openai/v1/responses", "groq/llama", "groq"),
        ("/openai/openai/responses", "openai/gpt-4.1", "openai"),
        ("/litellm/v1/responses", "groq/llama", "groq"),
        ("/langchain/openai/v1/responses", "gpt-4.1", "openai"),
    ];
    for (path, model, provider) in cases {
        let v = ok_json(
            gw.post(path, &json!({"model": model, "input": "drop in"}))
                .await,
        )
        .await;
        assert_eq!(output_text(&v), "Echo: drop in", "{path}");
        assert_eq!(v["extra_fields"]["provider"], provider, "{path} {model}");
        let expected_path = if provider == "openai" {
            "/v1/responses"
        } else {
            "/v1/chat/completions"
        };
        assert_eq!(last_upstream(&gw).path, expected_path, "{path} {model}");
    }
}

#[tokio::test]
async fn groq_is_reached_through_chat_completions() {
    let gw = start().await;
    let v = ok(
        &gw,
        &json!({
            "model": "groq/llama-3.3-70b",
            "instructions": "You are terse.",
            "input": "Hello translated world",
            "max_output_tokens": 50,
            "temperature": 0.3
        }),
    )
    .await;
    let up = last_upstream(&gw);
    assert_eq!(up.path, "/v1/chat/completions");
    let sent = body_of(&up);
    assert_eq!(
        sent,
        json!({
            "model": "llama-3.3-70b",
            "messages": [
                {"role": "system", "content": "You are terse."},
                {"role": "user", "content": "Hello translated world"}
            ],
            "max_completion_tokens": 50,
            "temperature": 0.3
        })
    );
    assert_eq!(v["object"], "response");
    assert!(v["id"].as_str().unwrap().starts_with("resp_"));
    assert_eq!(v["status"], "completed");
    assert_eq!(v["model"], "llama-3.3-70b");
    assert_eq!(output_text(&v), "Echo: Hello translated world");
    assert_eq!(v["output"][0]["type"], "message");
    assert_eq!(v["output"][0]["role"], "assistant");
    assert_eq!(v["instructions"], "You are terse.");
    assert_eq!(v["max_output_tokens"], 50);
    // The chat mock counts words: 3 + 3 in, "Echo: Hello translated world" = 4 out.
    assert_eq!(
        v["usage"],
        json!({"input_tokens": 6, "input_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
               "output_tokens": 4, "output_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0},
               "total_tokens": 10})
    );
    assert_eq!(v["extra_fields"]["provider"], "groq");
    assert_eq!(v["extra_fields"]["request_type"], "responses");
}

#[tokio::test]
async fn native_stream_keeps_openais_events_and_usage() {
    let gw = start().await;
    let body = json!({"model": "openai/gpt-4.1", "input": "stream me please"});
    let events = events(&gw, &body).await;
    let done = check_events(&events);
    assert_eq!(
        names(&events),
        [
            "response.created",
            "response.in_progress",
            "response.output_item.added",
            "response.content_part.added",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.done",
            "response.content_part.done",
            "response.output_item.done",
            "response.completed",
        ]
    );
    let text: String = events
        .iter()
        .filter(|(n, _)| n == "response.output_text.delta")
        .map(|(_, d)| d["delta"].as_str().unwrap())
        .collect();
    assert_eq!(text, "Echo: stream me please");
    assert_eq!(events[4].1["extra_fields"]["provider"], "openai");
    assert_eq!(
        events[4].1["extra_fields"]["request_type"],
        "responses_stream"
    );
    let whole = ok(&gw, &body).await;
    assert_eq!(
        done["usage"], whole["usage"],
        "usage is the same streamed or not"
    );
    let up = gw.requests();
    assert_eq!(body_of(&up[0])["stream"], true);
}

#[tokio::test]
async fn translated_stream_has_ordered_events_and_the_same_usage() {
    let gw = start().await;
    let body = json!({"model": "groq/llama", "input": "one two three"});
    let events = events(&gw, &body).await;
    let done = check_events(&events);
    assert_eq!(
        names(&events),
        [
            "response.created",
            "response.in_progress",
            "response.output_item.added",
            "response.content_part.added",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.done",
            "response.content_part.done",
            "response.output_item.done",
            "response.completed",
        ]
    );
    let sent = body_of(&last_upstream(&gw));
    assert_eq!(sent["stream"], true);
    assert_eq!(sent["stream_options"], json!({"include_usage": true}));
    assert_eq!(output_text(&done), "Echo: one two three");
    let item_id = events[2].1["item"]["id"].as_str().unwrap().to_owned();
    for (name, data) in &events[3..10] {
        assert_eq!(data["item_id"], item_id.as_str(), "{name}");
        assert_eq!(data["output_index"], 0, "{name}");
    }
    let whole = ok(&gw, &body).await;
    assert_eq!(
        done["usage"], whole["usage"],
        "usage is the same streamed or not"
    );
    assert_eq!(done["usage"]["total_tokens"], 7);
    assert_eq!(done["output"][0]["content"], whole["output"][0]["content"]);
}

fn weather_tools() -> Value {
    json!([{"type": "function", "name": "get_weather", "description": "Weather by city",
            "parameters": {"type": "object", "properties": {"location": {"type": "string"}}}}])
}

#[tokio::test]
async fn tool_calls_round_trip_over_chat() {
    let gw = start().await;
    let ask =
        json!({"role": "user", "content": "What is the weather in Paris and London, in parallel?"});
    let first = ok(
        &gw,
        &json!({"model": "groq/llama", "input": [ask], "tools": weather_tools()}),
    )
    .await;
    let sent = body_of(&last_upstream(&gw));
    assert_eq!(
        sent["tools"],
        json!([{"type": "function", "function": {"name": "get_weather", "description": "Weather by city",
                "parameters": {"type": "object", "properties": {"location": {"type": "string"}}}}}])
    );
    let calls: Vec<&Value> = first["output"].as_array().unwrap().iter().collect();
    assert_eq!(calls.len(), 2);
    for (i, call) in calls.iter().enumerate() {
        assert_eq!(call["type"], "function_call");
        assert_eq!(call["name"], "get_weather");
        assert_eq!(call["call_id"], format!("call_mock_{i}"));
        assert_eq!(call["status"], "completed");
    }
    assert_eq!(calls[0]["arguments"], r#"{"location":"Paris"}"#);
    // Second turn: the caller sends the calls back with their outputs.
    let mut input = vec![ask];
    input.extend(calls.iter().map(|c| (*c).clone()));
    input.push(json!({"type": "function_call_output", "call_id": "call_mock_0", "output": "18C"}));
    input.push(json!({"type": "function_call_output", "call_id": "call_mock_1", "output": "15C"}));
    let second = ok(
        &gw,
        &json!({"model": "groq/llama", "input": input, "tools": weather_tools()}),
    )
    .await;
    let messages = body_of(&last_upstream(&gw))["messages"].clone();
    assert_eq!(messages[1]["role"], "assistant");
    assert_eq!(messages[1]["tool_calls"][1]["id"], "call_mock_1");
    assert_eq!(
        messages[2],
        json!({"role": "tool", "content": "18C", "tool_call_id": "call_mock_0"})
    );
    assert_eq!(
        messages[3],
        json!({"role": "tool", "content": "15C", "tool_call_id": "call_mock_1"})
    );
    assert_eq!(output_text(&second), "Tool said: 15C");
}

#[tokio::test]
async fn streamed_tool_calls_on_both_paths() {
    let gw = start().await;
    for model in ["openai/gpt-4.1", "groq/llama"] {
        let events = events(&gw, &json!({"model": model, "input": "weather in parallel please", "tools": weather_tools()}))
            .await;
        let done = check_events(&events);
        let per_call = [
            "response.output_item.added",
            "response.function_call_arguments.delta",
            "response.function_call_arguments.delta",
            "response.function_call_arguments.delta",
            "response.function_call_arguments.done",
            "response.output_item.done",
        ];
        let mut expected = vec!["response.created", "response.in_progress"];
        expected.extend(per_call);
        expected.extend(per_call);
        expected.push("response.completed");
        assert_eq!(names(&events), expected, "{model}");
        for (index, call_id, args) in [
            (0, "call_mock_0", r#"{"location":"Paris"}"#),
            (1, "call_mock_1", r#"{"location":"London"}"#),
        ] {
            let streamed: String = events
                .iter()
                .filter(|(n, d)| {
                    n == "response.function_call_arguments.delta" && d["output_index"] == index
                })
                .map(|(_, d)| d["delta"].as_str().unwrap())
                .collect();
            assert_eq!(streamed, args, "{model}");
            let item = &done["output"][index];
            assert_eq!(item["call_id"], call_id, "{model}");
            assert_eq!(item["arguments"], args, "{model}");
        }
    }
}

#[tokio::test]
async fn reasoning_items_pass_through_natively() {
    let gw = start().await;
    let body = json!({"model": "openai/o4-mini", "input": "think hard",
                      "reasoning": {"effort": "low", "summary": "auto"},
                      "include": ["reasoning.encrypted_content"]});
    let v = ok(&gw, &body).await;
    assert_eq!(v["output"][0]["type"], "reasoning");
    assert_eq!(
        v["output"][0]["summary"][0]["text"],
        "Reasoning about: think hard"
    );
    assert!(v["output"][0]["encrypted_content"].is_string());
    assert_eq!(v["usage"]["output_tokens_details"]["reasoning_tokens"], 4);
    let events = events(&gw, &body).await;
    let done = check_events(&events);
    assert!(names(&events).contains(&"response.reasoning_summary_text.delta"));
    assert_eq!(done["usage"], v["usage"]);
}

#[tokio::test]
async fn missing_input_is_rejected_with_bifrosts_message() {
    let gw = start().await;
    for body in [
        json!({"model": "openai/gpt-4.1"}),
        json!({"model": "groq/m", "input": []}),
    ] {
        let v = error_json(gw.post("/v1/responses", &body).await, 400).await;
        assert_eq!(v["error"]["message"], "input is required for responses");
        assert_eq!(v["error"]["param"], "input");
    }
    assert_eq!(gw.upstream_calls(), 0);
}

#[tokio::test]
async fn previous_response_id_needs_a_native_provider() {
    let gw = start().await;
    let resp = gw
        .post(
            "/v1/responses",
            &json!({"model": "groq/m", "input": "x", "previous_response_id": "resp_1"}),
        )
        .await;
    let v = error_json(resp, 400).await;
    assert_eq!(v["error"]["param"], "previous_response_id");
    assert_eq!(gw.upstream_calls(), 0);
    // Natively it is simply forwarded.
    ok(
        &gw,
        &json!({"model": "openai/m", "input": "x", "previous_response_id": "resp_1"}),
    )
    .await;
    assert_eq!(
        body_of(&last_upstream(&gw))["previous_response_id"],
        "resp_1"
    );
}

#[tokio::test]
async fn upstream_errors_keep_their_status_and_fallbacks_work() {
    let gw = start().await;
    let resp = gw
        .post(
            "/v1/responses",
            &json!({"model": "openai/error-503", "input": "x"}),
        )
        .await;
    let v = error_json(resp, 503).await;
    assert_eq!(v["error"]["message"], "mock upstream error 503");
    assert_eq!(v["extra_fields"]["provider"], "openai");
    assert_eq!(v["extra_fields"]["request_type"], "responses");
    let v = ok(
        &gw,
        &json!({"model": "openai/error-500", "input": "rescued", "fallbacks": ["groq/llama"]}),
    )
    .await;
    assert_eq!(output_text(&v), "Echo: rescued");
    assert_eq!(v["extra_fields"]["provider"], "groq");
    assert_eq!(v["extra_fields"]["fallback_index"], 1);
}

#[tokio::test]
async fn mid_stream_failures_end_with_an_error_event() {
    let gw = start().await;
    for model in ["openai/stream-error", "groq/stream-error"] {
        let mut body = json!({"model": model, "input": "a b c d e f", "stream": true});
        let resp = gw.post("/v1/responses", &body).await;
        assert_eq!(resp.status(), 200, "{model}");
        let events = sse_events(&resp.text().await.unwrap());
        let (name, data) = events.last().unwrap();
        assert_eq!(name, "error", "{model}");
        assert_eq!(
            data["error"]["message"], "mock mid-stream failure",
            "{model}"
        );
        assert_eq!(
            data["extra_fields"]["request_type"], "responses_stream",
            "{model}"
        );
        assert_eq!(events[0].0, "response.created", "{model}");
        assert!(!names(&events).contains(&"response.completed"), "{model}");
        body["stream"] = json!(false);
    }
}

#[tokio::test]
async fn failures_before_the_first_event_are_plain_errors() {
    let gw = start().await;
    let resp = gw
        .post(
            "/v1/responses",
            &json!({"model": "groq/error-429", "input": "x", "stream": true}),
        )
        .await;
    assert_eq!(resp.status(), 429);
    assert_eq!(resp.headers()["content-type"], "application/json");
}

#[tokio::test]
async fn anthropic_thinking_round_trips_through_reasoning_items() {
    let gw = start().await;
    let ask = json!({"role": "user", "content": "Why is the sky blue?"});
    let body = json!({"model": "anthropic/claude-sonnet-4-5", "input": [ask],
                      "reasoning": {"effort": "low"}, "max_output_tokens": 4096});
    let first = ok(&gw, &body).await;
    let up = last_upstream(&gw);
    assert_eq!(up.path, "/v1/messages");
    assert_eq!(body_of(&up)["thinking"]["type"], "enabled");
    let reasoning = &first["output"][0];
    assert_eq!(reasoning["type"], "reasoning");
    assert_eq!(
        reasoning["summary"],
        json!([{"type": "summary_text", "text": "Thinking about: Why is the sky blue?"}])
    );
    assert!(reasoning["reasoning_details"][0]["signature"].is_string());
    assert_eq!(output_text(&first), "Echo: Why is the sky blue?");

    // Streamed: the same items and usage, thinking as reasoning summary deltas.
    let events = events(&gw, &body).await;
    let done = check_events(&events);
    let without_ids = |r: &Value| {
        let mut out = r["output"].clone();
        for item in out.as_array_mut().unwrap() {
            item.as_object_mut().unwrap().remove("id");
        }
        out
    };
    assert_eq!(without_ids(&done), without_ids(&first));
    assert_eq!(done["usage"], first["usage"]);
    let thought: String = events
        .iter()
        .filter(|(n, _)| n == "response.reasoning_summary_text.delta")
        .map(|(_, d)| d["delta"].as_str().unwrap())
        .collect();
    assert_eq!(thought, "Thinking about: Why is the sky blue?");

    // Next turn: the signed thinking goes back to Anthropic (the mock checks the signature).
    let mut input = vec![ask];
    input.extend(first["output"].as_array().unwrap().iter().cloned());
    input.push(json!({"role": "user", "content": "And at sunset?"}));
    let mut next = body.clone();
    next["input"] = json!(input);
    let second = ok(&gw, &next).await;
    assert_eq!(output_text(&second), "Echo: And at sunset?");
    let sent = body_of(&last_upstream(&gw));
    let assistant = &sent["messages"][1];
    assert_eq!(assistant["role"], "assistant");
    assert_eq!(assistant["content"][0]["type"], "thinking");
    assert_eq!(
        assistant["content"][0]["thinking"],
        "Thinking about: Why is the sky blue?"
    );
}
