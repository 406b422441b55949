//! The Cohere drop-in routes under `/cohere`: v2 chat (whole and streamed as Cohere v2 events)
//! served by the Cohere mock and by other providers through the same route, tool calls, embed,
//! rerank, the model list, and errors in Cohere's shape.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use serde_json::{Value, json};

const COHERE_KEY: &str = "cohere-gateway-key";
/// What a Cohere SDK caller sends as its bearer token: accepted, never forwarded.
const CALLER_KEY: &str = "caller-own-cohere-key";

async fn gateway() -> Gw {
    start(|base| {
        providers(&[
            // The mock serves Cohere's paths under /cohere too (its /v1/models is OpenAI's).
            (
                "cohere",
                merge(
                    one_key(&format!("{base}/cohere"), COHERE_KEY),
                    fast_retries(0),
                ),
            ),
            ("openai", merge(one_key(base, GOOD_KEY), fast_retries(0))),
        ])
    })
    .await
}

const SDK_HEADERS: &[(&str, &str)] = &[("authorization", "Bearer caller-own-cohere-key")];

async fn post(gw: &Gw, path: &str, body: &Value) -> reqwest::Response {
    gw.post_with(&format!("/cohere{path}"), body, SDK_HEADERS)
        .await
}

fn ask(model: &str, text: &str) -> Value {
    json!({"model": model, "messages": [{"role": "user", "content": text}]})
}

fn text_of(resp: &Value) -> String {
    resp["message"]["content"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|b| b["type"] == "text")
        .filter_map(|b| b["text"].as_str())
        .collect()
}

/// Parses `event: <type>\ndata: <json>` events, checking that both name the same type.
async fn events(resp: reqwest::Response) -> Vec<Value> {
    let status = resp.status().as_u16();
    let content_type = resp.headers()["content-type"].to_str().unwrap().to_owned();
    let text = resp.text().await.unwrap();
    assert_eq!(status, 200, "{text}");
    assert_eq!(content_type, "text/event-stream");
    assert!(text.ends_with("\n\n"), "{text:?}");
    text.split("\n\n")
        .filter(|e| !e.is_empty())
        .map(|e| {
            let (event, data) = e.split_once('\n').unwrap();
            let event = event.strip_prefix("event: ").unwrap();
            let data: Value = serde_json::from_str(data.strip_prefix("data: ").unwrap()).unwrap();
            assert_eq!(Some(event), data["type"].as_str(), "{data}");
            data
        })
        .collect()
}

fn kinds(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["type"].as_str().unwrap()).collect()
}

fn streamed_text(events: &[Value]) -> String {
    events
        .iter()
        .filter(|e| e["type"] == "content-delta")
        .filter_map(|e| e["delta"]["message"]["content"]["text"].as_str())
        .collect()
}

async fn cohere_error(resp: reqwest::Response, status: u16) -> String {
    let got = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    assert_eq!(got, status, "{text}");
    let body: Value = serde_json::from_str(&text).unwrap();
    assert!(body["id"].is_string(), "{body}");
    body["message"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn chat_reaches_cohere_with_the_gateways_key() {
    let gw = gateway().await;
    let mut body = ask("command-a-03-2025", "hello cohere");
    body["max_tokens"] = json!(50);
    body["k"] = json!(3);
    let resp = ok_json(post(&gw, "/v2/chat", &body).await).await;
    assert_eq!(text_of(&resp), "Echo: hello cohere");
    assert_eq!(resp["finish_reason"], "COMPLETE");
    assert_eq!(resp["message"]["role"], "assistant");
    assert_eq!(resp["usage"]["tokens"]["output_tokens"], 3.0);
    assert!(
        resp["usage"]["billed_units"]["input_tokens"]
            .as_f64()
            .unwrap()
            > 0.0
    );
    let reqs = gw.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].path, "/cohere/v2/chat");
    assert_eq!(bearer(&reqs[0]).as_deref(), Some(COHERE_KEY));
    assert!(
        reqs.iter()
            .all(|r| !format!("{:?}", r.headers).contains(CALLER_KEY))
    );
    let sent = body_of(&reqs[0]);
    assert_eq!(sent["model"], "command-a-03-2025");
    assert_eq!(sent["max_tokens"], 50);
    assert_eq!(sent["k"], 3);
}

