//! Conformance of the `anthropic` provider: the real engine against the in-process Anthropic
//! mock. Every case checks what the caller gets (OpenAI-shaped) and what the upstream received
//! (the native Messages API request).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;

use bifrost_core::config::Millis;
use bifrost_core::config::{EngineConfig, KeyConfig, NetworkConfig, ProviderConfig};
use bifrost_core::schemas::{
    ChatRequest, ChatResponse, CountTokensRequest, ReasoningDetail, RequestBody, Response,
    StreamChunk, Usage,
};
use bifrost_core::{Bifrost, BifrostError, KeyPin, RequestContext};
use bifrost_mock_upstream::{MockUpstream, RecordedRequest};
use futures::StreamExt;
use http::{HeaderName, HeaderValue};
use indexmap::IndexMap;
use serde_json::{Value, json};

const KEY: &str = "sk-ant-api03-test";
const MODEL: &str = "anthropic/claude-sonnet-4-5";

struct Harness {
    mock: MockUpstream,
    bifrost: Bifrost,
}

fn provider_config(base_url: &str, key: &str, max_retries: u32) -> ProviderConfig {
    let mut extra_headers = IndexMap::new();
    extra_headers.insert(
        "anthropic-beta".to_owned(),
        "prompt-caching-2024-07-31, files-api-2025-04-14".to_owned(),
    );
    let mut overrides = IndexMap::new();
    overrides.insert("files-api".to_owned(), false);
    ProviderConfig {
        keys: vec![KeyConfig {
            name: Some("anthropic-key".to_owned()),
            value: key.to_owned(),
            ..KeyConfig::default()
        }],
        network_config: Some(NetworkConfig {
            base_url: Some(base_url.to_owned()),
            extra_headers: Some(extra_headers),
            beta_header_overrides: Some(overrides),
            max_retries: Some(max_retries),
            retry_backoff_initial: Some(Millis(std::time::Duration::from_millis(1))),
            retry_backoff_max: Some(Millis(std::time::Duration::from_millis(2))),
            ..NetworkConfig::default()
        }),
        ..ProviderConfig::default()
    }
}

async fn harness_with(key: &str, max_retries: u32) -> Harness {
    let mock = MockUpstream::start().await.unwrap();
    let mut providers = IndexMap::new();
    providers.insert(
        "anthropic".to_owned(),
        provider_config(&mock.base_url(), key, max_retries),
    );
    let bifrost = Bifrost::new(EngineConfig::with_providers(providers), vec![]).unwrap();
    Harness { mock, bifrost }
}

async fn harness() -> Harness {
    harness_with(KEY, 0).await
}

fn chat_request(mut body: Value) -> ChatRequest {
    if body.get("model").is_none() {
        body["model"] = json!(MODEL);
    }
    serde_json::from_value(body).unwrap()
}

impl Harness {
    async fn chat(&self, body: Value) -> ChatResponse {
        self.bifrost.chat(chat_request(body)).await.unwrap()
    }

    async fn chat_err(&self, body: Value) -> BifrostError {
        self.bifrost.chat(chat_request(body)).await.unwrap_err()
    }

    async fn stream(&self, mut body: Value) -> Streamed {
        body["stream_options"] = json!({"include_usage": true});
        let stream = self.bifrost.chat_stream(chat_request(body)).await.unwrap();
        Streamed::collect(stream).await
    }

    /// The Messages API requests the mock received, in order.
    fn native_requests(&self) -> Vec<RecordedRequest> {
        self.mock
            .requests()
            .into_iter()
            .filter(|r| r.path == "/v1/messages")
            .collect()
    }

    /// The body of the last Messages API request.
    fn native(&self) -> Value {
        self.native_requests().last().unwrap().json().unwrap()
    }
}

/// A streamed answer put back together.
#[derive(Debug, Default)]
struct Streamed {
    chunks: usize,
    role_first: bool,
    content: String,
    reasoning: String,
    details: BTreeMap<u32, ReasoningDetail>,
    /// Tool calls by index: (id, name, arguments).
    tools: BTreeMap<u32, (String, String, String)>,
    finish: Option<String>,
    stop_sequence: Option<Value>,
    usage: Option<Usage>,
    error: Option<BifrostError>,
}

