//! AWS Bedrock conformance: the real engine against the in-process Bedrock mock (SigV4
//! verified, real event-stream frames), through the shared conformance list, streamed and not.
//! Every test checks what the caller gets and what Bedrock received.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod native_conformance;

use base64::Engine as _;
use bifrost_core::config::{EngineConfig, KeyConfig, NetworkConfig, ProviderConfig};
use bifrost_core::schemas::{
    ChatRequest, ContentPart, EmbeddingRequest, EmbeddingVector, MessageContent, ReasoningConfig,
    RequestBody,
};
use bifrost_core::{Bifrost, KeyPin, RequestContext};
use bifrost_mock_upstream::{BEDROCK_ACCESS_KEY_ID, BEDROCK_SECRET_ACCESS_KEY, MockUpstream};
use futures::StreamExt;
use native_conformance::*;
use serde_json::{Value, json};

const MODEL: &str = "bedrock/claude";
const MODEL_ID: &str = "anthropic.claude-3-5-sonnet-20241022-v2:0";

fn key(name: &str, bedrock: Value) -> KeyConfig {
    KeyConfig {
        name: Some(name.to_owned()),
        bedrock_key_config: Some(bedrock),
        aliases: Some(
            [
                ("claude".to_owned(), json!(MODEL_ID)),
                ("titan".to_owned(), json!("amazon.titan-embed-text-v2:0")),
                ("cohere-embed".to_owned(), json!("cohere.embed-english-v3")),
                (
                    "profile".to_owned(),
                    json!("arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123"),
                ),
            ]
            .into_iter()
            .collect(),
        ),
        ..KeyConfig::default()
    }
}

fn sigv4_key(secret: &str) -> KeyConfig {
    key(
        "aws",
        json!({"region": "us-east-1", "access_key": BEDROCK_ACCESS_KEY_ID, "secret_key": secret}),
    )
}

fn engine(mock: &MockUpstream, keys: Vec<KeyConfig>, max_retries: u32) -> Bifrost {
    let provider = ProviderConfig {
        keys,
        network_config: Some(NetworkConfig {
            base_url: Some(mock.base_url()),
            max_retries: Some(max_retries),
            retry_backoff_initial: Some(bifrost_core::config::Millis(
                std::time::Duration::from_millis(1),
            )),
            ..NetworkConfig::default()
        }),
        ..ProviderConfig::default()
    };
    let providers = [("bedrock".to_owned(), provider)].into_iter().collect();
    Bifrost::new(EngineConfig::with_providers(providers), vec![]).unwrap()
}

async fn setup() -> (MockUpstream, Bifrost) {
    let mock = MockUpstream::start().await.unwrap();
    let bifrost = engine(&mock, vec![sigv4_key(BEDROCK_SECRET_ACCESS_KEY)], 0);
    (mock, bifrost)
}

fn converse_path(stream: bool) -> String {
    let op = if stream {
        "converse-stream"
    } else {
        "converse"
    };
    format!("/model/anthropic.claude-3-5-sonnet-20241022-v2%3A0/{op}")
}

/// The Converse body the mock received, after checking the path.
fn sent(mock: &MockUpstream, stream: bool) -> Value {
    let req = last(mock);
    assert_eq!(req.method, "POST");
    assert_eq!(req.path, converse_path(stream));
    if stream {
        assert_eq!(
            req.header("accept"),
            Some("application/vnd.amazon.eventstream")
        );
    }
    req.json().unwrap()
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
        json!([{"role": "user", "content": [{"text": "Hello there"}]}])
    );
    assert!(body.get("system").is_none());
    assert!(body.get("toolConfig").is_none());
}
both!(simple_chat, stream_simple_chat, simple_chat_case);

async fn system_prompt_case(stream: bool) {
    let (mock, b) = setup().await;
    let out = run(&b, system_prompt_req(MODEL), stream).await.unwrap();
    expect_text(&out, "Echo: Hi", "stop");
    let body = sent(&mock, stream);
    assert_eq!(body["system"], json!([{"text": "You are terse."}]));
    assert_eq!(body["messages"].as_array().unwrap().len(), 1);
}
both!(system_prompt, stream_system_prompt, system_prompt_case);

