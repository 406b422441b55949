//! Azure OpenAI conformance: the real engine against the in-process Azure mock (v1 API by
//! default, the legacy deployments API when the key names deployments or an api-version),
//! through the shared conformance list, streamed and not. Every test checks what the caller
//! gets and what Azure received.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod native_conformance;

use bifrost_core::config::{EngineConfig, KeyConfig, Millis, NetworkConfig, ProviderConfig};
use bifrost_core::schemas::{
    EmbeddingRequest, EmbeddingVector, RequestBody, TextCompletionRequest,
};
use bifrost_core::{Bifrost, KeyPin, RequestContext};
use bifrost_mock_upstream::MockUpstream;
use bifrost_mock_upstream::azure::INVALID_KEY_MESSAGE;
use futures::StreamExt;
use native_conformance::*;
use serde_json::{Value, json};

const MODEL: &str = "azure/gpt4o";
const DEPLOYMENT: &str = "my-gpt4o-deployment";

fn key(mock: &MockUpstream, value: &str, extra: Value) -> KeyConfig {
    let mut config = json!({ "endpoint": format!("{}/", mock.base_url()) });
    if let (Some(c), Value::Object(extra)) = (config.as_object_mut(), extra) {
        c.extend(extra);
    }
    KeyConfig {
        name: Some("az".into()),
        value: value.into(),
        azure_key_config: Some(config),
        aliases: Some(
            [("gpt4o".to_owned(), json!(DEPLOYMENT))]
                .into_iter()
                .collect(),
        ),
        ..KeyConfig::default()
    }
}

fn engine(keys: Vec<KeyConfig>, max_retries: u32) -> Bifrost {
    let provider = ProviderConfig {
        keys,
        network_config: Some(NetworkConfig {
            max_retries: Some(max_retries),
            retry_backoff_initial: Some(Millis(std::time::Duration::from_millis(1))),
            ..NetworkConfig::default()
        }),
        ..ProviderConfig::default()
    };
    let providers = [("azure".to_owned(), provider)].into_iter().collect();
    Bifrost::new(EngineConfig::with_providers(providers), vec![]).unwrap()
}

async fn setup() -> (MockUpstream, Bifrost) {
    let mock = MockUpstream::start().await.unwrap();
    let b = engine(vec![key(&mock, "azure-key-1", json!({}))], 0);
    (mock, b)
}

/// The chat body Azure received on the v1 API, after checking path, key and streaming flags.
fn sent(mock: &MockUpstream, stream: bool) -> Value {
    let req = last(mock);
    assert_eq!(req.path, "/openai/v1/chat/completions");
    assert_eq!(req.query, None);
    assert_eq!(req.header("api-key"), Some("azure-key-1"));
    assert!(req.header("authorization").is_none());
    let body = req.json().unwrap();
    assert_eq!(body["model"], DEPLOYMENT);
    if stream {
        assert_eq!(body["stream"], true);
        assert_eq!(body["stream_options"], json!({"include_usage": true}));
    } else {
        assert!(body.get("stream").is_none());
    }
    body
}

async fn simple_chat_case(stream: bool) {
    let (mock, b) = setup().await;
    let out = run(&b, simple_chat_req(MODEL), stream).await.unwrap();
    expect_text(&out, "Echo: Hello there", "stop");
    let u = out.usage.unwrap();
    assert_eq!((u.prompt_tokens, u.completion_tokens), (2, 3));
    let body = sent(&mock, stream);
    assert_eq!(
        body["messages"],
        json!([{"role": "user", "content": "Hello there"}])
    );
}
both!(simple_chat, stream_simple_chat, simple_chat_case);

async fn system_prompt_case(stream: bool) {
    let (mock, b) = setup().await;
    let out = run(&b, system_prompt_req(MODEL), stream).await.unwrap();
    expect_text(&out, "Echo: Hi", "stop");
    assert_eq!(
        sent(&mock, stream)["messages"][0],
        json!({"role": "system", "content": "You are terse."})
    );
}
both!(system_prompt, stream_system_prompt, system_prompt_case);