impl Streamed {
    async fn collect(mut stream: bifrost_core::ResponseStream) -> Self {
        let mut s = Streamed::default();
        while let Some(item) = stream.next().await {
            let chunk = match item {
                Ok(StreamChunk::Chat(c)) => c,
                Ok(other) => panic!("unexpected chunk {other:?}"),
                Err(e) => {
                    s.error = Some(e);
                    break;
                }
            };
            if s.chunks == 0 {
                s.role_first = chunk.choices.first().and_then(|c| c.delta.role).is_some();
            }
            s.chunks += 1;
            if let Some(u) = chunk.usage {
                assert!(chunk.choices.is_empty(), "the usage chunk has no choices");
                s.usage = Some(u);
            }
            for choice in chunk.choices {
                let d = choice.delta;
                s.content.push_str(d.content.as_deref().unwrap_or_default());
                s.reasoning
                    .push_str(d.reasoning.as_deref().unwrap_or_default());
                for detail in d.reasoning_details.into_iter().flatten() {
                    let slot = s.details.entry(detail.index.unwrap_or(0)).or_default();
                    slot.kind = detail.kind;
                    slot.index = detail.index;
                    if let Some(t) = detail.text {
                        slot.text.get_or_insert_with(String::new).push_str(&t);
                    }
                    if detail.signature.is_some() {
                        slot.signature = detail.signature;
                    }
                    if detail.data.is_some() {
                        slot.data = detail.data;
                    }
                }
                for tc in d.tool_calls.into_iter().flatten() {
                    let slot = s.tools.entry(tc.index).or_default();
                    if let Some(id) = tc.id {
                        slot.0 = id;
                    }
                    if let Some(f) = tc.function {
                        if let Some(n) = f.name {
                            slot.1 = n;
                        }
                        slot.2.push_str(f.arguments.as_deref().unwrap_or_default());
                    }
                }
                if choice.finish_reason.is_some() {
                    s.finish = choice.finish_reason;
                    s.stop_sequence = choice.extra.get("stop_sequence").cloned();
                }
            }
        }
        s
    }

    fn tool_calls(&self) -> Vec<(String, String, Value)> {
        self.tools
            .values()
            .map(|(id, name, args)| {
                (
                    id.clone(),
                    name.clone(),
                    serde_json::from_str(args).unwrap(),
                )
            })
            .collect()
    }
}

fn tool_calls(resp: &ChatResponse) -> Vec<(String, String, Value)> {
    resp.choices[0]
        .message
        .tool_calls
        .iter()
        .flatten()
        .map(|c| {
            (
                c.id.clone(),
                c.function.name.clone(),
                serde_json::from_str(&c.function.arguments).unwrap(),
            )
        })
        .collect()
}

fn content(resp: &ChatResponse) -> Option<String> {
    resp.choices[0]
        .message
        .content
        .as_ref()
        .map(|c| c.to_text())
}

fn finish(resp: &ChatResponse) -> &str {
    resp.choices[0].finish_reason.as_deref().unwrap()
}

