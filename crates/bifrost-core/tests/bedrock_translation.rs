//! Bedrock translation as data: fixtures of OpenAI-shaped requests and of native Converse
//! answers, embedding answers and ConverseStream transcripts (written from the Bedrock API
//! reference), translated both ways, with snapshots. Stream transcripts are encoded into real
//! event-stream frames and fed to the decoder in small, frame-splitting pieces.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use aws_smithy_eventstream::frame::write_message_to;
use aws_smithy_types::event_stream::{Header, HeaderValue, Message};
use bifrost_core::providers::bedrock::request::{ConverseOptions, to_converse_request};
use bifrost_core::providers::bedrock::response::to_chat_response;
use bifrost_core::providers::bedrock::stream::{ConverseStreamState, decode_event_stream};
use bifrost_core::providers::bedrock::types::{
    CohereEmbedResponse, ConverseResponse, TitanEmbedResponse,
};
use bifrost_core::providers::bedrock::{embed, error};
use bifrost_core::schemas::{ChatRequest, EmbeddingRequest};
use bytes::Bytes;
use futures::StreamExt;
use serde_json::{Value, json};

const CREATED: u64 = 1_700_000_000;

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/bedrock/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn json_fixture<T: serde::de::DeserializeOwned>(name: &str) -> T {
    serde_json::from_str(&fixture(name)).unwrap()
}

fn string_header(name: &'static str, value: &str) -> Header {
    Header::new(name, HeaderValue::String(value.to_owned().into()))
}

/// Encodes a transcript (`{"event", "payload"}` / `{"exception", "payload"}` entries) as
/// event-stream frames.
fn frames(name: &str) -> Vec<u8> {
    let transcript: Vec<Value> = json_fixture(name);
    let mut out = Vec::new();
    for entry in transcript {
        let payload = Bytes::from(entry["payload"].to_string());
        let headers = match (entry.get("event"), entry.get("exception")) {
            (Some(event), _) => vec![
                string_header(":event-type", event.as_str().unwrap()),
                string_header(":content-type", "application/json"),
                string_header(":message-type", "event"),
            ],
            (_, Some(exception)) => vec![
                string_header(":exception-type", exception.as_str().unwrap()),
                string_header(":content-type", "application/json"),
                string_header(":message-type", "exception"),
            ],
            _ => panic!("bad transcript entry"),
        };
        write_message_to(&Message::new_from_parts(headers, payload), &mut out).unwrap();
    }
    out
}

/// Decodes a transcript; each item is a chunk or `{"error": ...}`.
async fn decode(name: &str, include_usage: bool, opts: ConverseOptions) -> Vec<Value> {
    let bytes = frames(name);
    // 7-byte pieces: every frame arrives split, often inside its prelude.
    let pieces: Vec<Result<Bytes, reqwest::Error>> = bytes
        .chunks(7)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    let state = ConverseStreamState::new(
        "bedrock".into(),
        "req-1".into(),
        "anthropic.claude-3-7-sonnet-20250219-v1:0".into(),
        CREATED,
        include_usage,
        opts,
    );
    let mut stream = decode_event_stream(futures::stream::iter(pieces), state);
    let mut out = Vec::new();
    while let Some(item) = stream.next().await {
        out.push(match item {
            Ok(chunk) => serde_json::from_slice(&chunk.to_json().unwrap()).unwrap(),
            Err(e) => json!({ "error": e }),
        });
    }
    out
}

#[test]
fn full_chat_request_to_converse() {
    let req: ChatRequest = json_fixture("chat_request_full.json");
    let (native, opts) =
        to_converse_request(&req, "us.anthropic.claude-3-7-sonnet-20250219-v1:0").unwrap();
    assert_eq!(opts, ConverseOptions::default());
    insta::assert_json_snapshot!("request_full", native);
}

#[test]
fn structured_output_request_to_converse() {
    let req: ChatRequest = json_fixture("chat_request_structured.json");
    let (native, opts) = to_converse_request(&req, "amazon.nova-pro-v1:0").unwrap();
    assert_eq!(opts.structured_tool.as_deref(), Some("city_extraction"));
    insta::assert_json_snapshot!("request_structured", native);
}

#[test]
fn converse_text_response_to_openai() {
    let resp: ConverseResponse = json_fixture("converse_response_text.json");
    let out = to_chat_response(
        resp,
        "amazon.nova-pro-v1:0",
        "req-1".into(),
        CREATED,
        &ConverseOptions::default(),
    );
    insta::assert_json_snapshot!("response_text", out);
}

#[test]
fn converse_tool_use_response_to_openai() {
    let resp: ConverseResponse = json_fixture("converse_response_tool_use.json");
    let out = to_chat_response(
        resp,
        "anthropic.claude-3-7-sonnet-20250219-v1:0",
        "req-1".into(),
        CREATED,
        &ConverseOptions::default(),
    );
    assert_eq!(out.usage.as_ref().unwrap().prompt_tokens, 1339);
    insta::assert_json_snapshot!("response_tool_use", out);
}

#[test]
fn converse_guardrail_response_to_openai() {
    let resp: ConverseResponse = json_fixture("converse_response_guardrail.json");
    let out = to_chat_response(
        resp,
        "amazon.nova-pro-v1:0",
        "req-1".into(),
        CREATED,
        &ConverseOptions::default(),
    );
    assert_eq!(
        out.choices[0].finish_reason.as_deref(),
        Some("content_filter")
    );
    insta::assert_json_snapshot!("response_guardrail", out);
}

