//! Cohere translation as data: fixtures of OpenAI-shaped requests and of Cohere v2 answers and
//! stream transcripts (written from Cohere's API reference), translated both ways, with
//! snapshots.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use bifrost_core::providers::cohere::stream::{CohereChatSse, split};
use bifrost_core::providers::cohere::types::{
    ChatResponse as CohereChat, EmbedResponse, ModelList, RerankResponse,
};
use bifrost_core::providers::cohere::{request, response};
use bifrost_core::providers::common::sse::{SseAction, SseHandler};
use bifrost_core::schemas::{ChatRequest, EmbeddingRequest, RerankRequest};
use serde_json::{Value, json};

const CREATED: u64 = 1_700_000_000;

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/cohere/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn json_fixture<T: serde::de::DeserializeOwned>(name: &str) -> T {
    serde_json::from_str(&fixture(name)).unwrap()
}

/// Feeds an SSE transcript through the decoder (and the usage split the provider applies);
/// each item is a chunk or an error, and a final `{"eof": ...}` entry records what the end of
/// the connection meant.
fn decode(name: &str, include_usage: bool) -> Vec<Value> {
    let mut handler = CohereChatSse::new(
        "cohere".into(),
        "command-a-03-2025".into(),
        CREATED,
        include_usage,
    );
    let mut out = Vec::new();
    for event in fixture(name).split("\n\n").filter(|e| !e.trim().is_empty()) {
        let data: String = event
            .lines()
            .filter_map(|l| l.strip_prefix("data:"))
            .map(str::trim_start)
            .collect();
        match handler.on_data(&data) {
            SseAction::Emit(chunk) => {
                for c in split(chunk) {
                    out.push(serde_json::from_slice(&c.to_json().unwrap()).unwrap());
                }
            }
            SseAction::Skip => {}
            SseAction::End => {
                out.push(json!({"end": true}));
                return out;
            }
            SseAction::Fail(e) => {
                out.push(json!({ "error": e }));
                return out;
            }
        }
    }
    out.push(json!({"eof": handler.on_eof().map(|e| serde_json::to_value(&e).unwrap())}));
    out
}

#[test]
fn full_chat_request_to_cohere() {
    let req: ChatRequest = json_fixture("chat_request_full.json");
    let native = request::to_chat_request(&req, "command-a-03-2025", false).unwrap();
    insta::assert_json_snapshot!("request_full", native);
}

#[test]
fn streamed_request_sets_stream() {
    let req: ChatRequest = serde_json::from_value(json!({
        "model": "m", "messages": [{"role": "user", "content": "hi"}], "tool_choice": "none",
        "response_format": {"type": "json_object"}, "reasoning_effort": "none"
    }))
    .unwrap();
    let native = request::to_chat_request(&req, "command-r7b-12-2024", true).unwrap();
    assert_eq!(
        serde_json::to_value(native).unwrap(),
        json!({
            "model": "command-r7b-12-2024",
            "messages": [{"role": "user", "content": "hi"}],
            "stream": true,
            "tool_choice": "NONE",
            "response_format": {"type": "json_object"},
            "thinking": {"type": "disabled"}
        })
    );
}

#[test]
fn chat_responses_to_openai() {
    for name in [
        "chat_response_text",
        "chat_response_tool_calls",
        "chat_response_thinking_citations",
    ] {
        let resp: CohereChat = json_fixture(&format!("{name}.json"));
        let out = response::to_chat_response(resp, "command-a-03-2025", CREATED);
        insta::assert_json_snapshot!(name, out);
    }
}

#[test]
fn text_stream_to_chunks() {
    insta::assert_json_snapshot!("stream_text", decode("stream_text.sse", true));
}

#[test]
fn tool_call_stream_to_chunks() {
    insta::assert_json_snapshot!("stream_tool_calls", decode("stream_tool_calls.sse", true));
}

#[test]
fn thinking_stream_to_chunks() {
    let out = decode("stream_thinking_citations.sse", false);
    assert!(out.iter().all(|c| c.get("usage").is_none()));
    insta::assert_json_snapshot!("stream_thinking_citations", out);
}

#[test]
fn generation_error_ends_the_stream() {
    insta::assert_json_snapshot!("stream_error", decode("stream_error.sse", true));
}

#[test]
fn stream_without_message_end_is_truncated() {
    let transcript = fixture("stream_text.sse");
    let cut = transcript.split("event: message-end").next().unwrap();
    let mut handler = CohereChatSse::new("cohere".into(), "m".into(), CREATED, true);
    for event in cut.split("\n\n") {
        let data: String = event
            .lines()
            .filter_map(|l| l.strip_prefix("data: "))
            .collect();
        let _ = handler.on_data(&data);
    }
    let err = handler.on_eof().unwrap();
    assert_eq!(err.code(), Some("stream_interrupted"));
}

#[test]
fn embed_rerank_and_models_to_openai() {
    let req = EmbeddingRequest {
        model: "embed-v4.0".into(),
        input: json!(["hello", "goodbye"]),
        ..EmbeddingRequest::default()
    };
    let native = request::to_embed_request(&req, "embed-v4.0").unwrap();
    assert_eq!(
        serde_json::to_value(&native).unwrap(),
        json!({"model": "embed-v4.0", "input_type": "search_document", "texts": ["hello", "goodbye"], "embedding_types": ["float"]})
    );
    let resp: EmbedResponse = json_fixture("embed_response.json");
    let out = response::to_embedding_response(resp, "embed-v4.0", &req).unwrap();
    insta::assert_json_snapshot!("embed", out);

    let rerank = RerankRequest {
        model: "rerank-v3.5".into(),
        query: "What is the capital of the United States?".into(),
        documents: vec![
            json!("Carson City is the capital city of the American state of Nevada."),
            json!({"text": "The Commonwealth of the Northern Mariana Islands is a group of islands in the Pacific Ocean. Its capital is Saipan."}),
            json!(
                "Capitalization or capitalisation in English grammar is the use of a capital letter at the start of a word."
            ),
            json!(
                "Washington, D.C. (also known as simply Washington or D.C., and officially as the District of Columbia) is the capital of the United States."
            ),
            json!({"title": "punishment", "body": "Capital punishment has existed in the United States since before the United States was a country."}),
        ],
        top_n: Some(2),
        return_documents: Some(true),
        ..RerankRequest::default()
    };
    insta::assert_json_snapshot!(
        "rerank_request",
        request::to_rerank_request(&rerank, "rerank-v3.5")
    );
    let resp: RerankResponse = json_fixture("rerank_response.json");
    insta::assert_json_snapshot!(
        "rerank",
        response::to_rerank_response(resp, "rerank-v3.5", &rerank)
    );

    let models: ModelList = json_fixture("models.json");
    insta::assert_json_snapshot!("models", response::to_models(models));
}

#[test]
fn error_bodies_to_bifrost_errors() {
    let e = bifrost_core::providers::openai::error::parse_error_body(
        "cohere",
        401,
        Some("application/json"),
        &bytes::Bytes::from_static(
            br#"{"id":"cb8d2f4b-5c5d-4b8f-8f6c-6a1e2d1f0a11","message":"invalid api token"}"#,
        ),
    );
    assert_eq!(e.status(), 401);
    assert_eq!(e.message(), "invalid api token");
    assert!(!e.is_bifrost_error());
}
