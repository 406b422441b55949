//! Snapshot tests of the Gemini / Vertex AI translation, both directions, over native fixtures
//! written from Google's API references (`tests/fixtures/google/`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::convert::Infallible;

use bifrost_core::providers::common::sse::{SseAction, SseHandler};
use bifrost_core::providers::gemini::error::parse_error_body;
use bifrost_core::providers::gemini::request::{
    Dialect, EmbedBody, chat_request, count_tokens_request, embedding_request,
};
use bifrost_core::providers::gemini::response::{
    ResponseMeta, chat_response, count_tokens_response, embedding_response, list_models_response,
};
use bifrost_core::providers::gemini::stream::GeminiChatSse;
use bifrost_core::providers::gemini::types::{
    BatchEmbedContentsResponse, CountTokensResponse, GenerateContentResponse, ListModelsResponse,
};
use bifrost_core::providers::vertex;
use bifrost_core::schemas::{ChatRequest, CountTokensRequest, EmbeddingRequest, StreamChunk};
use bytes::Bytes;
use eventsource_stream::Eventsource;
use futures::StreamExt;
use serde_json::{Value, json};

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/google/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn json_fixture<T: serde::de::DeserializeOwned>(name: &str) -> T {
    serde_json::from_str(&fixture(name)).unwrap()
}

const META: ResponseMeta<'static> = ResponseMeta {
    fallback_id: "chatcmpl-fixture",
    created: 1_700_000_000,
    model: "gemini-2.5-flash",
};

fn response(name: &str) -> Value {
    let native: GenerateContentResponse = json_fixture(name);
    let out = chat_response("gemini", native, META).unwrap();
    serde_json::to_value(out).unwrap()
}

#[test]
fn response_text_with_cached_and_thinking_usage() {
    insta::assert_json_snapshot!("response_text", response("response_text.json"));
}

#[test]
fn response_function_calls_keep_signatures_and_get_ids() {
    let v = response("response_function_calls.json");
    // Generated ids are stable: the same response translates to the same ids.
    assert_eq!(v, response("response_function_calls.json"));
    insta::assert_json_snapshot!("response_function_calls", v);
}

#[test]
fn response_thinking_parts_become_reasoning() {
    insta::assert_json_snapshot!("response_thinking", response("response_thinking.json"));
}

#[test]
fn response_safety_and_max_tokens_finish_reasons() {
    insta::assert_json_snapshot!("response_safety", response("response_safety.json"));
}

#[test]
fn response_vertex_with_create_time_and_logprobs() {
    insta::assert_json_snapshot!("response_vertex", response("response_vertex.json"));
}

#[test]
fn blocked_prompt_is_an_error() {
    let native: GenerateContentResponse = json_fixture("response_blocked_prompt.json");
    let err = chat_response("gemini", native, META).unwrap_err();
    insta::assert_json_snapshot!("response_blocked_prompt", err);
}

#[test]
fn google_error_body() {
    let body = Bytes::from(fixture("error_api_key.json"));
    let err = parse_error_body("gemini", 400, Some("application/json"), &body);
    insta::assert_json_snapshot!("error_api_key", err);
}

/// Runs an SSE transcript through the stream decoder, as the provider does.
async fn transcript(name: &str) -> Vec<Value> {
    let body = fixture(name);
    let mut events =
        futures::stream::iter([Ok::<Bytes, Infallible>(Bytes::from(body))]).eventsource();
    let mut handler = GeminiChatSse::new(
        "gemini".into(),
        "chatcmpl-fixture".to_owned(),
        "gemini-2.5-flash".to_owned(),
        1_700_000_000,
    );
    let mut out = Vec::new();
    while let Some(event) = events.next().await {
        match handler.on_event(&event.unwrap()) {
            SseAction::Emit(StreamChunk::Chat(c)) => out.push(serde_json::to_value(c).unwrap()),
            SseAction::Emit(other) => panic!("unexpected {other:?}"),
            SseAction::Skip => {}
            SseAction::End => break,
            SseAction::Fail(e) => {
                out.push(json!({"error": e}));
                return out;
            }
        }
    }
    if let Some(e) = handler.on_eof() {
        out.push(json!({"eof_error": e}));
    }
    out
}

