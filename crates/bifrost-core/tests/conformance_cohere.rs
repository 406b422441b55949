//! Cohere v2 conformance: the real engine against the in-process Cohere mock, through the
//! shared conformance list, streamed and not, plus embeddings, rerank and model listing.
//! Every test checks what the caller gets and what Cohere received.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod native_conformance;

use base64::Engine as _;
use bifrost_core::config::{EngineConfig, KeyConfig, Millis, NetworkConfig, ProviderConfig};
use bifrost_core::schemas::{
    EmbeddingRequest, EmbeddingVector, RequestBody, RerankRequest, Response,
};
use bifrost_core::{Bifrost, KeyPin, RequestContext};
use bifrost_mock_upstream::MockUpstream;
use futures::StreamExt;
use native_conformance::*;
use serde_json::{Value, json};

const MODEL: &str = "cohere/command-a-03-2025";

fn engine(mock: &MockUpstream, value: &str, max_retries: u32) -> Bifrost {
    let provider = ProviderConfig {
        keys: vec![KeyConfig {
            name: Some("co".into()),
            value: value.into(),
            ..KeyConfig::default()
        }],
        network_config: Some(NetworkConfig {
            base_url: Some(format!("{}/cohere/", mock.base_url())),
            max_retries: Some(max_retries),
            retry_backoff_initial: Some(Millis(std::time::Duration::from_millis(1))),
            ..NetworkConfig::default()
        }),
        ..ProviderConfig::default()
    };
    let providers = [("cohere".to_owned(), provider)].into_iter().collect();
    Bifrost::new(EngineConfig::with_providers(providers), vec![]).unwrap()
}

async fn setup() -> (MockUpstream, Bifrost) {
    let mock = MockUpstream::start().await.unwrap();
    let b = engine(&mock, "co-key-1", 0);
    (mock, b)
}