async fn multi_turn_case(stream: bool) {
    let (mock, b) = setup().await;
    let out = run(&b, multi_turn_req(MODEL), stream).await.unwrap();
    expect_text(&out, "Echo: What is my name?", "stop");
    let body = sent(&mock, stream);
    assert_eq!(
        body["messages"],
        json!([
            {"role": "user", "content": [{"text": "My name is Ada"}]},
            {"role": "assistant", "content": [{"text": "Nice to meet you"}]},
            {"role": "user", "content": [{"text": "What is my name?"}]}
        ])
    );
}
both!(multi_turn, stream_multi_turn, multi_turn_case);

async fn image_input_case(stream: bool) {
    let (mock, b) = setup().await;
    let out = run(&b, image_input_req(MODEL), stream).await.unwrap();
    expect_text(&out, "Echo: Describe this", "stop");
    let body = sent(&mock, stream);
    assert_eq!(
        body["messages"][0]["content"],
        json!([{"text": "Describe this"}, {"image": {"format": "png", "source": {"bytes": PNG_B64}}}])
    );
    // Bedrock cannot fetch URLs: a clear error, and nothing is sent.
    let before = mock.request_count();
    let mut req = image_input_req(MODEL);
    req.messages[0].content = Some(MessageContent::Parts(vec![ContentPart::image(
        "https://example.com/cat.png",
    )]));
    let err = run(&b, req, stream).await.unwrap_err();
    assert_eq!(err.status(), 400);
    assert!(err.message().contains("data URL"), "{}", err.message());
    assert_eq!(mock.request_count(), before);
}
both!(image_input, stream_image_input, image_input_case);

