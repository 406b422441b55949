//! The Anthropic drop-in direction as data: native requests through the unified shape and back
//! (Anthropic -> unified -> Anthropic must give the caller's request again), native answers and
//! stream transcripts through the unified shape and back into Anthropic's.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use bifrost_core::providers::anthropic::inbound::request::{
    CountTokensBody, adapt_for_other_provider, to_chat_request, to_count_tokens_request,
};
use bifrost_core::providers::anthropic::inbound::response::to_message;
use bifrost_core::providers::anthropic::inbound::stream::{MessageStreamEncoder, OutEvent};
use bifrost_core::providers::anthropic::types::{MessagesRequest, MessagesResponse};
use bifrost_core::providers::anthropic::{request, response, stream};
use bifrost_core::providers::common::sse::SseAction;
use bifrost_core::schemas::{ChatRequest, StreamChunk};
use serde_json::{Value, json};

fn fixture(dir: &str, name: &str) -> String {
    let path = format!("{}/tests/fixtures/{dir}/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn native_request() -> Value {
    serde_json::from_str(&fixture("anthropic_inbound", "messages_request_full.json")).unwrap()
}

fn unified(native: &Value) -> ChatRequest {
    let req: MessagesRequest = serde_json::from_value(native.clone()).unwrap();
    to_chat_request(req).unwrap()
}

#[test]
fn a_request_survives_the_round_trip_through_the_unified_shape() {
    let native = native_request();
    let chat = unified(&native);
    // The unified shape reaches plugins and logs through serde: it must survive that too.
    let chat: ChatRequest = serde_json::from_value(serde_json::to_value(&chat).unwrap()).unwrap();
    let back = request::to_messages_request(&chat, "claude-sonnet-4-5-20250929", false).unwrap();
    let back = serde_json::to_value(&back).unwrap();
    assert_eq!(back, native, "{back:#}");
}

#[test]
fn the_unified_request_means_the_same_thing() {
    let chat = unified(&native_request());
    let v = serde_json::to_value(&chat).unwrap();
    assert_eq!(v["max_completion_tokens"], 4096);
    assert_eq!(v["stop"], json!(["###"]));
    assert_eq!(v["tool_choice"], "required");
    assert_eq!(v["parallel_tool_calls"], false);
    assert_eq!(v["reasoning"]["max_tokens"], 2048);
    assert_eq!(v["metadata"]["user_id"], "user-42");
    assert_eq!(
        v["tools"][0]["function"]["parameters"]["required"][0],
        "location"
    );
    let roles: Vec<&str> = v["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert_eq!(
        roles,
        [
            "system",
            "user",
            "assistant",
            "tool",
            "user",
            "assistant",
            "user"
        ]
    );
    let user = &v["messages"][1]["content"];
    assert_eq!(
        user[1]["image_url"]["url"],
        "data:image/png;base64,iVBORw0KGgo="
    );
    assert_eq!(user[2]["image_url"]["url"], "https://example.com/cat.jpg");
    assert_eq!(user[3]["type"], "image", "a file image stays native");
    let assistant = &v["messages"][2];
    assert_eq!(assistant["reasoning"], "Let me look at the weather.");
    assert_eq!(
        assistant["reasoning_details"][0]["signature"],
        "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds"
    );
    assert_eq!(
        assistant["reasoning_details"][1]["type"],
        "reasoning.encrypted"
    );
    assert_eq!(
        assistant["tool_calls"][0]["function"]["arguments"],
        r#"{"location":"Paris","unit":"c"}"#
    );
    let tool = &v["messages"][3];
    assert_eq!(tool["tool_call_id"], "toolu_01");
    assert_eq!(tool["is_error"], false);
}

#[test]
fn other_providers_get_a_request_of_their_own_family() {
    let mut chat = unified(&native_request());
    adapt_for_other_provider(&mut chat);
    let v = serde_json::to_value(&chat).unwrap();
    let text = v.to_string();
    for absent in [
        "cache_control",
        "signature",
        "thinking",
        "citations",
        "top_k",
        "container",
        "web_search",
        "srvtoolu",
        "is_error",
        "search_result",
    ] {
        assert!(!text.contains(absent), "{absent} leaked: {v:#}");
    }
    assert_eq!(v["reasoning_effort"], "low");
    assert!(v.get("reasoning").is_none());
    assert_eq!(v["user"], "user-42");
    assert!(v.get("metadata").is_none());
    assert_eq!(v["response_format"]["type"], "json_schema");
    assert_eq!(
        v["response_format"]["json_schema"]["schema"]["properties"]["answer"]["type"],
        "string"
    );
    assert_eq!(v["tools"].as_array().unwrap().len(), 1);
    assert_eq!(
        v["messages"][0]["content"],
        "You are a careful assistant.\nAnswer briefly."
    );
    let user = v["messages"][1]["content"].as_array().unwrap();
    let kinds: Vec<&str> = user.iter().map(|p| p["type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["text", "image_url", "image_url", "file", "text"]);
    assert_eq!(user[3]["file"]["filename"], "report.pdf");
    assert_eq!(
        user[3]["file"]["file_data"],
        "data:application/pdf;base64,JVBERi0x"
    );
    assert_eq!(user[4]["text"], "plain notes");
    assert_eq!(v["messages"][3]["content"], "18C and sunny");
    assert_eq!(v["messages"][2]["content"][0]["type"], "text");
    assert_eq!(
        v["messages"][5]["content"], "Let me check.",
        "plain text is kept"
    );
    assert_eq!(v["messages"][6]["content"], "Thanks");
}

#[test]
fn invalid_requests_are_refused_with_anthropic_wording() {
    let base = json!({"model": "m", "max_tokens": 10, "messages": []});
    let err = to_chat_request(serde_json::from_value(base).unwrap()).unwrap_err();
    assert_eq!(err.status(), 400);
    assert!(err.message().starts_with("messages:"), "{}", err.message());
    let system = json!({"model": "m", "max_tokens": 10, "role": "x",
        "messages": [{"role": "system", "content": "x"}]});
    let err = to_chat_request(serde_json::from_value(system).unwrap()).unwrap_err();
    assert_eq!(
        err.message(),
        "messages.0.role: Input should be 'user' or 'assistant'"
    );
}

#[test]
fn count_tokens_bodies_keep_their_native_fields() {
    let body: CountTokensBody = serde_json::from_value(json!({
        "model": "claude-x", "system": "be brief",
        "messages": [{"role": "user", "content": "hi"}],
        "tool_choice": {"type": "auto"}, "thinking": {"type": "enabled", "budget_tokens": 1024}
    }))
    .unwrap();
    let count = to_count_tokens_request(body).unwrap();
    let native = request::to_count_tokens_request(&count, "claude-x").unwrap();
    let v = serde_json::to_value(native).unwrap();
    assert_eq!(v["system"], "be brief");
    assert_eq!(v["tool_choice"]["type"], "auto");
    assert_eq!(v["thinking"]["budget_tokens"], 1024);
}

#[test]
fn answers_survive_the_round_trip() {
    for name in [
        "response_text.json",
        "response_thinking.json",
        "response_tool_use.json",
        "response_stop_sequence.json",
        "response_refusal.json",
    ] {
        let native: Value = serde_json::from_str(&fixture("anthropic", name)).unwrap();
        let msg: MessagesResponse = serde_json::from_value(native.clone()).unwrap();
        let chat = response::to_chat_response(msg, 0);
        let back = serde_json::to_value(to_message(chat, "req")).unwrap();
        assert_eq!(back["id"], native["id"], "{name}");
        assert_eq!(back["type"], "message");
        assert_eq!(back["role"], "assistant");
        assert_eq!(back["model"], native["model"], "{name}");
        assert_eq!(back["stop_reason"], native["stop_reason"], "{name}");
        assert_eq!(back["stop_sequence"], native["stop_sequence"], "{name}");
        // Only the block types the unified shape carries come back (server tool results do not).
        let kept: Vec<&Value> = native["content"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|b| {
                matches!(
                    b["type"].as_str(),
                    Some("text" | "thinking" | "redacted_thinking" | "tool_use")
                )
            })
            .collect();
        let kept: Vec<Value> = kept
            .into_iter()
            .map(|b| {
                let mut b = b.clone();
                b.as_object_mut().unwrap().remove("citations");
                b
            })
            .collect();
        assert_eq!(back["content"], Value::Array(kept), "{name}: {back:#}");
        for field in ["input_tokens", "output_tokens"] {
            assert_eq!(
                back["usage"][field], native["usage"][field],
                "{name} {field}"
            );
        }
        for field in ["cache_creation_input_tokens", "cache_read_input_tokens"] {
            let want = native["usage"][field].as_u64().unwrap_or(0);
            assert_eq!(back["usage"][field], want, "{name} {field}");
        }
    }
}

/// The `data:` payloads of an SSE transcript.
fn transcript(name: &str) -> Vec<Value> {
    fixture("anthropic", name)
        .split("\n\n")
        .filter(|e| !e.trim().is_empty())
        .map(|e| {
            let data: String = e
                .lines()
                .filter_map(|l| l.strip_prefix("data:"))
                .map(str::trim_start)
                .collect();
            serde_json::from_str(&data).unwrap()
        })
        .collect()
}

/// Native events -> the provider's chunks -> the drop-in route's events.
fn reencode(native: &[Value]) -> Vec<Value> {
    let mut decoder = stream::AnthropicChatSse::new("anthropic".into(), true, 0);
    let mut encoder = MessageStreamEncoder::new("req");
    let mut events: Vec<OutEvent> = Vec::new();
    for ev in native {
        match decoder.on_data(&ev.to_string()) {
            SseAction::Emit(StreamChunk::Chat(c)) => encoder.push(&c, &mut events),
            SseAction::Emit(_) | SseAction::Skip => {}
            SseAction::End | SseAction::Fail(_) => break,
        }
    }
    encoder.finish(&mut events);
    events
        .iter()
        .map(|e| serde_json::to_value(e).unwrap())
        .collect()
}

/// What a client reads from a stream: events but pings, and the deltas that carry something.
fn essence(events: &[Value]) -> Vec<Value> {
    events
        .iter()
        .filter(|e| e["type"] != "ping")
        .filter(|e| e["delta"]["partial_json"] != "")
        .map(|e| {
            let mut e = e.clone();
            if let Some(obj) = e.as_object_mut() {
                obj.remove("usage");
                if let Some(m) = obj.get_mut("message").and_then(Value::as_object_mut) {
                    m.remove("usage");
                }
            }
            e
        })
        .collect()
}

#[test]
fn streams_come_back_in_anthropic_event_order() {
    for name in [
        "stream_text.sse",
        "stream_thinking.sse",
        "stream_tool_use.sse",
    ] {
        let native = transcript(name);
        let ours = reencode(&native);
        assert_eq!(ours[0]["type"], "message_start");
        assert_eq!(ours[1]["type"], "ping");
        assert_eq!(essence(&ours), essence(&native), "{name}: {ours:#?}");
        let delta = ours.iter().find(|e| e["type"] == "message_delta").unwrap();
        let native_delta = native
            .iter()
            .find(|e| e["type"] == "message_delta")
            .unwrap();
        assert_eq!(
            delta["usage"]["output_tokens"], native_delta["usage"]["output_tokens"],
            "{name}"
        );
        let start = &native[0]["message"]["usage"];
        assert_eq!(
            delta["usage"]["input_tokens"], start["input_tokens"],
            "{name}"
        );
    }
}

#[test]
fn a_stream_of_another_family_becomes_anthropic_events() {
    let chunks = [
        json!({"id":"chatcmpl-1","model":"gpt-4o","choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}),
        json!({"id":"chatcmpl-1","model":"gpt-4o","choices":[{"index":0,"delta":{"content":"Hi"}}]}),
        json!({"id":"chatcmpl-1","model":"gpt-4o","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"f","arguments":""}}]}}]}),
        json!({"id":"chatcmpl-1","model":"gpt-4o","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"a\":"}}]}}]}),
        json!({"id":"chatcmpl-1","model":"gpt-4o","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"1}"}}]}}]}),
        json!({"id":"chatcmpl-1","model":"gpt-4o","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}),
        json!({"id":"chatcmpl-1","model":"gpt-4o","choices":[],"usage":{"prompt_tokens":7,"completion_tokens":3,"total_tokens":10}}),
    ];
    let mut encoder = MessageStreamEncoder::new("req");
    let mut events = Vec::new();
    for c in chunks {
        encoder.push(&serde_json::from_value(c).unwrap(), &mut events);
    }
    encoder.finish(&mut events);
    let events: Vec<Value> = events
        .iter()
        .map(|e| serde_json::to_value(e).unwrap())
        .collect();
    let kinds: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "message_start",
            "ping",
            "content_block_start",
            "content_block_delta",
            "content_block_stop",
            "content_block_start",
            "content_block_delta",
            "content_block_delta",
            "content_block_stop",
            "message_delta",
            "message_stop"
        ]
    );
    assert_eq!(events[0]["message"]["id"], "msg_chatcmpl-1");
    assert_eq!(events[0]["message"]["model"], "gpt-4o");
    assert_eq!(
        events[5]["content_block"],
        json!({"type":"tool_use","id":"call_1","name":"f","input":{}})
    );
    assert_eq!(
        events[6]["delta"],
        json!({"type":"input_json_delta","partial_json":"{\"a\":"})
    );
    assert_eq!(events[9]["delta"]["stop_reason"], "tool_use");
    assert_eq!(events[9]["usage"]["input_tokens"], 7);
    assert_eq!(events[9]["usage"]["output_tokens"], 3);
}