fn weather_tools() -> Value {
    json!([
        {"type": "function", "function": {"name": "get_weather", "description": "Current weather of a city",
            "parameters": {"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]}}},
        {"type": "function", "function": {"name": "get_time", "description": "Current time of a city"}}
    ])
}

fn weather_tools_native() -> Value {
    json!([
        {"name": "get_weather", "description": "Current weather of a city",
            "input_schema": {"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]}},
        {"name": "get_time", "description": "Current time of a city",
            "input_schema": {"type": "object", "properties": {}}}
    ])
}

/// Fields an OpenAI-shaped request has that must never reach Anthropic.
fn assert_no_openai_leftovers(native: &Value) {
    for field in [
        "stream_options",
        "n",
        "max_completion_tokens",
        "parallel_tool_calls",
        "response_format",
        "stop",
        "user",
    ] {
        assert!(native.get(field).is_none(), "{field} leaked into {native}");
    }
}

// ---- simple chat ------------------------------------------------------------------------------

fn simple_body() -> Value {
    json!({"messages": [{"role": "user", "content": "Hello there"}]})
}

fn assert_simple_native(native: &Value, stream: bool) {
    let mut expected = json!({
        "model": "claude-sonnet-4-5",
        "max_tokens": 4096,
        "messages": [{"role": "user", "content": "Hello there"}],
    });
    if stream {
        expected["stream"] = json!(true);
    }
    assert_eq!(native, &expected);
}

#[tokio::test]
async fn simple_chat() {
    let h = harness().await;
    let mut ctx = RequestContext {
        model_requested: MODEL.to_owned(),
        extra_headers: vec![(
            HeaderName::from_static("anthropic-beta"),
            HeaderValue::from_static("context-1m-2025-08-07,prompt-caching-2024-07-31"),
        )],
        ..RequestContext::default()
    };
    let req = h
        .bifrost
        .request(RequestBody::Chat(Box::new(chat_request(simple_body()))))
        .unwrap();
    let Response::Chat(resp) = h.bifrost.execute(&mut ctx, req).await.unwrap() else {
        panic!("expected a chat response")
    };
    assert_eq!(content(&resp).as_deref(), Some("Echo: Hello there"));
    assert_eq!(finish(&resp), "stop");
    assert_eq!(resp.object, "chat.completion");
    assert!(resp.id.starts_with("msg_mock_"), "{}", resp.id);
    assert_eq!(resp.model, "claude-sonnet-4-5");
    let usage = resp.usage.unwrap();
    assert_eq!(
        (
            usage.prompt_tokens,
            usage.completion_tokens,
            usage.total_tokens
        ),
        (2, 3, 5)
    );
    assert_eq!(resp.service_tier.as_deref(), Some("default"));
    assert_eq!(resp.extra_fields.unwrap().provider, "anthropic");

    let recorded = h.native_requests().pop().unwrap();
    assert_eq!(recorded.method, "POST");
    assert_eq!(recorded.header("x-api-key"), Some(KEY));
    assert_eq!(recorded.header("anthropic-version"), Some("2023-06-01"));
    assert!(recorded.header("authorization").is_none());
    assert_eq!(
        recorded.header("anthropic-beta"),
        Some("prompt-caching-2024-07-31,context-1m-2025-08-07"),
        "configured and request betas merged, files-api stripped by the override"
    );
    assert_simple_native(&recorded.json().unwrap(), false);
}

#[tokio::test]
async fn stream_simple_chat() {
    let h = harness().await;
    let s = h.stream(simple_body()).await;
    assert!(s.error.is_none(), "{:?}", s.error);
    assert!(s.role_first);
    assert_eq!(s.content, "Echo: Hello there");
    assert_eq!(s.finish.as_deref(), Some("stop"));
    let usage = s.usage.unwrap();
    assert_eq!((usage.prompt_tokens, usage.completion_tokens), (2, 3));
    let recorded = h.native_requests().pop().unwrap();
    assert_eq!(recorded.header("accept"), Some("text/event-stream"));
    assert_simple_native(&recorded.json().unwrap(), true);
}

// ---- system prompt -----------------------------------------------------------------------------

fn system_body() -> Value {
    json!({"messages": [
        {"role": "system", "content": [
            {"type": "text", "text": "You are terse.", "cache_control": {"type": "ephemeral"}}
        ]},
        {"role": "developer", "content": "Use metric units."},
        {"role": "user", "content": "hi there"}
    ]})
}

fn assert_system_native(native: &Value) {
    assert_eq!(
        native["system"],
        json!([
            {"type": "text", "text": "You are terse.", "cache_control": {"type": "ephemeral"}},
            {"type": "text", "text": "Use metric units."}
        ])
    );
    assert_eq!(
        native["messages"],
        json!([{"role": "user", "content": "hi there"}])
    );
}

fn assert_system_usage(usage: &Usage) {
    // 3 cached words + 5 uncached: prompt_tokens counts both.
    assert_eq!(usage.prompt_tokens, 8);
    let details = usage.prompt_tokens_details.as_ref().unwrap();
    assert_eq!(details.cache_creation_tokens, Some(3));
    assert_eq!(details.cached_tokens, Some(0));
}

#[tokio::test]
async fn system_prompt() {
    let h = harness().await;
    let resp = h.chat(system_body()).await;
    assert_eq!(content(&resp).as_deref(), Some("Echo: hi there"));
    assert_system_usage(resp.usage.as_ref().unwrap());
    assert_system_native(&h.native());
}

#[tokio::test]
async fn stream_system_prompt() {
    let h = harness().await;
    let s = h.stream(system_body()).await;
    assert_eq!(s.content, "Echo: hi there");
    assert_system_usage(s.usage.as_ref().unwrap());
    assert_system_native(&h.native());
}

// ---- multi turn --------------------------------------------------------------------------------

fn multi_turn_body() -> Value {
    json!({"messages": [
        {"role": "user", "content": "My name is Ada."},
        {"role": "assistant", "content": "Nice to meet you, Ada."},
        {"role": "user", "content": "What is my name?"}
    ], "temperature": 0.5, "top_k": 5, "user": "user-42"})
}

fn assert_multi_turn_native(native: &Value) {
    assert_eq!(
        native["messages"],
        json!([
            {"role": "user", "content": "My name is Ada."},
            {"role": "assistant", "content": "Nice to meet you, Ada."},
            {"role": "user", "content": "What is my name?"}
        ])
    );
    assert_eq!(native["temperature"], 0.5);
    assert_eq!(native["top_k"], 5);
    assert_eq!(native["metadata"], json!({"user_id": "user-42"}));
    assert_no_openai_leftovers(native);
}

#[tokio::test]
async fn multi_turn() {
    let h = harness().await;
    let resp = h.chat(multi_turn_body()).await;
    assert_eq!(content(&resp).as_deref(), Some("Echo: What is my name?"));
    assert_eq!(resp.usage.unwrap().prompt_tokens, 13);
    assert_multi_turn_native(&h.native());
}

#[tokio::test]
async fn stream_multi_turn() {
    let h = harness().await;
    let s = h.stream(multi_turn_body()).await;
    assert_eq!(s.content, "Echo: What is my name?");
    assert_eq!(s.usage.unwrap().prompt_tokens, 13);
    assert_multi_turn_native(&h.native());
}

// ---- image input -------------------------------------------------------------------------------

fn image_body() -> Value {
    json!({"messages": [{"role": "user", "content": [
        {"type": "text", "text": "Describe these"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.jpg", "detail": "high"}}
    ]}]})
}

fn assert_image_native(native: &Value) {
    assert_eq!(
        native["messages"][0]["content"],
        json!([
            {"type": "text", "text": "Describe these"},
            {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}},
            {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.jpg"}}
        ])
    );
}

#[tokio::test]
async fn image_input() {
    let h = harness().await;
    let resp = h.chat(image_body()).await;
    assert_eq!(content(&resp).as_deref(), Some("Echo: Describe these"));
    assert_image_native(&h.native());
}

#[tokio::test]
async fn stream_image_input() {
    let h = harness().await;
    let s = h.stream(image_body()).await;
    assert_eq!(s.content, "Echo: Describe these");
    assert_image_native(&h.native());
}

// ---- tool call ---------------------------------------------------------------------------------

fn tool_body() -> Value {
    json!({"messages": [{"role": "user", "content": "What's the weather in Paris?"}], "tools": weather_tools()})
}

fn assert_tool_native(native: &Value) {
    assert_eq!(native["tools"], weather_tools_native());
    assert!(native.get("tool_choice").is_none());
}

#[tokio::test]
async fn tool_call() {
    let h = harness().await;
    let resp = h.chat(tool_body()).await;
    assert_eq!(finish(&resp), "tool_calls");
    assert_eq!(content(&resp).as_deref(), Some("Let me check."));
    assert_eq!(
        tool_calls(&resp),
        vec![(
            "toolu_mock_0".to_owned(),
            "get_weather".to_owned(),
            json!({"location": "Paris"})
        )]
    );
    assert_tool_native(&h.native());
}

#[tokio::test]
async fn stream_tool_call() {
    let h = harness().await;
    let s = h.stream(tool_body()).await;
    assert_eq!(s.finish.as_deref(), Some("tool_calls"));
    assert_eq!(s.content, "Let me check.");
    assert_eq!(
        s.tool_calls(),
        vec![(
            "toolu_mock_0".to_owned(),
            "get_weather".to_owned(),
            json!({"location": "Paris"})
        )]
    );
    assert_tool_native(&h.native());
}

// ---- parallel tool calls -----------------------------------------------------------------------

fn parallel_body(parallel: Option<bool>) -> Value {
    let mut body = json!({"messages": [{"role": "user", "content": "Weather in Paris and London, in parallel"}],
        "tools": weather_tools()});
    if let Some(p) = parallel {
        body["parallel_tool_calls"] = json!(p);
    }
    body
}

fn two_calls() -> Vec<(String, String, Value)> {
    vec![
        (
            "toolu_mock_0".to_owned(),
            "get_weather".to_owned(),
            json!({"location": "Paris"}),
        ),
        (
            "toolu_mock_1".to_owned(),
            "get_weather".to_owned(),
            json!({"location": "London"}),
        ),
    ]
}

#[tokio::test]
async fn parallel_tool_calls() {
    let h = harness().await;
    let resp = h.chat(parallel_body(None)).await;
    assert_eq!(tool_calls(&resp), two_calls());
    assert!(h.native().get("tool_choice").is_none());
    let resp = h.chat(parallel_body(Some(false))).await;
    assert_eq!(tool_calls(&resp).len(), 1);
    assert_eq!(
        h.native()["tool_choice"],
        json!({"type": "auto", "disable_parallel_tool_use": true})
    );
}

#[tokio::test]
async fn stream_parallel_tool_calls() {
    let h = harness().await;
    let s = h.stream(parallel_body(None)).await;
    assert_eq!(s.tool_calls(), two_calls());
    assert_eq!(s.tools.keys().copied().collect::<Vec<_>>(), [0, 1]);
    let s = h.stream(parallel_body(Some(false))).await;
    assert_eq!(s.tool_calls().len(), 1);
    assert_eq!(
        h.native()["tool_choice"],
        json!({"type": "auto", "disable_parallel_tool_use": true})
    );
}

// ---- tool result round trip --------------------------------------------------------------------

fn second_turn(calls: &[(String, String, Value)], assistant_text: Option<&str>) -> Value {
    let tool_calls: Vec<Value> = calls
        .iter()
        .map(|(id, name, args)| json!({"id": id, "type": "function", "function": {"name": name, "arguments": args.to_string()}}))
        .collect();
    let mut messages = vec![
        json!({"role": "user", "content": "Weather in Paris and London, in parallel"}),
        json!({"role": "assistant", "content": assistant_text, "tool_calls": tool_calls}),
    ];
    for ((id, _, _), result) in calls.iter().zip(["sunny", "rainy"]) {
        messages.push(json!({"role": "tool", "tool_call_id": id, "content": result}));
    }
    json!({"messages": messages, "tools": weather_tools()})
}

fn assert_round_trip_native(native: &Value) {
    let messages = native["messages"].as_array().unwrap();
    assert_eq!(
        messages.len(),
        3,
        "the two tool results share one user turn"
    );
    assert_eq!(
        messages[1]["content"],
        json!([
            {"type": "text", "text": "Let me check."},
            {"type": "tool_use", "id": "toolu_mock_0", "name": "get_weather", "input": {"location": "Paris"}},
            {"type": "tool_use", "id": "toolu_mock_1", "name": "get_weather", "input": {"location": "London"}}
        ])
    );
    assert_eq!(
        messages[2],
        json!({"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "toolu_mock_0", "content": "sunny"},
            {"type": "tool_result", "tool_use_id": "toolu_mock_1", "content": "rainy"}
        ]})
    );
}

#[tokio::test]
async fn tool_result_round_trip() {
    let h = harness().await;
    let first = h.chat(parallel_body(None)).await;
    let second = h
        .chat(second_turn(&tool_calls(&first), content(&first).as_deref()))
        .await;
    assert_eq!(content(&second).as_deref(), Some("Tool said: sunny; rainy"));
    assert_eq!(finish(&second), "stop");
    assert_round_trip_native(&h.native());
}

#[tokio::test]
async fn stream_tool_result_round_trip() {
    let h = harness().await;
    let first = h.stream(parallel_body(None)).await;
    let s = h
        .stream(second_turn(&first.tool_calls(), Some(&first.content)))
        .await;
    assert_eq!(s.content, "Tool said: sunny; rainy");
    assert_eq!(s.finish.as_deref(), Some("stop"));
    assert_round_trip_native(&h.native());
}

// ---- forced tool choice ------------------------------------------------------------------------

fn forced_body(choice: Value) -> Value {
    json!({"messages": [{"role": "user", "content": "hello"}], "tools": weather_tools(), "tool_choice": choice})
}

#[tokio::test]
async fn forced_tool_choice() {
    let h = harness().await;
    let resp = h
        .chat(forced_body(
            json!({"type": "function", "function": {"name": "get_time"}}),
        ))
        .await;
    assert_eq!(finish(&resp), "tool_calls");
    assert_eq!(
        content(&resp),
        None,
        "a forced tool use has no text before it"
    );
    assert_eq!(tool_calls(&resp)[0].1, "get_time");
    assert_eq!(
        h.native()["tool_choice"],
        json!({"type": "tool", "name": "get_time"})
    );
    let resp = h.chat(forced_body(json!("required"))).await;
    assert_eq!(tool_calls(&resp)[0].1, "get_weather");
    assert_eq!(h.native()["tool_choice"], json!({"type": "any"}));
    let resp = h.chat(forced_body(json!("none"))).await;
    assert_eq!(content(&resp).as_deref(), Some("Echo: hello"));
    assert_eq!(h.native()["tool_choice"], json!({"type": "none"}));
}

#[tokio::test]
async fn stream_forced_tool_choice() {
    let h = harness().await;
    let s = h
        .stream(forced_body(
            json!({"type": "function", "function": {"name": "get_time"}}),
        ))
        .await;
    assert_eq!(s.finish.as_deref(), Some("tool_calls"));
    assert_eq!(s.content, "");
    assert_eq!(s.tool_calls()[0].1, "get_time");
    assert_eq!(
        h.native()["tool_choice"],
        json!({"type": "tool", "name": "get_time"})
    );
    let s = h.stream(forced_body(json!("required"))).await;
    assert_eq!(s.tool_calls()[0].1, "get_weather");
    assert_eq!(h.native()["tool_choice"], json!({"type": "any"}));
}

// ---- structured output -------------------------------------------------------------------------

fn schema() -> Value {
    json!({"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"], "additionalProperties": false})
}

fn structured_body() -> Value {
    json!({"messages": [{"role": "user", "content": "Give me JSON"}],
        "response_format": {"type": "json_schema", "json_schema": {"name": "reply", "strict": true, "schema": schema()}}})
}

fn assert_structured_native(native: &Value) {
    assert_eq!(
        native["output_config"],
        json!({"format": {"type": "json_schema", "schema": schema()}})
    );
    assert!(
        native.get("tools").is_none(),
        "native structured output, not a forced tool"
    );
    assert_no_openai_leftovers(native);
}

#[tokio::test]
async fn structured_output() {
    let h = harness().await;
    let resp = h.chat(structured_body()).await;
    let parsed: Value = serde_json::from_str(&content(&resp).unwrap()).unwrap();
    assert_eq!(parsed, json!({"answer": "Echo: Give me JSON"}));
    assert_eq!(finish(&resp), "stop");
    assert_structured_native(&h.native());
}

#[tokio::test]
async fn stream_structured_output() {
    let h = harness().await;
    let s = h.stream(structured_body()).await;
    let parsed: Value = serde_json::from_str(&s.content).unwrap();
    assert_eq!(parsed, json!({"answer": "Echo: Give me JSON"}));
    assert_structured_native(&h.native());
}

// ---- max tokens --------------------------------------------------------------------------------

fn cutoff_body() -> Value {
    json!({"messages": [{"role": "user", "content": "one two three four"}], "max_tokens": 2})
}

#[tokio::test]
async fn max_tokens_cutoff_is_length() {
    let h = harness().await;
    let resp = h.chat(cutoff_body()).await;
    assert_eq!(content(&resp).as_deref(), Some("Echo: one"));
    assert_eq!(finish(&resp), "length");
    assert_eq!(resp.usage.unwrap().completion_tokens, 2);
    assert_eq!(h.native()["max_tokens"], 2);
    let resp = h
        .chat(json!({"messages": [{"role": "user", "content": "one two three four"}], "max_completion_tokens": 3, "max_tokens": 50}))
        .await;
    assert_eq!(content(&resp).as_deref(), Some("Echo: one two"));
    assert_eq!(h.native()["max_tokens"], 3, "max_completion_tokens wins");
}

#[tokio::test]
async fn stream_max_tokens_cutoff_is_length() {
    let h = harness().await;
    let s = h.stream(cutoff_body()).await;
    assert_eq!(s.content, "Echo: one");
    assert_eq!(s.finish.as_deref(), Some("length"));
    assert_eq!(s.usage.unwrap().completion_tokens, 2);
    assert_eq!(h.native()["max_tokens"], 2);
}

// ---- stop sequence -----------------------------------------------------------------------------

fn stop_body() -> Value {
    json!({"messages": [{"role": "user", "content": "one two three four"}], "stop": ["three", "zzz"]})
}

#[tokio::test]
async fn stop_sequence() {
    let h = harness().await;
    let resp = h.chat(stop_body()).await;
    assert_eq!(content(&resp).as_deref(), Some("Echo: one two "));
    assert_eq!(finish(&resp), "stop");
    assert_eq!(
        resp.choices[0].extra.get("stop_sequence"),
        Some(&json!("three"))
    );
    assert_eq!(h.native()["stop_sequences"], json!(["three", "zzz"]));
    h.chat(json!({"messages": [{"role": "user", "content": "a b"}], "stop": "b"}))
        .await;
    assert_eq!(h.native()["stop_sequences"], json!(["b"]));
}

#[tokio::test]
async fn stream_stop_sequence() {
    let h = harness().await;
    let s = h.stream(stop_body()).await;
    assert_eq!(s.content, "Echo: one two ");
    assert_eq!(s.finish.as_deref(), Some("stop"));
    assert_eq!(s.stop_sequence, Some(json!("three")));
    assert_eq!(h.native()["stop_sequences"], json!(["three", "zzz"]));
}

// ---- usage parity, thinking, errors, count tokens, models ------------------------------------

#[tokio::test]
async fn usage_parity() {
    let h = harness().await;
    for body in [
        system_body(),
        parallel_body(None),
        cutoff_body(),
        structured_body(),
    ] {
        let whole = h.chat(body.clone()).await;
        let streamed = h.stream(body).await;
        assert_eq!(streamed.usage, whole.usage, "same exchange, same usage");
    }
    let thinking = json!({"messages": [{"role": "user", "content": "Think hard"}], "reasoning": {"max_tokens": 1024}});
    let whole = h.chat(thinking.clone()).await;
    let streamed = h.stream(thinking).await;
    assert_eq!(streamed.usage, whole.usage);
    assert_eq!(
        whole.usage.unwrap().completion_tokens,
        3 + 4,
        "thinking counts as output"
    );
}

fn thinking_first_turn() -> Value {
    json!({"messages": [{"role": "user", "content": "Why is the sky blue? redact please"}],
        "reasoning": {"max_tokens": 2000}})
}

fn thinking_second_turn(reasoning_details: &[ReasoningDetail], answer: &str) -> Value {
    json!({"messages": [
        {"role": "user", "content": "Why is the sky blue? redact please"},
        {"role": "assistant", "content": answer, "reasoning_details": reasoning_details},
        {"role": "user", "content": "And at night?"}
    ], "reasoning": {"max_tokens": 2000}})
}

#[tokio::test]
async fn thinking_round_trip() {
    let h = harness().await;
    let first = h.chat(thinking_first_turn()).await;
    assert_eq!(
        h.native()["thinking"],
        json!({"type": "enabled", "budget_tokens": 2000})
    );
    let message = &first.choices[0].message;
    assert_eq!(
        message.reasoning.as_deref(),
        Some("Thinking about: Why is the sky blue? redact please")
    );
    let details = message.reasoning_details.clone().unwrap();
    assert_eq!(details.len(), 2);
    assert_eq!(details[0].kind, "reasoning.text");
    assert_eq!(details[1].kind, "reasoning.encrypted");
    let signature = details[0].signature.clone().unwrap();
    let data = details[1].data.clone().unwrap();

    // The signature and the redacted data come back unchanged; the mock verifies them.
    let second = h
        .chat(thinking_second_turn(&details, &content(&first).unwrap()))
        .await;
    assert_eq!(content(&second).as_deref(), Some("Echo: And at night?"));
    let assistant = &h.native()["messages"][1]["content"];
    assert_eq!(assistant[0]["type"], "thinking");
    assert_eq!(assistant[0]["signature"], json!(signature));
    assert_eq!(
        assistant[1],
        json!({"type": "redacted_thinking", "data": data})
    );
    assert_eq!(assistant[2]["type"], "text");

    // The same through a stream: the signature arrives in a signature_delta.
    let s = h.stream(thinking_first_turn()).await;
    assert_eq!(s.reasoning, message.reasoning.clone().unwrap());
    let streamed: Vec<ReasoningDetail> = s.details.values().cloned().collect();
    assert_eq!(streamed[0].signature.as_deref(), Some(signature.as_str()));
    assert_eq!(streamed[1].data.as_deref(), Some(data.as_str()));
    let second = h.stream(thinking_second_turn(&streamed, &s.content)).await;
    assert!(second.error.is_none(), "{:?}", second.error);
    assert_eq!(second.content, "Echo: And at night?");

    // A tampered signature is refused by the upstream, and the caller sees Anthropic's 400.
    let mut forged = details.clone();
    forged[0].signature = Some("forged".to_owned());
    let err = h
        .chat_err(thinking_second_turn(&forged, &content(&first).unwrap()))
        .await;
    assert_eq!(err.status(), 400);
    assert!(!err.is_bifrost_error());
    assert_eq!(err.error_type(), Some("invalid_request_error"));
    assert!(
        err.message().contains("Invalid `signature`"),
        "{}",
        err.message()
    );
}

#[tokio::test]
async fn upstream_error_maps_to_bifrost_error() {
    let h = harness().await;
    let err = h
        .chat_err(json!({"model": "anthropic/error-529", "messages": [{"role": "user", "content": "hi"}]}))
        .await;
    assert_eq!(err.status(), 529);
    assert!(!err.is_bifrost_error());
    assert_eq!(err.error_type(), Some("overloaded_error"));
    assert_eq!(err.message(), "Overloaded");
    assert_eq!(err.extra_fields().provider, "anthropic");
    assert_eq!(h.native()["model"], "error-529");

    let err = h
        .chat_err(json!({"model": "anthropic/error-429", "messages": [{"role": "user", "content": "hi"}]}))
        .await;
    assert_eq!(err.status(), 429);
    assert_eq!(err.error_type(), Some("rate_limit_error"));
    assert_eq!(err.retry_after(), Some(std::time::Duration::from_secs(1)));

    // Mid-stream: an `event: error` after the first delta ends the stream with the error.
    let s = h
        .stream(json!({"model": "anthropic/stream-error", "messages": [{"role": "user", "content": "hi there"}]}))
        .await;
    assert_eq!(s.content, "Echo: ");
    let err = s.error.unwrap();
    assert_eq!(
        (err.status(), err.error_type()),
        (529, Some("overloaded_error"))
    );

    // 529 is a 5xx: retried on the same key.
    let h = harness_with(KEY, 2).await;
    let resp = h
        .chat(json!({"model": "anthropic/flaky-1-529", "messages": [{"role": "user", "content": "hi"}]}))
        .await;
    assert_eq!(content(&resp).as_deref(), Some("Echo: hi"));
    assert_eq!(h.native_requests().len(), 2);
}

#[tokio::test]
async fn wrong_key_gets_anthropic_401() {
    let h = harness_with("bad-key", 0).await;
    let mut ctx = RequestContext {
        model_requested: MODEL.to_owned(),
        key_pin: Some(KeyPin::Name("anthropic-key".to_owned())),
        ..RequestContext::default()
    };
    let req = h
        .bifrost
        .request(RequestBody::Chat(Box::new(chat_request(simple_body()))))
        .unwrap();
    let err = h.bifrost.execute(&mut ctx, req).await.unwrap_err();
    assert_eq!(err.status(), 401);
    assert!(!err.is_bifrost_error());
    assert_eq!(err.error_type(), Some("authentication_error"));
    assert_eq!(err.message(), "invalid x-api-key");
    let body: Value = serde_json::from_slice(err.upstream_body().unwrap()).unwrap();
    assert_eq!(body["type"], "error");
    assert_eq!(
        body["error"],
        json!({"type": "authentication_error", "message": "invalid x-api-key"})
    );
    assert_eq!(h.native_requests()[0].header("x-api-key"), Some("bad-key"));

    // Without a pin the dead key leaves no key to try.
    let err = h.chat_err(simple_body()).await;
    assert_eq!(err.code(), Some("upstream_credentials_exhausted"));
}

#[tokio::test]
async fn count_tokens() {
    let h = harness().await;
    let messages = json!([
        {"role": "system", "content": "You are a scientist"},
        {"role": "user", "content": "Hello, Claude"}
    ]);
    let req: CountTokensRequest = serde_json::from_value(json!({
        "model": MODEL, "messages": messages,
        "tools": [weather_tools()[0].clone()]
    }))
    .unwrap();
    let mut ctx = RequestContext::default();
    let req = h
        .bifrost
        .request(RequestBody::CountTokens(Box::new(req)))
        .unwrap();
    let Response::CountTokens(count) = h.bifrost.execute(&mut ctx, req).await.unwrap() else {
        panic!("expected a token count")
    };
    assert_eq!(count.object, "response.input_tokens");
    let chat = h.chat(json!({"messages": messages})).await;
    assert_eq!(count.input_tokens, chat.usage.unwrap().prompt_tokens);
    assert_eq!(count.input_tokens, 6);

    let recorded = h
        .mock
        .requests()
        .into_iter()
        .find(|r| r.path == "/v1/messages/count_tokens")
        .unwrap();
    assert_eq!(recorded.header("x-api-key"), Some(KEY));
    assert_eq!(recorded.header("anthropic-version"), Some("2023-06-01"));
    assert_eq!(
        recorded.json().unwrap(),
        json!({
            "model": "claude-sonnet-4-5",
            "system": "You are a scientist",
            "messages": [{"role": "user", "content": "Hello, Claude"}],
            "tools": [weather_tools_native()[0].clone()]
        })
    );
}

#[tokio::test]
async fn list_models() {
    let h = harness().await;
    let mut ctx = RequestContext::default();
    let list = h
        .bifrost
        .list_models(&mut ctx, Some("anthropic"))
        .await
        .unwrap();
    let ids: Vec<&str> = list.data.iter().map(|m| m.id.as_str()).collect();
    let expected: Vec<String> = bifrost_mock_upstream::ANTHROPIC_MODELS
        .iter()
        .map(|(id, _, _)| format!("anthropic/{id}"))
        .collect();
    assert_eq!(ids, expected);
    let first = &list.data[0];
    assert_eq!(first.owned_by, "anthropic");
    assert_eq!(first.created, 1_759_104_000);
    assert_eq!(first.extra["display_name"], "Claude Sonnet 4.5");

    let recorded = h.mock.requests().pop().unwrap();
    assert_eq!(
        (recorded.method.as_str(), recorded.path.as_str()),
        ("GET", "/v1/models")
    );
    assert_eq!(recorded.query.as_deref(), Some("limit=1000"));
    assert_eq!(recorded.header("x-api-key"), Some(KEY));
    assert_eq!(recorded.header("anthropic-version"), Some("2023-06-01"));
}