#[test]
fn converse_structured_response_to_openai() {
    let resp: ConverseResponse = json_fixture("converse_response_structured.json");
    let opts = ConverseOptions {
        structured_tool: Some("city_extraction".into()),
    };
    let out = to_chat_response(resp, "amazon.nova-pro-v1:0", "req-1".into(), CREATED, &opts);
    insta::assert_json_snapshot!("response_structured", out);
}

#[tokio::test]
async fn text_stream_to_chunks() {
    insta::assert_json_snapshot!(
        "stream_text",
        decode("stream_text.json", true, ConverseOptions::default()).await
    );
}

#[tokio::test]
async fn tool_use_stream_to_chunks() {
    let chunks = decode("stream_tool_use.json", true, ConverseOptions::default()).await;
    insta::assert_json_snapshot!("stream_tool_use", chunks);
}

#[tokio::test]
async fn usage_chunk_only_when_asked_for() {
    let with = decode("stream_text.json", true, ConverseOptions::default()).await;
    let without = decode("stream_text.json", false, ConverseOptions::default()).await;
    assert_eq!(with.len(), without.len() + 1);
    assert!(without.iter().all(|c| c.get("usage").is_none()));
}

#[tokio::test]
async fn stream_exception_is_an_error() {
    insta::assert_json_snapshot!(
        "stream_exception",
        decode("stream_exception.json", true, ConverseOptions::default()).await
    );
}

#[tokio::test]
async fn truncated_stream_is_an_error() {
    let items = decode("stream_truncated.json", true, ConverseOptions::default()).await;
    let last = items.last().unwrap();
    assert_eq!(last["error"]["error"]["code"], "stream_interrupted");
    // Half a frame is an error too.
    let bytes = frames("stream_text.json");
    let cut = Bytes::copy_from_slice(&bytes[..bytes.len() - 5]);
    let state = ConverseStreamState::new(
        "bedrock".into(),
        "r".into(),
        "m".into(),
        CREATED,
        false,
        ConverseOptions::default(),
    );
    let mut s = decode_event_stream(
        futures::stream::iter(vec![Ok::<_, reqwest::Error>(cut)]),
        state,
    );
    let mut last = None;
    while let Some(item) = s.next().await {
        last = Some(item);
    }
    let err = last.unwrap().unwrap_err();
    assert!(
        err.message().contains("middle of an event-stream frame"),
        "{}",
        err.message()
    );
}

#[tokio::test]
async fn corrupted_frames_are_rejected() {
    let mut bytes = frames("stream_text.json");
    bytes[20] ^= 0xff;
    let state = ConverseStreamState::new(
        "bedrock".into(),
        "r".into(),
        "m".into(),
        CREATED,
        false,
        ConverseOptions::default(),
    );
    let mut s = decode_event_stream(
        futures::stream::iter(vec![Ok::<_, reqwest::Error>(Bytes::from(bytes))]),
        state,
    );
    let err = s.next().await.unwrap().unwrap_err();
    assert_eq!(err.code(), Some("invalid_upstream_response"));
}

#[test]
fn error_bodies_to_bifrost_errors() {
    let mut headers = http::HeaderMap::new();
    headers.insert(
        "x-amzn-errortype",
        "ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/"
            .parse()
            .unwrap(),
    );
    let e = error::parse_error(
        "bedrock",
        400,
        &headers,
        &Bytes::from_static(
            br#"{"message":"Malformed input request: #: extraneous key [foo] is not permitted, please reformat your input and try again."}"#,
        ),
    );
    insta::assert_json_snapshot!("error_validation", e);
}

#[test]
fn embedding_answers_to_openai() {
    let req = EmbeddingRequest {
        model: "amazon.titan-embed-text-v2:0".into(),
        input: json!("hello world"),
        ..EmbeddingRequest::default()
    };
    let titan: TitanEmbedResponse = json_fixture("titan_embed_response.json");
    let out = embed::titan_response(vec![titan], "amazon.titan-embed-text-v2:0", &req);
    insta::assert_json_snapshot!("embed_titan", out);
    let cohere: CohereEmbedResponse = json_fixture("cohere_embed_response.json");
    let out = embed::cohere_response(cohere, "cohere.embed-english-v3", &req, 4).unwrap();
    insta::assert_json_snapshot!("embed_cohere", out);
    let native = embed::cohere_request(
        vec!["hello world".into()],
        &EmbeddingRequest {
            dimensions: Some(512),
            extra: [("input_type".to_owned(), json!("search_query"))]
                .into_iter()
                .collect(),
            ..req.clone()
        },
    );
    assert_eq!(
        serde_json::to_value(native).unwrap(),
        json!({"texts": ["hello world"], "input_type": "search_query", "embedding_types": ["float"], "output_dimension": 512})
    );
    assert_eq!(
        serde_json::to_value(embed::titan_request(
            "hi",
            &EmbeddingRequest {
                dimensions: Some(256),
                ..req
            },
            true
        ))
        .unwrap(),
        json!({"inputText": "hi", "dimensions": 256})
    );
}
