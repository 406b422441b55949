//! The AWS Bedrock drop-in routes under `/bedrock`: Converse and ConverseStream (real AWS
//! event-stream frames with checked CRCs) served by the Bedrock mock and by other providers
//! through the same route, tool use, InvokeModel (Anthropic bodies and model-native bodies),
//! and errors in Bedrock's shape.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use aws_smithy_eventstream::frame::read_message_from;
use bifrost_mock_upstream::{BEDROCK_ACCESS_KEY_ID, BEDROCK_SECRET_ACCESS_KEY};
use common::*;
use serde_json::{Value, json};

/// The path segment boto3 sends for `anthropic.claude-3-5-sonnet-20241022-v2:0`.
const MODEL_SEGMENT: &str = "anthropic.claude-3-5-sonnet-20241022-v2%3A0";
/// A SigV4 header as boto3 sends it, signed with the caller's own AWS key: never forwarded.
const CALLER_SIGNATURE: &str = "AWS4-HMAC-SHA256 Credential=AKIACALLEROWNKEY0001/20260101/us-east-1/bedrock/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc123";

async fn gateway() -> Gw {
    start(|base| {
        providers(&[
            (
                "bedrock",
                merge(
                    provider(
                        base,
                        json!([{
                            "name": "aws",
                            "value": "",
                            "models": ["*"],
                            "bedrock_key_config": {
                                "region": "us-east-1",
                                "access_key": BEDROCK_ACCESS_KEY_ID,
                                "secret_key": BEDROCK_SECRET_ACCESS_KEY
                            }
                        }]),
                    ),
                    fast_retries(0),
                ),
            ),
            ("openai", merge(one_key(base, GOOD_KEY), fast_retries(0))),
        ])
    })
    .await
}

const SDK_HEADERS: &[(&str, &str)] = &[
    ("authorization", CALLER_SIGNATURE),
    ("x-amz-date", "20260101T000000Z"),
];

fn path(segment: &str, op: &str) -> String {
    format!("/bedrock/model/{segment}/{op}")
}

fn ask(text: &str) -> Value {
    json!({"messages": [{"role": "user", "content": [{"text": text}]}]})
}

async fn converse(gw: &Gw, segment: &str, body: &Value) -> reqwest::Response {
    gw.post_with(&path(segment, "converse"), body, SDK_HEADERS)
        .await
}

/// The text of the answer's text blocks.
fn text_of(resp: &Value) -> String {
    resp["output"]["message"]["content"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|b| b["text"].as_str())
        .collect()
}

/// Decodes every event-stream message (each CRC is checked by the decoder): (event type or
/// `exception:<type>`, payload).
fn decode_frames(mut bytes: &[u8]) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let msg = read_message_from(&mut bytes).expect("a valid event-stream message");
        let header = |name: &str| {
            msg.headers()
                .iter()
                .find(|h| h.name().as_str() == name)
                .and_then(|h| h.value().as_string().ok())
                .map(|s| s.as_str().to_owned())
        };
        let kind = match header(":message-type").as_deref() {
            Some("event") => header(":event-type").unwrap(),
            Some("exception") => format!("exception:{}", header(":exception-type").unwrap()),
            other => panic!("unexpected message type {other:?}"),
        };
        out.push((kind, serde_json::from_slice(msg.payload()).unwrap()));
    }
    out
}

async fn stream_events(resp: reqwest::Response) -> Vec<(String, Value)> {
    let status = resp.status().as_u16();
    let content_type = resp.headers()["content-type"].to_str().unwrap().to_owned();
    let bytes = resp.bytes().await.unwrap();
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
    assert_eq!(content_type, "application/vnd.amazon.eventstream");
    decode_frames(&bytes)
}

fn streamed_text(events: &[(String, Value)]) -> String {
    events
        .iter()
        .filter(|(k, _)| k == "contentBlockDelta")
        .filter_map(|(_, p)| p["delta"]["text"].as_str())
        .collect()
}

