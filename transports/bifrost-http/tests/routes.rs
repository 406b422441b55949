//! The OpenAI-compatible routes end to end: chat (plain and streamed, tool calls), text
//! completions, embeddings, model listing, health and request ids.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use serde_json::{Value, json};

async fn openai_gateway() -> Gw {
    start(|base| providers(&[("openai", one_key(base, GOOD_KEY))])).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_completion_round_trip() {
    let gw = openai_gateway().await;
    let resp = gw.chat("openai/gpt-4o", "Hello there").await;
    let request_id = resp.headers()["x-request-id"].to_str().unwrap().to_owned();
    let body = ok_json(resp).await;

    assert_eq!(body["object"], "chat.completion");
    assert_eq!(body["model"], "gpt-4o");
    assert_eq!(body["choices"][0]["message"]["role"], "assistant");
    assert_eq!(
        body["choices"][0]["message"]["content"],
        "Echo: Hello there"
    );
    assert_eq!(body["choices"][0]["finish_reason"], "stop");
    assert_eq!(body["usage"]["prompt_tokens"], 2);
    assert_eq!(body["usage"]["completion_tokens"], 3);
    assert_eq!(body["usage"]["total_tokens"], 5);
    let extra = &body["extra_fields"];
    assert_eq!(extra["provider"], "openai");
    assert_eq!(extra["request_type"], "chat_completion");
    assert_eq!(extra["model_requested"], "openai/gpt-4o");
    assert_eq!(extra["fallback_index"], 0);
    assert!(extra["latency"].is_u64(), "{extra}");
    assert_eq!(request_id.len(), 36, "a generated UUID: {request_id}");

    let reqs = gw.requests();
    assert_eq!(reqs.len(), 1);
    let up = &reqs[0];
    assert_eq!(up.method, "POST");
    assert_eq!(up.path, "/v1/chat/completions");
    assert_eq!(up.header("authorization"), Some("Bearer sk-good"));
    assert_eq!(up.header("content-type"), Some("application/json"));
    let sent = body_of(up);
    assert_eq!(sent["model"], "gpt-4o", "provider prefix stripped");
    assert_eq!(
        sent["messages"],
        json!([{"role": "user", "content": "Hello there"}])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn caller_request_id_is_echoed() {
    let gw = openai_gateway().await;
    let resp = gw
        .post_with(
            "/v1/chat/completions",
            &chat_body("openai/gpt-4o", "hi"),
            &[("x-request-id", "trace-42")],
        )
        .await;
    assert_eq!(resp.headers()["x-request-id"], "trace-42");
    ok_json(resp).await;
    let resp = gw
        .post_with(
            "/v1/chat/completions",
            &json!({"model": "openai/gpt-4o"}),
            &[("x-request-id", "trace-43")],
        )
        .await;
    assert_eq!(
        resp.headers()["x-request-id"],
        "trace-43",
        "errors carry it too"
    );
    error_json(resp, 400).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_stream_is_framed_as_sse_with_usage_and_done() {
    let gw = openai_gateway().await;
    let mut body = chat_body("openai/gpt-4o", "stream these four words");
    body["stream"] = json!(true);
    body["stream_options"] = json!({"include_usage": true});
    let resp = gw.chat_json(&body).await;
    assert!(resp.headers().contains_key("x-request-id"));
    assert_eq!(resp.headers()["cache-control"], "no-cache");
    let events = sse_events(resp).await;

    assert!(events.len() >= 4, "{events:?}");
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e["object"], "chat.completion.chunk", "{e}");
        assert_eq!(e["extra_fields"]["provider"], "openai");
        assert_eq!(e["extra_fields"]["request_type"], "chat_completion_stream");
        assert_eq!(e["extra_fields"]["model_requested"], "openai/gpt-4o");
        assert_eq!(e["extra_fields"]["chunk_index"], i as u64);
    }
    assert_eq!(events[0]["choices"][0]["delta"]["role"], "assistant");
    assert_eq!(streamed_content(&events), "Echo: stream these four words");
    let finish: Vec<&Value> = events
        .iter()
        .filter(|e| !e["choices"][0]["finish_reason"].is_null())
        .collect();
    assert_eq!(finish.len(), 1);
    assert_eq!(finish[0]["choices"][0]["finish_reason"], "stop");
    let last = events.last().unwrap();
    assert_eq!(last["choices"], json!([]), "usage chunk has no choices");
    assert_eq!(last["usage"]["prompt_tokens"], 4);
    assert_eq!(last["usage"]["completion_tokens"], 5);
    assert_eq!(last["usage"]["total_tokens"], 9);

    let sent = body_of(&gw.requests()[0]);
    assert_eq!(sent["stream"], true);
    assert_eq!(sent["stream_options"], json!({"include_usage": true}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streamed_tool_call_deltas_reassemble() {
    let gw = openai_gateway().await;
    let body = json!({
        "model": "openai/gpt-4o",
        "stream": true,
        "messages": [{"role": "user", "content": "weather in two cities, parallel please"}],
        "tools": [{"type": "function", "function": {
            "name": "get_weather",
            "parameters": {"type": "object", "properties": {"location": {"type": "string"}}}
        }}],
    });
    let events = sse_events(gw.chat_json(&body).await).await;

    // Reassemble by tool call index, as SDKs do.
    let mut calls: Vec<(String, String, String)> = Vec::new();
    for e in &events {
        for tc in e["choices"][0]["delta"]["tool_calls"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let i = tc["index"].as_u64().unwrap() as usize;
            if calls.len() <= i {
                calls.resize(i + 1, Default::default());
            }
            if let Some(id) = tc["id"].as_str() {
                calls[i].0.push_str(id);
            }
            if let Some(name) = tc["function"]["name"].as_str() {
                calls[i].1.push_str(name);
            }
            if let Some(args) = tc["function"]["arguments"].as_str() {
                calls[i].2.push_str(args);
            }
        }
    }
    assert_eq!(
        calls,
        vec![
            (
                "call_mock_0".to_owned(),
                "get_weather".to_owned(),
                r#"{"location":"Paris"}"#.to_owned()
            ),
            (
                "call_mock_1".to_owned(),
                "get_weather".to_owned(),
                r#"{"location":"London"}"#.to_owned()
            ),
        ]
    );
    let finish = events
        .iter()
        .find_map(|e| e["choices"][0]["finish_reason"].as_str())
        .unwrap();
    assert_eq!(finish, "tool_calls");
    let sent = body_of(&gw.requests()[0]);
    assert_eq!(sent["tools"][0]["function"]["name"], "get_weather");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_completion_plain_and_streamed() {
    let gw = openai_gateway().await;
    let body = ok_json(
        gw.post(
            "/v1/completions",
            &json!({"model": "openai/gpt-3.5-turbo-instruct", "prompt": "Say hi", "max_tokens": 20}),
        )
        .await,
    )
    .await;
    assert_eq!(body["object"], "text_completion");
    assert_eq!(body["choices"][0]["text"], "Echo: Say hi");
    assert_eq!(body["extra_fields"]["provider"], "openai");
    assert_eq!(body["extra_fields"]["request_type"], "text_completion");
    assert_eq!(
        body["extra_fields"]["model_requested"],
        "openai/gpt-3.5-turbo-instruct"
    );
    let up = &gw.requests()[0];
    assert_eq!(up.path, "/v1/completions");
    let sent = body_of(up);
    assert_eq!(sent["model"], "gpt-3.5-turbo-instruct");
    assert_eq!(sent["prompt"], "Say hi");
    assert_eq!(sent["max_tokens"], 20);

    let events = sse_events(
        gw.post(
            "/v1/completions",
            &json!({"model": "openai/gpt-3.5-turbo-instruct", "prompt": "Say hi", "stream": true}),
        )
        .await,
    )
    .await;
    let text: String = events
        .iter()
        .filter_map(|e| e["choices"][0]["text"].as_str())
        .collect();
    assert_eq!(text, "Echo: Say hi");
    assert!(events.iter().all(|e| e["object"] == "text_completion"));
    assert_eq!(
        events[0]["extra_fields"]["request_type"],
        "text_completion_stream"
    );
    assert_eq!(body_of(&gw.requests()[1])["stream"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embeddings_float_and_base64_with_dimensions() {
    let gw = openai_gateway().await;
    let request = |format: &str| {
        json!({
            "model": "openai/text-embedding-3-small",
            "input": ["first text", "second text"],
            "dimensions": 4,
            "encoding_format": format,
        })
    };
    let floats = ok_json(gw.post("/v1/embeddings", &request("float")).await).await;
    assert_eq!(floats["object"], "list");
    assert_eq!(floats["extra_fields"]["request_type"], "embedding");
    assert_eq!(floats["extra_fields"]["provider"], "openai");
    let data = floats["data"].as_array().unwrap();
    assert_eq!(data.len(), 2);
    for (i, d) in data.iter().enumerate() {
        assert_eq!(d["index"], i);
        assert_eq!(d["object"], "embedding");
        assert_eq!(d["embedding"].as_array().unwrap().len(), 4);
    }
    assert_eq!(floats["usage"]["prompt_tokens"], 4);

    let b64 = ok_json(gw.post("/v1/embeddings", &request("base64")).await).await;
    for (i, d) in b64["data"].as_array().unwrap().iter().enumerate() {
        let vector: bifrost_core::schemas::EmbeddingVector =
            serde_json::from_value(d["embedding"].clone()).unwrap();
        assert!(
            matches!(vector, bifrost_core::schemas::EmbeddingVector::Base64(_)),
            "{d}"
        );
        let decoded = vector.to_floats().unwrap();
        let expected: Vec<f32> = data[i]["embedding"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap() as f32)
            .collect();
        assert_eq!(decoded, expected, "base64 decodes to the float vector");
    }

    let reqs = gw.requests();
    assert_eq!(reqs[0].path, "/v1/embeddings");
    let sent = body_of(&reqs[1]);
    assert_eq!(sent["model"], "text-embedding-3-small");
    assert_eq!(sent["dimensions"], 4);
    assert_eq!(sent["encoding_format"], "base64");
    assert_eq!(sent["input"], json!(["first text", "second text"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn models_are_merged_across_providers_and_filterable() {
    let gw = start(|base| {
        providers(&[
            ("openai", one_key(base, "sk-openai")),
            ("groq", one_key(base, "sk-groq")),
        ])
    })
    .await;
    let all = ok_json(gw.get("/v1/models").await).await;
    let mut ids: Vec<&str> = all["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    ids.sort_unstable();
    assert_eq!(
        ids,
        [
            "groq/gpt-4o",
            "groq/gpt-4o-mini",
            "groq/text-embedding-3-small",
            "openai/gpt-4o",
            "openai/gpt-4o-mini",
            "openai/text-embedding-3-small",
        ]
    );
    assert_eq!(all["data"][0]["object"], "model");
    let mut upstream: Vec<(String, String)> = gw
        .requests()
        .iter()
        .map(|r| (r.path.clone(), bearer(r).unwrap()))
        .collect();
    upstream.sort();
    assert_eq!(
        upstream,
        [
            ("/v1/models".to_owned(), "sk-groq".to_owned()),
            ("/v1/models".to_owned(), "sk-openai".to_owned()),
        ]
    );

    let groq = ok_json(gw.get("/v1/models?provider=groq").await).await;
    let ids: Vec<&str> = groq["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "groq/gpt-4o",
            "groq/gpt-4o-mini",
            "groq/text-embedding-3-small"
        ]
    );
    assert_eq!(gw.upstream_calls(), 3, "only groq was asked");

    let err = error_json(gw.get("/v1/models?provider=cohere").await, 400).await;
    assert!(message(&err).contains("\"cohere\""), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_reports_ok() {
    let gw = openai_gateway().await;
    let body = ok_json(gw.get("/health").await).await;
    assert_eq!(body["status"], "ok");
    assert_eq!(body["providers"], 1);
    assert_eq!(gw.upstream_calls(), 0, "health never calls upstream");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_routes_and_methods_answer_json() {
    let gw = openai_gateway().await;
    let err = error_json(gw.get("/v1/nothing-here").await, 404).await;
    assert_eq!(err["error"]["code"], "route_not_found");
    assert_eq!(message(&err), "unknown route: GET /v1/nothing-here");
    let err = error_json(gw.get("/v1/chat/completions").await, 405).await;
    assert_eq!(err["error"]["code"], "method_not_allowed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn models_leave_out_a_failing_provider() {
    let gw = start(|base| {
        providers(&[
            ("openai", one_key(base, "sk-openai")),
            ("groq", one_key(base, "bad-groq-key")),
        ])
    })
    .await;
    let all = ok_json(gw.get("/v1/models").await).await;
    let ids: Vec<&str> = all["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "openai/gpt-4o",
            "openai/gpt-4o-mini",
            "openai/text-embedding-3-small"
        ]
    );
    // Asked for by name, the failure is reported.
    let err = error_json(gw.get("/v1/models?provider=groq").await, 502).await;
    assert_eq!(err["error"]["code"], "upstream_credentials_exhausted");
    assert_eq!(err["extra_fields"]["provider"], "groq");
    assert_eq!(err["extra_fields"]["request_type"], "list_models");
}