#[tokio::test]
async fn chat_streams_cohere_v2_events() {
    let gw = gateway().await;
    let mut body = ask("command-a-03-2025", "stream this now");
    body["stream"] = json!(true);
    let evs = events(post(&gw, "/v2/chat", &body).await).await;
    assert_eq!(
        kinds(&evs)
            .into_iter()
            .filter(|k| *k != "content-delta")
            .collect::<Vec<_>>(),
        [
            "message-start",
            "content-start",
            "content-end",
            "message-end"
        ]
    );
    assert_eq!(evs[0]["delta"]["message"]["role"], "assistant");
    assert_eq!(streamed_text(&evs), "Echo: stream this now");
    let end = evs.last().unwrap();
    assert_eq!(end["delta"]["finish_reason"], "COMPLETE");
    assert_eq!(end["delta"]["usage"]["tokens"]["output_tokens"], 4.0);
}

#[tokio::test]
async fn a_prefixed_model_reaches_another_provider() {
    let gw = gateway().await;
    let resp = ok_json(post(&gw, "/v2/chat", &ask("openai/gpt-4o", "cross provider")).await).await;
    assert_eq!(text_of(&resp), "Echo: cross provider");
    assert_eq!(resp["finish_reason"], "COMPLETE");
    let reqs = gw.requests();
    assert_eq!(reqs[0].path, "/v1/chat/completions");
    assert_eq!(bearer(&reqs[0]).as_deref(), Some(GOOD_KEY));
    assert_eq!(body_of(&reqs[0])["model"], "gpt-4o");

    let mut body = ask("openai/gpt-4o", "streamed across");
    body["stream"] = json!(true);
    let evs = events(post(&gw, "/v2/chat", &body).await).await;
    assert_eq!(evs[0]["type"], "message-start");
    assert_eq!(streamed_text(&evs), "Echo: streamed across");
    let end = evs.last().unwrap();
    assert_eq!(end["type"], "message-end");
    assert!(
        end["delta"]["usage"]["tokens"]["output_tokens"]
            .as_f64()
            .unwrap()
            > 0.0
    );
}