/// Asserts an error answer in Bedrock's shape and returns (exception name, message).
async fn bedrock_error(resp: reqwest::Response, status: u16) -> (String, String) {
    let got = resp.status().as_u16();
    let kind = resp
        .headers()
        .get("x-amzn-errortype")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let text = resp.text().await.unwrap();
    assert_eq!(got, status, "{text}");
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body.as_object().unwrap().len(), 1, "only `message`: {body}");
    (kind, body["message"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn converse_reaches_bedrock_signed_with_the_gateways_key() {
    let gw = gateway().await;
    let mut body = ask("hello from boto3");
    body["system"] = json!([{"text": "Be brief."}]);
    body["inferenceConfig"] = json!({"maxTokens": 50, "temperature": 0.2});
    let resp = ok_json(converse(&gw, MODEL_SEGMENT, &body).await).await;
    assert_eq!(text_of(&resp), "Echo: hello from boto3");
    assert_eq!(resp["stopReason"], "end_turn");
    assert_eq!(resp["output"]["message"]["role"], "assistant");
    let usage = &resp["usage"];
    assert!(usage["inputTokens"].as_u64().unwrap() > 0, "{resp}");
    assert_eq!(usage["outputTokens"], 4);
    assert_eq!(
        usage["totalTokens"].as_u64().unwrap(),
        usage["inputTokens"].as_u64().unwrap() + 4
    );
    assert!(resp["metrics"]["latencyMs"].is_u64());

    let reqs = gw.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].path, format!("/model/{MODEL_SEGMENT}/converse"));
    let auth = reqs[0].header("authorization").unwrap();
    assert!(auth.contains(BEDROCK_ACCESS_KEY_ID), "{auth}");
    assert!(!auth.contains("AKIACALLEROWNKEY0001"), "{auth}");
    let sent = body_of(&reqs[0]);
    assert_eq!(sent["system"], json!([{"text": "Be brief."}]));
    assert_eq!(sent["inferenceConfig"]["maxTokens"], 50);
    assert_eq!(sent["messages"], ask("hello from boto3")["messages"]);
}

#[tokio::test]
async fn converse_stream_sends_event_stream_frames_in_bedrock_order() {
    let gw = gateway().await;
    let resp = gw
        .post_with(
            &path(MODEL_SEGMENT, "converse-stream"),
            &ask("stream me please"),
            SDK_HEADERS,
        )
        .await;
    let events = stream_events(resp).await;
    let kinds: Vec<&str> = events.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(kinds.first(), Some(&"messageStart"));
    assert_eq!(events[0].1, json!({"role": "assistant"}));
    assert_eq!(
        &kinds[kinds.len() - 3..],
        ["contentBlockStop", "messageStop", "metadata"]
    );
    assert!(
        kinds[1..kinds.len() - 3]
            .iter()
            .all(|k| *k == "contentBlockDelta"),
        "{kinds:?}"
    );
    assert_eq!(streamed_text(&events), "Echo: stream me please");
    assert_eq!(
        events[events.len() - 2].1,
        json!({"stopReason": "end_turn"})
    );
    let usage = &events[events.len() - 1].1["usage"];
    assert_eq!(usage["outputTokens"], 4);
    assert!(usage["inputTokens"].as_u64().unwrap() > 0);
    assert_eq!(
        gw.requests()[0].path,
        format!("/model/{MODEL_SEGMENT}/converse-stream")
    );
}