#[tokio::test]
async fn stream_text_transcript() {
    insta::assert_json_snapshot!("stream_text", transcript("stream_text.sse").await);
}

#[tokio::test]
async fn stream_function_call_transcript() {
    insta::assert_json_snapshot!(
        "stream_function_calls",
        transcript("stream_function_calls.sse").await
    );
}

#[tokio::test]
async fn stream_error_transcript() {
    insta::assert_json_snapshot!("stream_error", transcript("stream_error.sse").await);
}

#[test]
fn request_chat_full_gemini_and_vertex() {
    let req: ChatRequest = json_fixture("request_chat_full.json");
    let gemini = serde_json::to_value(chat_request(&req, Dialect::Gemini).unwrap()).unwrap();
    insta::assert_json_snapshot!("request_chat_full_gemini", gemini);
    let vertex = serde_json::to_value(chat_request(&req, Dialect::Vertex).unwrap()).unwrap();
    // Vertex takes the same body plus billing labels.
    assert_eq!(vertex["labels"], json!({"team": "travel"}));
    let mut without_labels = vertex.clone();
    without_labels.as_object_mut().unwrap().remove("labels");
    assert_eq!(without_labels, gemini);
}

#[test]
fn request_count_tokens_both_dialects() {
    let req: CountTokensRequest = json_fixture("request_count_tokens.json");
    insta::assert_json_snapshot!(
        "request_count_tokens_gemini",
        count_tokens_request(&req, "gemini-2.5-flash", Dialect::Gemini).unwrap()
    );
    insta::assert_json_snapshot!(
        "request_count_tokens_vertex",
        count_tokens_request(&req, "gemini-2.5-flash", Dialect::Vertex).unwrap()
    );
}

#[test]
fn request_embeddings_both_dialects() {
    let req: EmbeddingRequest = json_fixture("request_embeddings.json");
    let EmbedBody::Batch(batch) = embedding_request(&req, "text-embedding-004").unwrap() else {
        panic!("two inputs make a batch")
    };
    insta::assert_json_snapshot!("request_embeddings_gemini", batch);
    insta::assert_json_snapshot!(
        "request_embeddings_vertex",
        vertex::request::embedding_request(&req).unwrap()
    );
}

#[test]
fn responses_embeddings_count_tokens_and_models() {
    let batch: BatchEmbedContentsResponse = json_fixture("response_batch_embed.json");
    insta::assert_json_snapshot!(
        "response_batch_embed",
        embedding_response(batch.embeddings, None, "text-embedding-004", false)
    );
    let predict: vertex::types::PredictResponse = json_fixture("response_vertex_predict.json");
    insta::assert_json_snapshot!(
        "response_vertex_predict",
        vertex::response::embedding_response(predict, "text-embedding-005", false)
    );
    let count: CountTokensResponse = json_fixture("response_count_tokens.json");
    insta::assert_json_snapshot!("response_count_tokens", count_tokens_response(count));
    let models: ListModelsResponse = json_fixture("response_list_models.json");
    insta::assert_json_snapshot!("response_list_models", list_models_response(models));
}

#[test]
fn native_responses_survive_a_round_trip() {
    // Unknown fields (safetyRatings, avgLogprobs, trafficType, ...) are kept on the wire types.
    for name in [
        "response_text.json",
        "response_function_calls.json",
        "response_safety.json",
        "response_vertex.json",
    ] {
        let raw: Value = serde_json::from_str(&fixture(name)).unwrap();
        let typed: GenerateContentResponse = serde_json::from_value(raw.clone()).unwrap();
        assert_eq!(serde_json::to_value(typed).unwrap(), raw, "{name}");
    }
}
