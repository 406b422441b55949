//! The provider conformance list for Gemini (Generative Language API), through the real engine
//! against the in-process mock upstream.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod google_common;

use bifrost_mock_upstream::MockUpstream;
use google_common::{self as common, Flavor, Harness};
use serde_json::json;

const FLAVOR: Flavor = Flavor::Gemini;

macro_rules! unary_and_stream {
    ($($name:ident / $stream:ident),* $(,)?) => {$(
        #[tokio::test]
        async fn $name() {
            common::$name(FLAVOR, false).await;
        }

        #[tokio::test]
        async fn $stream() {
            common::$name(FLAVOR, true).await;
        }
    )*};
}

unary_and_stream!(
    simple_chat / stream_simple_chat,
    system_prompt / stream_system_prompt,
    multi_turn / stream_multi_turn,
    image_input / stream_image_input,
    tool_call / stream_tool_call,
    parallel_tool_calls / stream_parallel_tool_calls,
    tool_result_round_trip / stream_tool_result_round_trip,
    forced_tool_choice / stream_forced_tool_choice,
    structured_output / stream_structured_output,
    max_tokens_cutoff_is_length / stream_max_tokens_cutoff_is_length,
    stop_sequence / stream_stop_sequence,
);

#[tokio::test]
async fn usage_parity() {
    common::usage_parity(FLAVOR).await;
}

#[tokio::test]
async fn upstream_error_maps_to_bifrost_error() {
    common::upstream_error_maps_to_bifrost_error(FLAVOR).await;
}

#[tokio::test]
async fn wrong_key_gets_native_error() {
    let mock = MockUpstream::start().await.unwrap();
    let h = Harness::with_key(
        mock,
        FLAVOR,
        json!({"name": "bad", "value": "bad-key-123", "models": ["*"]}),
        json!({}),
    );
    let err = h
        .chat_err(json!({"messages": [{"role": "user", "content": "hi"}]}))
        .await;
    assert_eq!(err.status(), 400);
    assert!(!err.is_bifrost_error());
    assert_eq!(err.error_type(), Some("INVALID_ARGUMENT"));
    assert_eq!(err.code(), Some("API_KEY_INVALID"));
    assert_eq!(
        err.message(),
        "API key not valid. Please pass a valid API key."
    );
    let calls = h.calls("generateContent");
    assert_eq!(calls.len(), 1, "a 400 is not retried");
    assert_eq!(calls[0].header("x-goog-api-key"), Some("bad-key-123"));
    assert_eq!(
        calls[0].path,
        format!("/v1beta/models/{}:generateContent", common::MODEL)
    );
}

#[tokio::test]
async fn embeddings() {
    common::embeddings(FLAVOR).await;
}

#[tokio::test]
async fn count_tokens() {
    common::count_tokens(FLAVOR).await;
}

#[tokio::test]
async fn list_models() {
    common::list_models(FLAVOR).await;
}

#[tokio::test]
async fn custom_provider_on_gemini_base() {
    let mock = MockUpstream::start().await.unwrap();
    let mut providers = indexmap::IndexMap::new();
    providers.insert(
        "my-gemini".to_owned(),
        common::provider_config(json!({
            "keys": [{"name": "k", "value": "custom-key", "models": ["*"]}],
            "network_config": {"base_url": format!("{}/v1beta/", mock.base_url())},
            "custom_provider_config": {"base_provider_type": "gemini"}
        })),
    );
    let bifrost = bifrost_core::Bifrost::new(
        bifrost_core::config::EngineConfig::with_providers(providers),
        vec![],
    )
    .unwrap();
    let req = serde_json::from_value(json!({
        "model": "my-gemini/gemini-2.0-flash",
        "messages": [{"role": "user", "content": "custom"}]
    }))
    .unwrap();
    let resp = bifrost.chat(req).await.unwrap();
    assert_eq!(
        resp.choices[0].message.content.as_ref().unwrap().to_text(),
        "Echo: custom"
    );
    assert_eq!(resp.extra_fields.unwrap().provider, "my-gemini");
    let r = &mock.requests()[0];
    assert_eq!(r.path, "/v1beta/models/gemini-2.0-flash:generateContent");
    assert_eq!(r.header("x-goog-api-key"), Some("custom-key"));
}

#[tokio::test]
async fn passthrough_forwards_native_requests_with_the_gateway_key() {
    use bifrost_core::schemas::{PassthroughRequest, RequestBody, Response, StreamChunk};
    use futures::StreamExt;

    let h = Harness::start(FLAVOR).await;
    let native = json!({"contents": [{"role": "user", "parts": [{"text": "raw hello"}]}]});
    let make = |path: &str, query: &str, stream: bool| bifrost_core::schemas::Request {
        provider: "gemini".to_owned(),
        model: common::MODEL.to_owned(),
        fallbacks: Vec::new(),
        body: RequestBody::Passthrough(Box::new(PassthroughRequest {
            method: "POST".to_owned(),
            path: path.to_owned(),
            query: Some(query.to_owned()),
            headers: vec![("content-type".to_owned(), "application/json".to_owned())],
            body: bytes::Bytes::from(native.to_string()),
            model: common::MODEL.to_owned(),
            stream,
        })),
    };
    let mut ctx = bifrost_core::RequestContext::default();
    let resp = h
        .bifrost
        .execute(
            &mut ctx,
            make(
                &format!("/v1beta/models/{}:generateContent", common::MODEL),
                "key=callers-own-key",
                false,
            ),
        )
        .await
        .unwrap();
    let Response::Passthrough(resp) = resp else {
        panic!("unexpected {resp:?}")
    };
    assert_eq!(resp.status, 200);
    let body: serde_json::Value = serde_json::from_slice(&resp.body).unwrap();
    assert_eq!(
        body["candidates"][0]["content"]["parts"][0]["text"],
        "Echo: raw hello"
    );
    let sent = &h.calls("generateContent")[0];
    assert_eq!(sent.header("x-goog-api-key"), Some(common::API_KEY));
    assert_eq!(sent.query, None, "the caller's key is not forwarded");
    assert_eq!(
        sent.json().unwrap(),
        native,
        "the body is forwarded unchanged"
    );

    let stream = h
        .bifrost
        .execute_stream(
            bifrost_core::RequestContext::default(),
            make(
                &format!("/v1beta/models/{}:streamGenerateContent", common::MODEL),
                "alt=sse",
                true,
            ),
        )
        .await
        .unwrap();
    let items: Vec<_> = stream.collect().await;
    let Some(Ok(StreamChunk::RawHead(head))) = items.first() else {
        panic!("the stream starts with the head: {items:?}")
    };
    assert_eq!(head.status, 200);
    let raw: Vec<u8> = items
        .iter()
        .filter_map(|i| match i {
            Ok(StreamChunk::Raw(b)) => Some(b.to_vec()),
            _ => None,
        })
        .flatten()
        .collect();
    let text = String::from_utf8(raw).unwrap();
    assert!(text.starts_with("data: {"), "{text}");
    assert!(text.contains("\"finishReason\":\"STOP\""));
    let sent = &h.calls("streamGenerateContent")[0];
    assert_eq!(sent.query.as_deref(), Some("alt=sse"));
}