fn weather_tools() -> Value {
    json!([{"type": "function", "function": {
        "name": "get_weather",
        "description": "Weather of a city",
        "parameters": {"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]}
    }}])
}

#[tokio::test]
async fn tool_calls_whole_and_streamed() {
    let gw = gateway().await;
    for model in ["command-a-03-2025", "openai/gpt-4o"] {
        let mut body = ask(model, "What is the weather in Paris?");
        body["tools"] = weather_tools();
        let resp = ok_json(post(&gw, "/v2/chat", &body).await).await;
        assert_eq!(resp["finish_reason"], "TOOL_CALL", "{model}: {resp}");
        let call = &resp["message"]["tool_calls"][0];
        assert_eq!(call["function"]["name"], "get_weather");
        let args: Value =
            serde_json::from_str(call["function"]["arguments"].as_str().unwrap()).unwrap();
        assert_eq!(args["location"], "Paris");

        // The result goes back as a tool message.
        let id = call["id"].as_str().unwrap().to_owned();
        body["messages"] = json!([
            {"role": "user", "content": "What is the weather in Paris?"},
            {"role": "assistant", "tool_calls": resp["message"]["tool_calls"], "tool_plan": "Look it up."},
            {"role": "tool", "tool_call_id": id, "content": [{"type": "document", "document": {"data": "{\"temp_c\": 21}"}}]}
        ]);
        let resp = ok_json(post(&gw, "/v2/chat", &body).await).await;
        assert_eq!(resp["finish_reason"], "COMPLETE", "{model}: {resp}");
        assert!(text_of(&resp).contains("temp_c"), "{model}: {resp}");

        body["messages"] = json!([{"role": "user", "content": "weather in Paris"}]);
        body["stream"] = json!(true);
        let evs = events(post(&gw, "/v2/chat", &body).await).await;
        let start = evs.iter().find(|e| e["type"] == "tool-call-start").unwrap();
        assert_eq!(
            start["delta"]["message"]["tool_calls"]["function"]["name"],
            "get_weather"
        );
        let args: String = evs
            .iter()
            .filter(|e| e["type"] == "tool-call-delta")
            .filter_map(|e| e["delta"]["message"]["tool_calls"]["function"]["arguments"].as_str())
            .collect();
        assert_eq!(
            serde_json::from_str::<Value>(&args).unwrap()["location"],
            "Paris"
        );
        assert!(kinds(&evs).contains(&"tool-call-end"));
        assert_eq!(evs.last().unwrap()["delta"]["finish_reason"], "TOOL_CALL");
    }
}

#[tokio::test]
async fn embed_rerank_and_models() {
    let gw = gateway().await;
    let body = json!({"model": "embed-v4.0", "texts": ["alpha", "beta"], "input_type": "search_document", "embedding_types": ["float"]});
    let resp = ok_json(post(&gw, "/v2/embed", &body).await).await;
    let floats = resp["embeddings"]["float"].as_array().unwrap();
    assert_eq!(floats.len(), 2);
    assert_eq!(floats[0].as_array().unwrap().len(), 8);
    assert_ne!(floats[0], floats[1]);
    assert_eq!(resp["texts"], json!(["alpha", "beta"]));
    assert_eq!(resp["response_type"], "embeddings_by_type");
    let sent = body_of(&gw.requests()[0]);
    assert_eq!(sent["input_type"], "search_document");
    assert_eq!(sent["texts"], json!(["alpha", "beta"]));

    let body = json!({"model": "openai/text-embedding-3-small", "texts": ["alpha"], "input_type": "search_query", "embedding_types": ["float", "base64"]});
    let resp = ok_json(post(&gw, "/v2/embed", &body).await).await;
    assert_eq!(resp["embeddings"]["float"].as_array().unwrap().len(), 1);
    assert!(resp["embeddings"]["base64"][0].is_string());
    let sent = body_of(&gw.requests()[1]);
    assert_eq!(gw.requests()[1].path, "/v1/embeddings");
    assert_eq!(sent["input"], json!(["alpha"]));
    assert!(sent.get("input_type").is_none(), "{sent}");

    let body = json!({"model": "rerank-v3.5", "query": "green tea", "documents": ["black coffee", "green tea leaves", "tea"], "top_n": 2});
    let resp = ok_json(post(&gw, "/v2/rerank", &body).await).await;
    let results = resp["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(results[0]["index"], 1);
    assert!(
        results[0]["relevance_score"].as_f64().unwrap()
            > results[1]["relevance_score"].as_f64().unwrap()
    );

    let resp = ok_json(gw.get("/cohere/v1/models").await).await;
    let names: Vec<&str> = resp["models"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["name"].as_str())
        .collect();
    assert!(names.contains(&"command-a-03-2025"), "{names:?}");
    let embed = resp["models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "embed-v4.0")
        .unwrap();
    assert_eq!(embed["endpoints"], json!(["embed"]));
    assert!(names.iter().any(|n| n.starts_with("openai/")), "{names:?}");
}

#[tokio::test]
async fn errors_have_cohere_shape() {
    let gw = gateway().await;
    let message = cohere_error(post(&gw, "/v2/chat", &json!({"messages": []})).await, 400).await;
    assert!(message.contains("model"), "{message}");
    let message = cohere_error(
        post(
            &gw,
            "/v2/chat",
            &json!({"model": "command-a-03-2025", "messages": [{"role": "robot", "content": "x"}]}),
        )
        .await,
        400,
    )
    .await;
    assert!(message.contains("robot"), "{message}");
    cohere_error(post(&gw, "/v2/chat", &ask("error-429", "hi")).await, 429).await;
    cohere_error(
        post(&gw, "/v2/chat", &ask("openai/error-500", "hi")).await,
        500,
    )
    .await;
    let message = cohere_error(
        post(
            &gw,
            "/v2/embed",
            &json!({"model": "embed-v4.0", "texts": ["a"], "embedding_types": ["int8"]}),
        )
        .await,
        400,
    )
    .await;
    assert!(message.contains("int8"), "{message}");

    // A failure mid-stream ends with message-end ERROR.
    let mut body = ask("openai/stream-error", "hello world");
    body["stream"] = json!(true);
    let evs = events(post(&gw, "/v2/chat", &body).await).await;
    assert_eq!(evs[0]["type"], "message-start");
    let end = evs.last().unwrap();
    assert_eq!(end["type"], "message-end");
    assert_eq!(end["delta"]["finish_reason"], "ERROR");
    assert!(end["delta"]["error"].is_string());
}