/// The `/v2/chat` body Cohere received, after checking path, key and streaming flag.
fn sent(mock: &MockUpstream, stream: bool) -> Value {
    let req = last(mock);
    assert_eq!(req.path, "/cohere/v2/chat");
    assert_eq!(req.header("authorization"), Some("Bearer co-key-1"));
    let body = req.json().unwrap();
    assert_eq!(body["model"], "command-a-03-2025");
    if stream {
        assert_eq!(body["stream"], true);
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
    assert_eq!(
        sent(&mock, stream)["messages"],
        json!([{"role": "user", "content": "Hello there"}])
    );
}
both!(simple_chat, stream_simple_chat, simple_chat_case);

async fn system_prompt_case(stream: bool) {
    let (mock, b) = setup().await;
    let out = run(&b, system_prompt_req(MODEL), stream).await.unwrap();
    expect_text(&out, "Echo: Hi", "stop");
    assert_eq!(out.usage.unwrap().prompt_tokens, 4);
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
    assert_eq!(
        sent(&mock, stream)["messages"],
        json!([
            {"role": "user", "content": "My name is Ada"},
            {"role": "assistant", "content": "Nice to meet you"},
            {"role": "user", "content": "What is my name?"}
        ])
    );
}
both!(multi_turn, stream_multi_turn, multi_turn_case);

async fn image_input_case(stream: bool) {
    let (mock, b) = setup().await;
    let out = run(&b, image_input_req(MODEL), stream).await.unwrap();
    expect_text(&out, "Echo: Describe this", "stop");
    assert_eq!(
        sent(&mock, stream)["messages"][0]["content"],
        json!([
            {"type": "text", "text": "Describe this"},
            {"type": "image_url", "image_url": {"url": format!("data:image/png;base64,{PNG_B64}")}}
        ])
    );
}
both!(image_input, stream_image_input, image_input_case);

async fn tool_call_case(stream: bool) {
    let (mock, b) = setup().await;
    let out = run(&b, tool_call_req(MODEL), stream).await.unwrap();
    expect_tools(&out, &["get_weather"]);
    assert_eq!(out.args(0), json!({"location": "Paris"}));
    assert_eq!(out.tool_calls[0].0, "get_weather_mock0");
    assert_eq!(out.reasoning, "I will call get_weather.", "the tool plan");
    let body = sent(&mock, stream);
    assert_eq!(
        body["tools"],
        json!([{"type": "function", "function": {
            "name": "get_weather",
            "description": "Current weather in a city",
            "parameters": {"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]}
        }}])
    );
    assert!(body.get("tool_choice").is_none());
}
both!(tool_call, stream_tool_call, tool_call_case);

async fn parallel_tool_calls_case(stream: bool) {
    let (mock, b) = setup().await;
    let out = run(&b, parallel_tool_calls_req(MODEL), stream)
        .await
        .unwrap();
    expect_tools(&out, &["get_weather", "get_weather"]);
    assert_eq!(out.args(0), json!({"location": "Paris"}));
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
    assert_eq!(
        body["messages"][1],
        json!({"role": "assistant", "tool_calls": [{"id": CALL_ID, "type": "function",
            "function": {"name": "get_weather", "arguments": "{\"location\":\"Paris\"}"}}]})
    );
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
    assert_eq!(out.args(0), json!({"timezone": "Echo: Hello"}));
    let body = sent(&mock, stream);
    assert_eq!(body["tool_choice"], "REQUIRED");
    let names: Vec<&str> = body["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["function"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["get_time"], "only the named tool is offered");
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
        sent(&mock, stream)["response_format"],
        json!({"type": "json_object", "json_schema": {
            "type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"]
        }})
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
    assert_eq!(sent(&mock, stream)["max_tokens"], 3);
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
    assert_eq!(sent(&mock, stream)["stop_sequences"], json!(["STOP"]));
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
    let err = run(&b, simple_chat_req("cohere/error-429"), false)
        .await
        .unwrap_err();
    assert_eq!(err.status(), 429);
    assert!(!err.is_bifrost_error());
    assert!(
        err.message().starts_with("You are using a Trial key"),
        "{}",
        err.message()
    );
    assert_eq!(err.retry_after(), Some(std::time::Duration::from_secs(1)));
    assert_eq!(last_body(&mock)["model"], "error-429");
    let err = run(&b, simple_chat_req("cohere/error-500"), true)
        .await
        .unwrap_err();
    assert_eq!(err.status(), 500);
    assert!(err.message().starts_with("internal server error"));
    let err = run(&b, simple_chat_req("cohere/html"), false)
        .await
        .unwrap_err();
    assert!(err.message().contains("HTML"));

    // A generation error reported by message-end ends the stream with an error.
    let mut s = b
        .chat_stream(simple_chat_req("cohere/stream-error"))
        .await
        .unwrap();
    let mut items = Vec::new();
    while let Some(item) = s.next().await {
        items.push(item);
    }
    let err = items.pop().unwrap().unwrap_err();
    assert_eq!(err.message(), "mock mid-stream failure");
    assert!(!items.is_empty() && items.iter().all(Result::is_ok));

    let retrying = engine(&mock, "co-key-1", 2);
    mock.clear();
    let out = run(&retrying, simple_chat_req("cohere/flaky-1-429"), true)
        .await
        .unwrap();
    assert_eq!(out.content, "Echo: Hello there");
    assert_eq!(mock.request_count(), 2);
}

#[tokio::test]
async fn wrong_key_gets_native_error() {
    let mock = MockUpstream::start().await.unwrap();
    let b = engine(&mock, "bad-cohere-key", 0);
    let mut ctx = RequestContext {
        key_pin: Some(KeyPin::Name("co".into())),
        ..RequestContext::default()
    };
    let req = b
        .request(RequestBody::Chat(Box::new(simple_chat_req(MODEL))))
        .unwrap();
    let err = b.execute(&mut ctx, req).await.unwrap_err();
    assert_eq!(err.status(), 401);
    assert!(!err.is_bifrost_error());
    assert_eq!(err.message(), "invalid api token");
    let body: Value = serde_json::from_slice(err.upstream_body().unwrap()).unwrap();
    assert_eq!(body["message"], "invalid api token");
    assert!(body["id"].is_string());
    assert_eq!(
        last(&mock).header("authorization"),
        Some("Bearer bad-cohere-key")
    );
}

#[tokio::test]
async fn embeddings() {
    let (mock, b) = setup().await;
    let req = EmbeddingRequest {
        model: "cohere/embed-v4.0".into(),
        input: json!(["hello world", "bye"]),
        dimensions: Some(16),
        ..EmbeddingRequest::default()
    };
    let resp = b.embedding(req.clone()).await.unwrap();
    assert_eq!(resp.data.len(), 2);
    assert_eq!(resp.data[0].embedding.to_floats().unwrap().len(), 16);
    assert_eq!(resp.usage.unwrap().prompt_tokens, 3);
    let sent = last(&mock);
    assert_eq!(sent.path, "/cohere/v2/embed");
    assert_eq!(
        sent.json().unwrap(),
        json!({"model": "embed-v4.0", "input_type": "search_document", "texts": ["hello world", "bye"],
               "embedding_types": ["float"], "output_dimension": 16})
    );
    let b64 = b
        .embedding(EmbeddingRequest {
            encoding_format: Some("base64".into()),
            extra: [("input_type".to_owned(), json!("search_query"))]
                .into_iter()
                .collect(),
            ..req
        })
        .await
        .unwrap();
    let EmbeddingVector::Base64(s) = &b64.data[0].embedding else {
        panic!("expected base64")
    };
    assert_eq!(
        base64::engine::general_purpose::STANDARD
            .decode(s)
            .unwrap()
            .len(),
        64
    );
    assert_eq!(
        b64.data[0].embedding.to_floats(),
        resp.data[0].embedding.to_floats()
    );
    assert_eq!(last_body(&mock)["input_type"], "search_query");
}

#[tokio::test]
async fn rerank() {
    let (mock, b) = setup().await;
    let docs = vec![
        json!("Berlin is in Germany"),
        json!({"text": "Paris is the capital of France", "title": "paris"}),
        json!("The Seine flows through Paris"),
    ];
    let req = b
        .request(RequestBody::Rerank(Box::new(RerankRequest {
            model: "cohere/rerank-v3.5".into(),
            query: "capital of France".into(),
            documents: docs.clone(),
            top_n: Some(2),
            return_documents: Some(true),
            ..RerankRequest::default()
        })))
        .unwrap();
    let Response::Rerank(resp) = b
        .execute(&mut RequestContext::default(), req)
        .await
        .unwrap()
    else {
        panic!("expected a rerank response")
    };
    assert_eq!(resp.results.len(), 2);
    assert_eq!(resp.results[0].index, 1);
    assert_eq!(resp.results[0].document, Some(docs[1].clone()));
    assert!(resp.results[0].relevance_score > resp.results[1].relevance_score);
    assert_eq!(
        resp.usage.unwrap().extra.get("search_units"),
        Some(&json!(1))
    );
    let sent = last(&mock);
    assert_eq!(sent.path, "/cohere/v2/rerank");
    assert_eq!(
        sent.json().unwrap(),
        json!({"model": "rerank-v3.5", "query": "capital of France", "top_n": 2, "documents": [
            "Berlin is in Germany", "Paris is the capital of France", "The Seine flows through Paris"
        ]})
    );
}

#[tokio::test]
async fn documents_and_citations() {
    let (mock, b) = setup().await;
    let mut req = simple_chat_req(MODEL);
    req.extra.insert(
        "documents".into(),
        json!([{"id": "doc:0", "data": {"text": "Paris is the capital of France"}}]),
    );
    let resp = b.chat(req).await.unwrap();
    let citations = resp.choices[0].message.extra.get("citations").unwrap();
    assert_eq!(citations[0]["sources"][0]["id"], "doc:0");
    assert_eq!(
        sent(&mock, false)["documents"],
        json!([{"id": "doc:0", "data": {"text": "Paris is the capital of France"}}])
    );
}

#[tokio::test]
async fn list_models() {
    let (mock, b) = setup().await;
    let models = b
        .list_models(&mut RequestContext::default(), Some("cohere"))
        .await
        .unwrap();
    let ids: Vec<&str> = models.data.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "cohere/command-a-03-2025",
            "cohere/embed-v4.0",
            "cohere/rerank-v3.5"
        ]
    );
    let req = last(&mock);
    assert_eq!(req.path, "/cohere/v1/models");
    assert_eq!(req.query.as_deref(), Some("page_size=1000"));
}

#[tokio::test]
async fn custom_provider_on_cohere() {
    let mock = MockUpstream::start().await.unwrap();
    let provider = ProviderConfig {
        keys: vec![KeyConfig {
            value: "co-key-1".into(),
            ..KeyConfig::default()
        }],
        network_config: Some(NetworkConfig {
            base_url: Some(format!("{}/cohere", mock.base_url())),
            ..NetworkConfig::default()
        }),
        custom_provider_config: Some(bifrost_core::config::CustomProviderConfig {
            base_provider_type: "cohere".into(),
            ..Default::default()
        }),
        ..ProviderConfig::default()
    };
    let providers = [("my-cohere".to_owned(), provider)].into_iter().collect();
    let b = Bifrost::new(EngineConfig::with_providers(providers), vec![]).unwrap();
    let out = run(&b, simple_chat_req("my-cohere/command-r"), true)
        .await
        .unwrap();
    assert_eq!(out.content, "Echo: Hello there");
    assert_eq!(last_body(&mock)["model"], "command-r");
}
