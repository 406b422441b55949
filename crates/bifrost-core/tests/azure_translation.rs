//! Azure OpenAI translation as data: Azure's answers are OpenAI's plus content-filter
//! annotations, which are kept on the response; its streams start with a chunk that carries
//! only prompt filter results, which is skipped. Fixtures follow Azure's API reference.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use bifrost_core::providers::azure::stream::AzureChatSse;
use bifrost_core::providers::common::sse::{SseAction, SseHandler};
use bifrost_core::schemas::ChatResponse;
use eventsource_stream::Event;
use serde_json::{Value, json};

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/azure/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn chat_response_keeps_filter_results() {
    let resp: ChatResponse = serde_json::from_str(&fixture("chat_response.json")).unwrap();
    assert_eq!(resp.usage.as_ref().unwrap().total_tokens, 40);
    assert!(resp.extra.contains_key("prompt_filter_results"));
    assert!(resp.choices[0].extra.contains_key("content_filter_results"));
    insta::assert_json_snapshot!("chat_response", resp);
}

#[test]
fn stream_skips_filter_only_chunks() {
    let mut handler = AzureChatSse::new("azure".into());
    let mut out: Vec<Value> = Vec::new();
    for data in fixture("stream.sse")
        .split("\n\n")
        .filter_map(|e| e.trim().strip_prefix("data: "))
    {
        let event = Event {
            event: "message".into(),
            data: data.to_owned(),
            id: String::new(),
            retry: None,
        };
        match handler.on_event(&event) {
            SseAction::Emit(chunk) => {
                out.push(serde_json::from_slice(&chunk.to_json().unwrap()).unwrap())
            }
            SseAction::Skip => out.push(json!("skipped")),
            SseAction::End => out.push(json!("end")),
            SseAction::Fail(e) => out.push(json!({ "error": e })),
        }
    }
    assert_eq!(out[0], json!("skipped"));
    assert!(handler.on_eof().is_none());
    insta::assert_json_snapshot!("stream", out);
}