async fn multi_turn_case(stream: bool) {
    let (mock, b) = setup().await;
    let out = run(&b, multi_turn_req(MODEL), stream).await.unwrap();
    expect_text(&out, "Echo: What is my name?", "stop");
    let roles: Vec<Value> = sent(&mock, stream)["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].clone())
        .collect();
    assert_eq!(roles, [json!("user"), json!("assistant"), json!("user")]);
}
both!(multi_turn, stream_multi_turn, multi_turn_case);

async fn image_input_case(stream: bool) {
    let (mock, b) = setup().await;
    let out = run(&b, image_input_req(MODEL), stream).await.unwrap();
    expect_text(&out, "Echo: Describe this", "stop");
    assert_eq!(
        sent(&mock, stream)["messages"][0]["content"][1],
        json!({"type": "image_url", "image_url": {"url": format!("data:image/png;base64,{PNG_B64}")}})
    );
}
both!(image_input, stream_image_input, image_input_case);

async fn tool_call_case(stream: bool) {
    let (mock, b) = setup().await;
    let out = run(&b, tool_call_req(MODEL), stream).await.unwrap();
    expect_tools(&out, &["get_weather"]);
    assert_eq!(out.args(0), json!({"location": "Paris"}));
    assert_eq!(
        sent(&mock, stream)["tools"][0]["function"]["name"],
        "get_weather"
    );
}
both!(tool_call, stream_tool_call, tool_call_case);

async fn parallel_tool_calls_case(stream: bool) {
    let (mock, b) = setup().await;
    let out = run(&b, parallel_tool_calls_req(MODEL), stream)
        .await
        .unwrap();
    expect_tools(&out, &["get_weather", "get_weather"]);
    assert_eq!(out.args(1), json!({"location": "London"}));
    assert_eq!(sent(&mock, stream)["tools"].as_array().unwrap().len(), 1);
}
both!(
    parallel_tool_calls,
    stream_parallel_tool_calls,
    parallel_tool_calls_case
);

async fn tool_result_round_trip_case(stream: bool) {
    let (mock, b) = setup().await;
    let out = run(&b, tool_result_round_trip_req(MODEL), stream)
        .await
        .unwrap();
    expect_text(&out, "Tool said: sunny, 21C", "stop");
    let body = sent(&mock, stream);
    assert_eq!(body["messages"][1]["tool_calls"][0]["id"], CALL_ID);
    assert_eq!(
        body["messages"][2],
        json!({"role": "tool", "content": "sunny, 21C", "tool_call_id": CALL_ID})
    );
}
both!(
    tool_result_round_trip,
    stream_tool_result_round_trip,
    tool_result_round_trip_case
);

async fn forced_tool_choice_case(stream: bool) {
    let (mock, b) = setup().await;
    let out = run(&b, forced_tool_choice_req(MODEL), stream)
        .await
        .unwrap();
    expect_tools(&out, &["get_time"]);
    assert_eq!(
        sent(&mock, stream)["tool_choice"],
        json!({"type": "function", "function": {"name": "get_time"}})
    );
}
both!(
    forced_tool_choice,
    stream_forced_tool_choice,
    forced_tool_choice_case
);

async fn structured_output_case(stream: bool) {
    let (mock, b) = setup().await;
    let out = run(&b, structured_output_req(MODEL), stream).await.unwrap();
    expect_text(&out, r#"{"answer":"Echo: Hello"}"#, "stop");
    assert_eq!(
        sent(&mock, stream)["response_format"]["json_schema"]["name"],
        "answer"
    );
}
both!(
    structured_output,
    stream_structured_output,
    structured_output_case
);

async fn max_tokens_case(stream: bool) {
    let (mock, b) = setup().await;
    let out = run(&b, max_tokens_cutoff_req(MODEL), stream).await.unwrap();
    expect_text(&out, "Echo: one two", "length");
    assert_eq!(sent(&mock, stream)["max_completion_tokens"], 3);
}
both!(
    max_tokens_cutoff_is_length,
    stream_max_tokens_cutoff_is_length,
    max_tokens_case
);

async fn stop_sequence_case(stream: bool) {
    let (mock, b) = setup().await;
    let out = run(&b, stop_sequence_req(MODEL), stream).await.unwrap();
    expect_text(&out, "Echo: alpha beta ", "stop");
    assert_eq!(sent(&mock, stream)["stop"], json!(["STOP"]));
}
both!(stop_sequence, stream_stop_sequence, stop_sequence_case);

#[tokio::test]
async fn usage_parity() {
    let (_mock, b) = setup().await;
    assert_stream_parity(
        &b,
        vec![
            simple_chat_req(MODEL),
            system_prompt_req(MODEL),
            tool_call_req(MODEL),
            parallel_tool_calls_req(MODEL),
        ],
    )
    .await;
}

#[tokio::test]
async fn upstream_error_maps_to_bifrost_error() {
    let (mock, b) = setup().await;
    let err = run(&b, simple_chat_req("azure/error-429"), false)
        .await
        .unwrap_err();
    assert_eq!(err.status(), 429);
    assert!(!err.is_bifrost_error());
    assert_eq!(err.message(), "mock upstream error 429");
    assert_eq!(err.code(), Some("rate_limit_exceeded"));
    assert_eq!(last_body(&mock)["model"], "error-429");
    let err = run(&b, simple_chat_req("azure/error-503"), true)
        .await
        .unwrap_err();
    assert_eq!(err.status(), 503);
    let err = run(&b, simple_chat_req("azure/garbage"), false)
        .await
        .unwrap_err();
    assert_eq!(err.status(), 502);
    assert!(
        err.message().contains("not a valid chat completion"),
        "{}",
        err.message()
    );
    let mut s = b
        .chat_stream(simple_chat_req("azure/stream-error"))
        .await
        .unwrap();
    let mut last_item = None;
    while let Some(item) = s.next().await {
        last_item = Some(item);
    }
    let err = last_item.unwrap().unwrap_err();
    assert_eq!(err.message(), "mock mid-stream failure");

    let retrying = engine(vec![key(&mock, "azure-key-1", json!({}))], 2);
    mock.clear();
    let out = run(&retrying, simple_chat_req("azure/flaky-1-429"), false)
        .await
        .unwrap();
    assert_eq!(out.content, "Echo: Hello there");
    assert_eq!(mock.request_count(), 2);
}

#[tokio::test]
async fn wrong_key_gets_native_error() {
    let mock = MockUpstream::start().await.unwrap();
    let b = engine(vec![key(&mock, "bad-azure-key", json!({}))], 0);
    let mut ctx = RequestContext {
        key_pin: Some(KeyPin::Name("az".into())),
        ..RequestContext::default()
    };
    let req = b
        .request(RequestBody::Chat(Box::new(simple_chat_req(MODEL))))
        .unwrap();
    let err = b.execute(&mut ctx, req).await.unwrap_err();
    assert_eq!(err.status(), 401);
    assert!(!err.is_bifrost_error());
    assert_eq!(err.message(), INVALID_KEY_MESSAGE);
    assert_eq!(err.code(), Some("401"));
    assert_eq!(last(&mock).header("api-key"), Some("bad-azure-key"));
    assert_eq!(
        err.upstream_body()
            .map(|b| serde_json::from_slice::<Value>(b).unwrap()),
        Some(json!({"error": {"code": "401", "message": INVALID_KEY_MESSAGE}}))
    );
}

#[tokio::test]
async fn embeddings() {
    let (mock, b) = setup().await;
    let resp = b
        .embedding(EmbeddingRequest {
            model: "azure/text-embedding-3-small".into(),
            input: json!(["hello world", "bye"]),
            dimensions: Some(16),
            encoding_format: Some("base64".into()),
            ..EmbeddingRequest::default()
        })
        .await
        .unwrap();
    assert_eq!(resp.data.len(), 2);
    assert!(matches!(resp.data[0].embedding, EmbeddingVector::Base64(_)));
    assert_eq!(resp.data[0].embedding.to_floats().unwrap().len(), 16);
    assert_eq!(resp.usage.unwrap().prompt_tokens, 3);
    let req = last(&mock);
    assert_eq!(req.path, "/openai/v1/embeddings");
    assert_eq!(req.json().unwrap()["model"], "text-embedding-3-small");
}

#[tokio::test]
async fn legacy_deployment_url() {
    let mock = MockUpstream::start().await.unwrap();
    let b = engine(
        vec![key(
            &mock,
            "azure-key-1",
            json!({"deployments": {"gpt-4o": "prod-gpt4o"}, "api_version": "2024-10-21"}),
        )],
        0,
    );
    for stream in [false, true] {
        let out = run(&b, simple_chat_req("azure/gpt-4o"), stream)
            .await
            .unwrap();
        expect_text(&out, "Echo: Hello there", "stop");
        let req = last(&mock);
        assert_eq!(req.path, "/openai/deployments/prod-gpt4o/chat/completions");
        assert_eq!(req.query.as_deref(), Some("api-version=2024-10-21"));
        assert_eq!(req.header("api-key"), Some("azure-key-1"));
    }
    let resp = b.chat(simple_chat_req("azure/gpt-4o")).await.unwrap();
    assert_eq!(resp.model, "prod-gpt4o", "the deployment answered");

    // A model without a deployment entry is its own deployment; embeddings and completions use
    // their deployment paths too.
    b.embedding(EmbeddingRequest {
        model: "azure/text-embedding-3-small".into(),
        input: json!("hi"),
        ..EmbeddingRequest::default()
    })
    .await
    .unwrap();
    assert_eq!(
        last(&mock).path,
        "/openai/deployments/text-embedding-3-small/embeddings"
    );
    let text = b
        .text_completion(TextCompletionRequest {
            model: "azure/gpt-4o".into(),
            prompt: json!("Say hi"),
            ..TextCompletionRequest::default()
        })
        .await
        .unwrap();
    assert!(!text.choices.is_empty());
    assert_eq!(
        last(&mock).path,
        "/openai/deployments/prod-gpt4o/completions"
    );

    // Deployments alone select the legacy API with the default api-version.
    let defaulted = engine(
        vec![key(
            &mock,
            "azure-key-1",
            json!({"deployments": {"gpt-4o": "prod-gpt4o"}}),
        )],
        0,
    );
    defaulted
        .chat(simple_chat_req("azure/gpt-4o"))
        .await
        .unwrap();
    assert_eq!(last(&mock).query.as_deref(), Some("api-version=2024-10-21"));

    // Model listing on both forms.
    let mut ctx = RequestContext::default();
    let models = b.list_models(&mut ctx, Some("azure")).await.unwrap();
    assert!(models.data.iter().any(|m| m.id == "azure/gpt-4o"));
    assert_eq!(last(&mock).path, "/openai/models");
    let (v1_mock, v1) = setup().await;
    v1.list_models(&mut ctx, Some("azure")).await.unwrap();
    assert_eq!(last(&v1_mock).path, "/openai/v1/models");
}

fn responses_request(model: &str, text: &str) -> bifrost_core::schemas::ResponsesRequest {
    bifrost_core::schemas::ResponsesRequest {
        model: model.into(),
        input: Some(bifrost_core::schemas::ResponsesInput::Text(text.into())),
        instructions: Some("be brief".into()),
        ..Default::default()
    }
}

async fn streamed_event_types(b: &Bifrost, model: &str, text: &str) -> (Vec<String>, String) {
    let stream = b
        .responses_stream(responses_request(model, text))
        .await
        .unwrap();
    let chunks: Vec<Value> = stream
        .map(|c| match c.unwrap() {
            bifrost_core::schemas::StreamChunk::Responses(e) => serde_json::to_value(e).unwrap(),
            other => panic!("not a Responses event: {other:?}"),
        })
        .collect()
        .await;
    let types = chunks
        .iter()
        .map(|c| c["type"].as_str().unwrap_or_default().to_owned())
        .collect();
    let text = chunks
        .iter()
        .filter(|c| c["type"] == "response.output_text.delta")
        .map(|c| c["delta"].as_str().unwrap_or_default())
        .collect();
    (types, text)
}

#[tokio::test]
async fn responses_are_native_on_the_v1_api() {
    let (mock, b) = setup().await;
    let resp = b
        .responses(responses_request(MODEL, "hello azure"))
        .await
        .unwrap();
    assert_eq!(resp.output_text(), "Echo: hello azure");
    let req = last(&mock);
    assert_eq!(req.path, "/openai/v1/responses");
    assert_eq!(req.query, None);
    assert_eq!(req.header("api-key"), Some("azure-key-1"));
    let body = req.json().unwrap();
    assert_eq!(body["model"], DEPLOYMENT, "the alias names the deployment");
    assert_eq!(body["instructions"], "be brief");
    assert_eq!(body["input"], "hello azure");
    assert!(
        mock.requests()
            .iter()
            .all(|r| r.path != "/openai/v1/chat/completions"),
        "not translated over chat"
    );

    let (types, text) = streamed_event_types(&b, MODEL, "stream azure").await;
    assert_eq!(text, "Echo: stream azure");
    assert_eq!(types.first().map(String::as_str), Some("response.created"));
    assert_eq!(types.last().map(String::as_str), Some("response.completed"));
    let req = last(&mock);
    assert_eq!(req.path, "/openai/v1/responses");
    assert_eq!(req.json().unwrap()["stream"], true);
}

#[tokio::test]
async fn responses_on_the_legacy_api_name_the_deployment_in_the_body() {
    let mock = MockUpstream::start().await.unwrap();
    let b = engine(
        vec![key(
            &mock,
            "azure-key-1",
            json!({"deployments": {"gpt-4o": "prod-gpt4o"}, "api_version": "2025-04-01-preview"}),
        )],
        0,
    );
    let resp = b
        .responses(responses_request("azure/gpt-4o", "legacy hello"))
        .await
        .unwrap();
    assert_eq!(resp.output_text(), "Echo: legacy hello");
    let req = last(&mock);
    assert_eq!(req.path, "/openai/responses");
    assert_eq!(req.query.as_deref(), Some("api-version=2025-04-01-preview"));
    assert_eq!(req.json().unwrap()["model"], "prod-gpt4o");

    let (types, text) = streamed_event_types(&b, "azure/gpt-4o", "legacy stream").await;
    assert_eq!(text, "Echo: legacy stream");
    assert!(types.contains(&"response.output_text.delta".to_owned()));
    assert_eq!(last(&mock).path, "/openai/responses");
}
