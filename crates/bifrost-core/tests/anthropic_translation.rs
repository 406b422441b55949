//! Anthropic translation as data: fixtures of native requests, answers and full stream
//! transcripts (written from Anthropic's API reference) translated both ways, with snapshots.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use bifrost_core::providers::anthropic::types::{CountTokensResponse, MessagesResponse, ModelList};
use bifrost_core::providers::anthropic::{error, request, response, stream};
use bifrost_core::providers::common::sse::{SseAction, SseHandler};
use bifrost_core::schemas::{ChatRequest, CountTokensRequest, StreamChunk, Usage};
use bytes::Bytes;
use serde_json::{Value, json};

const CREATED: u64 = 1_700_000_000;

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/anthropic/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn json_fixture<T: serde::de::DeserializeOwned>(name: &str) -> T {
    serde_json::from_str(&fixture(name)).unwrap()
}

/// Feeds an SSE transcript through the decoder; each item is a chunk or an error, and a final
/// `{"eof": ...}` entry records what the end of the connection meant.
fn decode(name: &str, include_usage: bool) -> (Vec<Value>, Vec<StreamChunk>) {
    let mut handler = stream::AnthropicChatSse::new("anthropic".into(), include_usage, CREATED);
    let mut out = Vec::new();
    let mut chunks = Vec::new();
    let transcript = fixture(name);
    for event in transcript.split("\n\n").filter(|e| !e.trim().is_empty()) {
        let data: String = event
            .lines()
            .filter_map(|l| l.strip_prefix("data:"))
            .map(str::trim_start)
            .collect::<Vec<_>>()
            .join("\n");
        match handler.on_data(&data) {
            SseAction::Emit(chunk) => {
                out.push(serde_json::from_slice(&chunk.to_json().unwrap()).unwrap());
                chunks.push(chunk);
            }
            SseAction::Skip => {}
            SseAction::End => {
                out.push(json!({"end": true}));
                return (out, chunks);
            }
            SseAction::Fail(e) => {
                out.push(json!({"error": e}));
                return (out, chunks);
            }
        }
    }
    out.push(json!({"eof": handler.on_eof().map(|e| serde_json::to_value(&e).unwrap())}));
    (out, chunks)
}

#[test]
fn full_chat_request_to_native() {
    let req: ChatRequest = json_fixture("chat_request_full.json");
    let native = request::to_messages_request(&req, "claude-sonnet-4-5", req.is_stream()).unwrap();
    insta::assert_json_snapshot!("request_full", native);
}

#[test]
fn simple_chat_request_to_native() {
    let req: ChatRequest = json_fixture("chat_request_simple.json");
    let native = request::to_messages_request(&req, "claude-haiku-4-5", false).unwrap();
    insta::assert_json_snapshot!("request_simple", native);
}

#[test]
fn count_tokens_request_to_native() {
    let req: CountTokensRequest = json_fixture("count_tokens_request.json");
    let native = request::to_count_tokens_request(&req, "claude-sonnet-4-5").unwrap();
    insta::assert_json_snapshot!("request_count_tokens", native);
}

#[test]
fn answers_to_unified() {
    for name in [
        "response_text",
        "response_tool_use",
        "response_thinking",
        "response_stop_sequence",
        "response_refusal",
    ] {
        let msg: MessagesResponse = json_fixture(&format!("{name}.json"));
        let unified = response::to_chat_response(msg, CREATED);
        insta::assert_json_snapshot!(name, unified);
    }
}

#[test]
fn models_and_token_counts_to_unified() {
    let list: ModelList = json_fixture("models_list.json");
    insta::assert_json_snapshot!("models_list", response::to_models(list));
    let count: CountTokensResponse = json_fixture("count_tokens_response.json");
    insta::assert_json_snapshot!("count_tokens", response::to_count_tokens(count));
}

#[test]
fn error_body_to_bifrost_error() {
    let body = Bytes::from(fixture("error_overloaded.json"));
    let err = error::parse_error_body("anthropic", 529, Some("application/json"), &body);
    assert_eq!(err.status(), 529);
    assert!(!err.is_bifrost_error());
    insta::assert_json_snapshot!("error_overloaded", err);
}

#[test]
fn stream_transcripts_to_chunks() {
    for name in [
        "stream_text",
        "stream_tool_use",
        "stream_thinking",
        "stream_error",
        "stream_truncated",
    ] {
        let (out, _) = decode(&format!("{name}.sse"), true);
        insta::assert_json_snapshot!(name, out);
    }
}

#[test]
fn without_include_usage_the_stream_ends_at_message_stop() {
    let (out, chunks) = decode("stream_text.sse", false);
    assert_eq!(out.last(), Some(&json!({"end": true})));
    assert!(chunks.iter().all(|c| c.usage().is_none()));
}

fn stream_usage(chunks: &[StreamChunk]) -> Usage {
    chunks.iter().find_map(|c| c.usage().cloned()).unwrap()
}

#[test]
fn streamed_and_whole_answers_agree() {
    let (_, chunks) = decode("stream_tool_use.sse", true);
    let whole = response::to_chat_response(json_fixture("response_tool_use.json"), CREATED);
    assert_eq!(Some(stream_usage(&chunks)), whole.usage);
    let mut content = String::new();
    let mut args = String::new();
    let mut finish = None;
    for c in &chunks {
        let StreamChunk::Chat(c) = c else { panic!() };
        for choice in &c.choices {
            content.push_str(choice.delta.content.as_deref().unwrap_or_default());
            for tc in choice.delta.tool_calls.iter().flatten() {
                assert_eq!(
                    tc.index, 0,
                    "the first tool call is index 0 even in block 1"
                );
                args.push_str(
                    tc.function
                        .as_ref()
                        .and_then(|f| f.arguments.as_deref())
                        .unwrap_or_default(),
                );
            }
            finish = choice.finish_reason.clone().or(finish);
        }
    }
    let message = &whole.choices[0].message;
    assert_eq!(Some(content), message.content.as_ref().map(|c| c.to_text()));
    let streamed: Value = serde_json::from_str(&args).unwrap();
    let tool_calls = message.tool_calls.as_ref().unwrap();
    let whole_args: Value = serde_json::from_str(&tool_calls[0].function.arguments).unwrap();
    assert_eq!(streamed, whole_args);
    assert_eq!(finish, whole.choices[0].finish_reason);
}