#[tokio::test]
async fn a_prefixed_model_id_reaches_another_provider() {
    let gw = gateway().await;
    let resp = ok_json(converse(&gw, "openai%2Fgpt-4o", &ask("cross provider")).await).await;
    assert_eq!(text_of(&resp), "Echo: cross provider");
    assert_eq!(resp["stopReason"], "end_turn");
    let reqs = gw.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].path, "/v1/chat/completions");
    assert_eq!(bearer(&reqs[0]).as_deref(), Some(GOOD_KEY));
    let sent = body_of(&reqs[0]);
    assert_eq!(sent["model"], "gpt-4o");
    assert_eq!(
        sent["messages"],
        json!([{"role": "user", "content": "cross provider"}])
    );

    let resp = gw
        .post_with(
            &path("openai%2Fgpt-4o", "converse-stream"),
            &ask("streamed across"),
            SDK_HEADERS,
        )
        .await;
    let events = stream_events(resp).await;
    assert_eq!(events[0].0, "messageStart");
    assert_eq!(streamed_text(&events), "Echo: streamed across");
    assert_eq!(events.last().unwrap().0, "metadata");
    assert!(
        events.last().unwrap().1["usage"]["outputTokens"]
            .as_u64()
            .unwrap()
            > 0
    );
}

fn weather_tools() -> Value {
    json!({"tools": [{"toolSpec": {
        "name": "get_weather",
        "description": "Weather of a city",
        "inputSchema": {"json": {"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]}}
    }}]})
}

#[tokio::test]
async fn tool_use_round_trips_through_another_provider() {
    let gw = gateway().await;
    let mut body = ask("What is the weather in Paris?");
    body["toolConfig"] = weather_tools();
    let resp = ok_json(converse(&gw, "openai%2Fgpt-4o", &body).await).await;
    assert_eq!(resp["stopReason"], "tool_use");
    let blocks = resp["output"]["message"]["content"].as_array().unwrap();
    let tool = blocks.iter().find_map(|b| b.get("toolUse")).unwrap();
    assert_eq!(tool["name"], "get_weather");
    assert_eq!(tool["input"]["location"], "Paris");
    let id = tool["toolUseId"].as_str().unwrap().to_owned();
    let sent = body_of(&gw.requests()[0]);
    assert_eq!(sent["tools"][0]["function"]["name"], "get_weather");

    // The tool result goes back as a Converse toolResult block.
    body["messages"] = json!([
        {"role": "user", "content": [{"text": "What is the weather in Paris?"}]},
        {"role": "assistant", "content": blocks},
        {"role": "user", "content": [{"toolResult": {"toolUseId": id, "content": [{"json": {"temp_c": 21}}]}}]}
    ]);
    let resp = ok_json(converse(&gw, "openai%2Fgpt-4o", &body).await).await;
    assert_eq!(resp["stopReason"], "end_turn");
    assert!(text_of(&resp).contains("temp_c"), "{resp}");
    let sent = body_of(&gw.requests()[1]);
    assert_eq!(sent["messages"][2]["role"], "tool");
    assert_eq!(sent["messages"][2]["tool_call_id"], id.as_str());

    // Streamed: the tool call opens with contentBlockStart.
    body["messages"] = ask("weather in Paris")["messages"].clone();
    let resp = gw
        .post_with(&path(MODEL_SEGMENT, "converse-stream"), &body, SDK_HEADERS)
        .await;
    let events = stream_events(resp).await;
    let start = events
        .iter()
        .find(|(k, _)| k == "contentBlockStart")
        .unwrap();
    assert_eq!(start.1["start"]["toolUse"]["name"], "get_weather");
    let input: String = events
        .iter()
        .filter_map(|(_, p)| p["delta"]["toolUse"]["input"].as_str())
        .collect();
    assert_eq!(
        serde_json::from_str::<Value>(&input).unwrap()["location"],
        "Paris"
    );
    let stop = events.iter().find(|(k, _)| k == "messageStop").unwrap();
    assert_eq!(stop.1["stopReason"], "tool_use");
}

#[tokio::test]
async fn errors_have_bedrocks_shape_and_exception_names() {
    let gw = gateway().await;
    let (kind, message) = bedrock_error(
        converse(&gw, MODEL_SEGMENT, &json!({"messages": []})).await,
        400,
    )
    .await;
    assert_eq!(kind, "ValidationException");
    assert!(message.contains("user message"), "{message}");

    // The upstream's own exception name is kept.
    let (kind, _) = bedrock_error(converse(&gw, "error-429", &ask("hi")).await, 429).await;
    assert_eq!(kind, "ThrottlingException");
    let (kind, message) = bedrock_error(converse(&gw, "error-404", &ask("hi")).await, 404).await;
    assert_eq!(kind, "ResourceNotFoundException");
    assert!(message.contains("foundation model"), "{message}");

    // Another provider's error is named after its status.
    let (kind, _) = bedrock_error(converse(&gw, "openai%2Ferror-429", &ask("hi")).await, 429).await;
    assert_eq!(kind, "ThrottlingException");
    let (kind, _) = bedrock_error(converse(&gw, "openai%2Ferror-500", &ask("hi")).await, 500).await;
    assert_eq!(kind, "InternalServerException");

    // Unknown operations and unparseable bodies.
    let (kind, _) = bedrock_error(
        gw.post_with(&path(MODEL_SEGMENT, "nope"), &ask("x"), SDK_HEADERS)
            .await,
        404,
    )
    .await;
    assert_eq!(kind, "ResourceNotFoundException");
    let (kind, _) = bedrock_error(
        converse(&gw, MODEL_SEGMENT, &json!({"messages": "x"})).await,
        400,
    )
    .await;
    assert_eq!(kind, "ValidationException");
}

#[tokio::test]
async fn a_stream_that_fails_ends_with_an_exception_message() {
    let gw = gateway().await;
    let resp = gw
        .post_with(
            &path("openai%2Fstream-error", "converse-stream"),
            &ask("hello world"),
            SDK_HEADERS,
        )
        .await;
    let events = stream_events(resp).await;
    assert_eq!(events[0].0, "messageStart");
    let (last, payload) = events.last().unwrap();
    assert!(last.starts_with("exception:"), "{events:?}");
    assert!(last.ends_with("Exception"), "{last}");
    assert!(payload["message"].is_string());
    assert!(!events.iter().any(|(k, _)| k == "messageStop"));
}

#[tokio::test]
async fn invoke_translates_anthropic_bodies_and_forwards_native_ones() {
    let gw = gateway().await;
    let body = json!({
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 64,
        "system": "Be brief.",
        "messages": [{"role": "user", "content": "hello invoke"}]
    });
    let resp = ok_json(
        gw.post_with(&path(MODEL_SEGMENT, "invoke"), &body, SDK_HEADERS)
            .await,
    )
    .await;
    assert_eq!(resp["type"], "message");
    assert_eq!(resp["role"], "assistant");
    assert_eq!(
        resp["content"][0],
        json!({"type": "text", "text": "Echo: hello invoke"})
    );
    assert_eq!(resp["stop_reason"], "end_turn");
    assert_eq!(resp["usage"]["output_tokens"], 3);
    let reqs = gw.requests();
    assert_eq!(reqs[0].path, format!("/model/{MODEL_SEGMENT}/converse"));
    assert_eq!(body_of(&reqs[0])["system"], json!([{"text": "Be brief."}]));

    // The same body to another provider.
    let resp = ok_json(
        gw.post_with(&path("openai%2Fgpt-4o", "invoke"), &body, SDK_HEADERS)
            .await,
    )
    .await;
    assert_eq!(resp["content"][0]["text"], "Echo: hello invoke");
    assert_eq!(gw.requests()[1].path, "/v1/chat/completions");

    // A model-native body goes to Bedrock unchanged, signed with the gateway's key.
    let titan = json!({"inputText": "embed me", "dimensions": 256});
    let resp = ok_json(
        gw.post_with(
            &path("amazon.titan-embed-text-v2%3A0", "invoke"),
            &titan,
            SDK_HEADERS,
        )
        .await,
    )
    .await;
    assert_eq!(resp["embedding"].as_array().unwrap().len(), 256);
    let reqs = gw.requests();
    let last = reqs.last().unwrap();
    assert_eq!(last.path, "/model/amazon.titan-embed-text-v2%3A0/invoke");
    assert_eq!(body_of(last), titan);
    assert!(
        last.header("authorization")
            .unwrap()
            .contains(BEDROCK_ACCESS_KEY_ID)
    );

    // A native body for a model Bedrock rejects keeps Bedrock's error.
    let (kind, _) = bedrock_error(
        gw.post_with(&path("error-424", "invoke"), &titan, SDK_HEADERS)
            .await,
        424,
    )
    .await;
    assert_eq!(kind, "ModelErrorException");
}

/// The Anthropic events inside an InvokeModelWithResponseStream answer's `chunk` frames.
async fn invoke_stream_events(resp: reqwest::Response) -> Vec<Value> {
    use base64::Engine as _;
    stream_events(resp)
        .await
        .into_iter()
        .map(|(kind, payload)| {
            assert_eq!(kind, "chunk", "{payload}");
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(payload["bytes"].as_str().unwrap())
                .unwrap();
            serde_json::from_slice(&bytes).unwrap()
        })
        .collect()
}

#[tokio::test]
async fn invoke_with_response_stream_carries_anthropic_events_in_chunks() {
    let gw = gateway().await;
    let body = json!({
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 64,
        "messages": [{"role": "user", "content": "stream invoke please"}]
    });
    for segment in [MODEL_SEGMENT, "openai%2Fgpt-4o"] {
        let resp = gw
            .post_with(
                &path(segment, "invoke-with-response-stream"),
                &body,
                SDK_HEADERS,
            )
            .await;
        let events = invoke_stream_events(resp).await;
        let kinds: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
        assert_eq!(kinds[0], "message_start", "{segment}");
        assert!(!kinds.contains(&"ping"), "{kinds:?}");
        assert_eq!(
            &kinds[kinds.len() - 3..],
            ["content_block_stop", "message_delta", "message_stop"]
        );
        let text: String = events
            .iter()
            .filter_map(|e| e["delta"]["text"].as_str())
            .collect();
        assert_eq!(text, "Echo: stream invoke please", "{segment}");
        let delta = &events[events.len() - 2];
        assert_eq!(delta["delta"]["stop_reason"], "end_turn");
        let metrics = &events[events.len() - 1]["amazon-bedrock-invocationMetrics"];
        assert_eq!(metrics["outputTokenCount"], 4, "{segment}: {metrics}");
        assert!(metrics["inputTokenCount"].as_u64().unwrap() > 0);
    }
    let reqs = gw.requests();
    assert_eq!(
        reqs[0].path,
        format!("/model/{MODEL_SEGMENT}/converse-stream")
    );
    assert_eq!(reqs[1].path, "/v1/chat/completions");

    // A model-native body is sent to Bedrock's own streaming operation, signed by the gateway.
    let titan = json!({"inputText": "stream me"});
    let resp = gw
        .post_with(
            &path(
                "amazon.titan-text-express-v1",
                "invoke-with-response-stream",
            ),
            &titan,
            SDK_HEADERS,
        )
        .await;
    let last = gw.requests().pop().unwrap();
    assert_eq!(
        last.path,
        "/model/amazon.titan-text-express-v1/invoke-with-response-stream"
    );
    assert_eq!(body_of(&last), titan);
    assert!(
        last.header("authorization")
            .unwrap()
            .contains(BEDROCK_ACCESS_KEY_ID)
    );
    // The mock does not serve that operation: its error comes back in Bedrock's shape.
    let status = resp.status().as_u16();
    assert!(status >= 400, "{status}");
    assert!(resp.headers().get("x-amzn-errortype").is_some());
}

#[tokio::test]
async fn framework_prefixes_serve_the_bedrock_routes() {
    let gw = gateway().await;
    for prefix in ["/litellm", "/langchain", "/pydanticai"] {
        let resp = gw
            .post_with(
                &format!("{prefix}/bedrock/model/openai%2Fgpt-4o/converse"),
                &ask(&format!("via {prefix}")),
                SDK_HEADERS,
            )
            .await;
        let resp = ok_json(resp).await;
        assert_eq!(text_of(&resp), format!("Echo: via {prefix}"));
    }
}