async fn tool_call_case(stream: bool) {
    let (mock, b) = setup().await;
    let out = run(&b, tool_call_req(MODEL), stream).await.unwrap();
    expect_tools(&out, &["get_weather"]);
    assert_eq!(out.args(0), json!({"location": "Paris"}));
    assert_eq!(out.tool_calls[0].0, "tooluse_mock_0");
    let body = sent(&mock, stream);
    assert_eq!(
        body["toolConfig"]["tools"][0],
        json!({"toolSpec": {
            "name": "get_weather",
            "description": "Current weather in a city",
            "inputSchema": {"json": {"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]}}
        }})
    );
    assert!(body["toolConfig"].get("toolChoice").is_none());
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
    let body = sent(&mock, stream);
    assert_eq!(body["toolConfig"]["tools"].as_array().unwrap().len(), 1);
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
        json!({"role": "assistant", "content": [
            {"toolUse": {"toolUseId": CALL_ID, "name": "get_weather", "input": {"location": "Paris"}}}
        ]})
    );
    assert_eq!(
        body["messages"][2],
        json!({"role": "user", "content": [
            {"toolResult": {"toolUseId": CALL_ID, "content": [{"text": "sunny, 21C"}]}}
        ]})
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
    assert_eq!(
        body["toolConfig"]["toolChoice"],
        json!({"tool": {"name": "get_time"}})
    );
    assert_eq!(body["toolConfig"]["tools"].as_array().unwrap().len(), 2);
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
    let body = sent(&mock, stream);
    assert_eq!(
        body["toolConfig"]["toolChoice"],
        json!({"tool": {"name": "answer"}})
    );
    assert_eq!(
        body["toolConfig"]["tools"][0]["toolSpec"]["inputSchema"]["json"]["properties"],
        json!({"answer": {"type": "string"}})
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
    assert_eq!(
        sent(&mock, stream)["inferenceConfig"],
        json!({"maxTokens": 3})
    );
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
    assert_eq!(
        sent(&mock, stream)["inferenceConfig"],
        json!({"stopSequences": ["STOP"]})
    );
}
both!(stop_sequence, stream_stop_sequence, stop_sequence_case);

/// A system prompt marked for prompt caching.
fn cached_system() -> ChatRequest {
    let mut req = system_prompt_req(MODEL);
    let mut part = ContentPart::text("You are a very terse assistant.");
    part.extra
        .insert("cache_control".into(), json!({"type": "ephemeral"}));
    req.messages[0].content = Some(MessageContent::Parts(vec![part]));
    req
}

#[tokio::test]
async fn usage_parity() {
    let (mock, b) = setup().await;
    assert_stream_parity(
        &b,
        vec![
            simple_chat_req(MODEL),
            tool_call_req(MODEL),
            parallel_tool_calls_req(MODEL),
            cached_system(),
        ],
    )
    .await;
    // Cache reads count as prompt tokens and are reported as cached.
    let u = run(&b, cached_system(), true).await.unwrap().usage.unwrap();
    assert_eq!(u.cached_tokens(), 6);
    assert_eq!(u.prompt_tokens, 7);
    assert_eq!(
        sent(&mock, true)["system"],
        json!([{"text": "You are a very terse assistant."}, {"cachePoint": {"type": "default"}}])
    );
}

#[tokio::test]
async fn upstream_error_maps_to_bifrost_error() {
    let (mock, b) = setup().await;
    let err = run(&b, simple_chat_req("bedrock/error-429"), false)
        .await
        .unwrap_err();
    assert_eq!(err.status(), 429);
    assert!(!err.is_bifrost_error());
    assert_eq!(err.error_type(), Some("ThrottlingException"));
    assert_eq!(
        err.message(),
        "Too many requests, please wait before trying again."
    );
    assert_eq!(last(&mock).path, "/model/error-429/converse");
    let err = run(&b, simple_chat_req("bedrock/error-400"), true)
        .await
        .unwrap_err();
    assert_eq!(
        (err.status(), err.error_type()),
        (400, Some("ValidationException"))
    );
    let err = run(&b, simple_chat_req("bedrock/html"), false)
        .await
        .unwrap_err();
    assert_eq!(err.status(), 502);
    assert!(err.message().contains("HTML"), "{}", err.message());

    // An exception inside the event stream ends the stream with a typed error.
    let mut s = b
        .chat_stream(simple_chat_req("bedrock/stream-error"))
        .await
        .unwrap();
    let mut items = Vec::new();
    while let Some(item) = s.next().await {
        items.push(item);
    }
    let err = items.pop().unwrap().unwrap_err();
    assert_eq!(err.status(), 424);
    assert_eq!(err.error_type(), Some("modelStreamErrorException"));
    assert_eq!(err.message(), "mock mid-stream failure");
    assert!(items.iter().all(Result::is_ok) && !items.is_empty());

    // A truncated stream is an error, not a clean end.
    let mut s = b
        .chat_stream(simple_chat_req("bedrock/truncated"))
        .await
        .unwrap();
    let mut last_item = None;
    while let Some(item) = s.next().await {
        last_item = Some(item);
    }
    assert!(last_item.unwrap().is_err());

    // Throttling is retried (on the same single key) and then succeeds.
    let retrying = engine(&mock, vec![sigv4_key(BEDROCK_SECRET_ACCESS_KEY)], 2);
    mock.clear();
    let out = run(&retrying, simple_chat_req("bedrock/flaky-1-429"), false)
        .await
        .unwrap();
    assert_eq!(out.content, "Echo: Hello there");
    assert_eq!(mock.request_count(), 2);
}

#[tokio::test]
async fn wrong_key_gets_native_error() {
    let mock = MockUpstream::start().await.unwrap();
    let b = engine(&mock, vec![sigv4_key("not-the-secret")], 0);
    let mut ctx = RequestContext {
        key_pin: Some(KeyPin::Name("aws".into())),
        ..RequestContext::default()
    };
    let req = b
        .request(RequestBody::Chat(Box::new(simple_chat_req(MODEL))))
        .unwrap();
    let err = b.execute(&mut ctx, req).await.unwrap_err();
    assert_eq!(err.status(), 403);
    assert!(!err.is_bifrost_error());
    assert_eq!(err.error_type(), Some("InvalidSignatureException"));
    assert!(err.message().starts_with(
        "The request signature we calculated does not match the signature you provided."
    ));
    assert_eq!(last(&mock).path, converse_path(false));
    // Unpinned, the dead key exhausts the credentials.
    let err = b.chat(simple_chat_req(MODEL)).await.unwrap_err();
    assert_eq!(err.error_type(), Some("upstream_credentials_exhausted"));

    let unknown = engine(
        &mock,
        vec![key(
            "aws",
            json!({"region": "us-east-1", "access_key": "AKIAUNKNOWN", "secret_key": "x"}),
        )],
        0,
    );
    let req = unknown
        .request(RequestBody::Chat(Box::new(simple_chat_req(MODEL))))
        .unwrap();
    let err = unknown.execute(&mut ctx, req).await.unwrap_err();
    assert_eq!(err.error_type(), Some("UnrecognizedClientException"));
    assert_eq!(
        err.message(),
        "The security token included in the request is invalid."
    );
}

#[tokio::test]
async fn sigv4_signature_verified() {
    let mock = MockUpstream::start().await.unwrap();
    let b = engine(
        &mock,
        vec![key(
            "aws",
            json!({"region": "eu-central-1", "access_key": BEDROCK_ACCESS_KEY_ID,
                   "secret_key": BEDROCK_SECRET_ACCESS_KEY, "session_token": "mock-session-token"}),
        )],
        0,
    );
    // Streamed and not: the mock recomputes both signatures and accepts them.
    for stream in [false, true] {
        let out = run(&b, simple_chat_req(MODEL), stream).await.unwrap();
        assert_eq!(out.content, "Echo: Hello there");
        let req = last(&mock);
        let auth = req.header("authorization").unwrap();
        assert!(
            auth.starts_with(&format!(
                "AWS4-HMAC-SHA256 Credential={BEDROCK_ACCESS_KEY_ID}/"
            )),
            "{auth}"
        );
        assert!(auth.contains("/eu-central-1/bedrock/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature="), "{auth}");
        assert_eq!(
            req.header("x-amz-security-token"),
            Some("mock-session-token")
        );
        let date = req.header("x-amz-date").unwrap();
        assert_eq!(date.len(), 16);
        assert!(auth.contains(&format!("/{}/", &date[..8])));
    }
    // An inference-profile ARN is one percent-encoded path segment, and its signature (over the
    // double-encoded path, as AWS expects) verifies.
    run(&b, simple_chat_req("bedrock/profile"), false)
        .await
        .unwrap();
    assert_eq!(
        last(&mock).path,
        "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Aapplication-inference-profile%2Fabc123/converse"
    );
    // A Bedrock API key is sent as a bearer token instead of a signature.
    let api_key = engine(
        &mock,
        vec![KeyConfig {
            value: "bedrock-api-key-123".into(),
            ..key("api", json!({"region": "us-west-2"}))
        }],
        0,
    );
    run(&api_key, simple_chat_req(MODEL), false).await.unwrap();
    let req = last(&mock);
    assert_eq!(
        req.header("authorization"),
        Some("Bearer bedrock-api-key-123")
    );
    assert!(req.header("x-amz-date").is_none());
}

#[tokio::test]
async fn embeddings() {
    let (mock, b) = setup().await;
    let req = EmbeddingRequest {
        model: "bedrock/titan".into(),
        input: json!(["hello world", "second text here"]),
        dimensions: Some(256),
        ..EmbeddingRequest::default()
    };
    let resp = b.embedding(req.clone()).await.unwrap();
    assert_eq!(resp.data.len(), 2);
    assert_eq!(resp.data[1].index, 1);
    assert!(
        resp.data
            .iter()
            .all(|d| d.embedding.to_floats().unwrap().len() == 256)
    );
    assert_eq!(resp.usage.as_ref().unwrap().prompt_tokens, 5);
    let sent: Vec<Value> = mock.requests().iter().map(|r| r.json().unwrap()).collect();
    assert_eq!(sent.len(), 2, "Titan embeds one text per call");
    let mut texts: Vec<&str> = sent
        .iter()
        .map(|b| b["inputText"].as_str().unwrap())
        .collect();
    texts.sort_unstable();
    assert_eq!(texts, ["hello world", "second text here"]);
    assert!(sent.iter().all(|b| b["dimensions"] == 256));
    assert!(
        mock.requests()
            .iter()
            .all(|r| r.path == "/model/amazon.titan-embed-text-v2%3A0/invoke")
    );
    // base64 carries the same floats.
    let b64 = b
        .embedding(EmbeddingRequest {
            encoding_format: Some("base64".into()),
            ..req
        })
        .await
        .unwrap();
    assert_eq!(
        b64.data[0].embedding.to_floats(),
        resp.data[0].embedding.to_floats()
    );
    assert!(
        matches!(&b64.data[0].embedding, EmbeddingVector::Base64(s) if base64::engine::general_purpose::STANDARD.decode(s).unwrap().len() == 1024)
    );

    // Cohere embed on Bedrock: one call for all texts, tokens from the response header.
    mock.clear();
    let resp = b
        .embedding(EmbeddingRequest {
            model: "bedrock/cohere-embed".into(),
            input: json!(["alpha beta", "gamma"]),
            ..EmbeddingRequest::default()
        })
        .await
        .unwrap();
    assert_eq!(resp.data.len(), 2);
    assert_eq!(resp.usage.unwrap().prompt_tokens, 3);
    assert_eq!(
        last_body(&mock),
        json!({"texts": ["alpha beta", "gamma"], "input_type": "search_document", "embedding_types": ["float"]})
    );
}

#[tokio::test]
async fn reasoning_round_trip() {
    let (mock, b) = setup().await;
    for stream in [false, true] {
        let mut req = simple_chat_req(MODEL);
        req.reasoning = Some(ReasoningConfig {
            max_tokens: Some(2048),
            ..ReasoningConfig::default()
        });
        let resp = if stream {
            run(&b, req.clone(), true).await.unwrap()
        } else {
            from_response(&b.chat(req.clone()).await.unwrap())
        };
        assert_eq!(resp.reasoning, "Thinking about: Hello there");
        assert_eq!(resp.content, "Echo: Hello there");
        let body = sent(&mock, stream);
        assert_eq!(
            body["additionalModelRequestFields"],
            json!({"thinking": {"type": "enabled", "budget_tokens": 2048}})
        );
        assert_eq!(body["inferenceConfig"]["maxTokens"], 6144);
    }
    // The signed reasoning is sent back unchanged on the next turn.
    let mut req = simple_chat_req(MODEL);
    req.reasoning = Some(ReasoningConfig {
        max_tokens: Some(2048),
        ..ReasoningConfig::default()
    });
    let answer = b.chat(req.clone()).await.unwrap();
    let details = answer.choices[0].message.reasoning_details.clone().unwrap();
    assert_eq!(details[0].kind, "reasoning.text");
    assert!(details[0].signature.is_some());
    req.messages.push(answer.choices[0].message.clone());
    req.messages.push(user("And now?"));
    b.chat(req).await.unwrap();
    let body = sent(&mock, false);
    assert_eq!(
        body["messages"][1]["content"][0],
        json!({"reasoningContent": {"reasoningText": {
            "text": "Thinking about: Hello there",
            "signature": details[0].signature.clone().unwrap()
        }}})
    );
    assert_eq!(
        body["messages"][1]["content"][1],
        json!({"text": "Echo: Hello there"})
    );
}

#[tokio::test]
async fn custom_provider_on_bedrock() {
    let mock = MockUpstream::start().await.unwrap();
    let provider = ProviderConfig {
        keys: vec![sigv4_key(BEDROCK_SECRET_ACCESS_KEY)],
        network_config: Some(NetworkConfig {
            base_url: Some(mock.base_url()),
            ..NetworkConfig::default()
        }),
        custom_provider_config: Some(bifrost_core::config::CustomProviderConfig {
            base_provider_type: "bedrock".into(),
            ..Default::default()
        }),
        ..ProviderConfig::default()
    };
    let providers = [("team-bedrock".to_owned(), provider)]
        .into_iter()
        .collect();
    let b = Bifrost::new(EngineConfig::with_providers(providers), vec![]).unwrap();
    let out = run(&b, simple_chat_req("team-bedrock/claude"), false)
        .await
        .unwrap();
    assert_eq!(out.content, "Echo: Hello there");
    assert_eq!(last(&mock).path, converse_path(false));
}
