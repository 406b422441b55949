//! Bad input is a precise 4xx with no upstream call; bad upstream answers are a 502 that says
//! what was wrong.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use serde_json::json;

async fn gateway() -> Gw {
    start(|base| {
        let mut cfg = providers(&[("openai", one_key(base, GOOD_KEY))]);
        cfg["client"] = json!({"max_request_body_size_mb": 1});
        cfg
    })
    .await
}

async fn post_raw(gw: &Gw, content_type: Option<&str>, body: Vec<u8>) -> reqwest::Response {
    let mut req = gw
        .client
        .post(format!("{}/v1/chat/completions", gw.url))
        .body(body);
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    req.send().await.expect("send")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_json_is_a_400() {
    let gw = gateway().await;
    let resp = post_raw(
        &gw,
        Some("application/json"),
        b"{\"model\": \"openai/gpt-4o\",".to_vec(),
    )
    .await;
    let err = error_json(resp, 400).await;
    assert_eq!(err["error"]["type"], "invalid_request_error");
    assert!(
        message(&err).starts_with("invalid request format: "),
        "{err}"
    );
    assert!(message(&err).contains("EOF"), "{err}");

    let resp = post_raw(&gw, Some("application/json"), b"{not json".to_vec()).await;
    let err = error_json(resp, 400).await;
    assert!(
        message(&err).starts_with("invalid request format: key must be a string at line 1"),
        "{err}"
    );
    assert_eq!(err["error"]["param"], serde_json::Value::Null);

    let resp = post_raw(
        &gw,
        Some("application/json"),
        br#"{"model":"openai/gpt-4o","messages":[{"role":"robot","content":"x"}]}"#.to_vec(),
    )
    .await;
    let err = error_json(resp, 400).await;
    assert!(
        message(&err).starts_with("invalid request format: messages[0].role: "),
        "{err}"
    );
    assert_eq!(err["error"]["param"], "messages[0].role");

    let resp = post_raw(&gw, Some("application/json"), Vec::new()).await;
    let err = error_json(resp, 400).await;
    assert_eq!(message(&err), "request body is empty: send a JSON object");
    assert_eq!(gw.upstream_calls(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_model_or_messages_is_a_400() {
    let gw = gateway().await;
    let err = error_json(
        gw.chat_json(&json!({"messages": [{"role": "user", "content": "hi"}]}))
            .await,
        400,
    )
    .await;
    assert_eq!(message(&err), "model is required");
    assert_eq!(err["error"]["param"], "model");

    let err = error_json(gw.chat_json(&json!({"model": "openai/gpt-4o"})).await, 400).await;
    assert_eq!(message(&err), "messages is required for chat completion");
    assert_eq!(err["error"]["param"], "messages");

    let err = error_json(
        gw.post("/v1/completions", &json!({"model": "openai/gpt-4o"}))
            .await,
        400,
    )
    .await;
    assert_eq!(message(&err), "prompt is required for text completion");
    let err = error_json(
        gw.post(
            "/v1/embeddings",
            &json!({"model": "openai/text-embedding-3-small", "input": []}),
        )
        .await,
        400,
    )
    .await;
    assert_eq!(message(&err), "input is required for embeddings");
    assert_eq!(gw.upstream_calls(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_provider_is_a_400() {
    let gw = gateway().await;
    let err = error_json(gw.chat("mystery/gpt-4o", "hi").await, 400).await;
    assert!(
        message(&err).starts_with("provider is required in model field"),
        "{err}"
    );
    assert!(message(&err).contains("\"mystery/gpt-4o\""), "{err}");
    assert_eq!(gw.upstream_calls(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversize_body_is_a_413() {
    let gw = gateway().await;
    let big = "x".repeat(2 * 1024 * 1024);
    let err = error_json(gw.chat("openai/gpt-4o", &big).await, 413).await;
    assert_eq!(err["error"]["code"], "request_too_large");
    assert_eq!(
        message(&err),
        "request body is larger than the limit of 1 MiB (client.max_request_body_size_mb)"
    );

    // Without Content-Length (chunked), the limit still applies while reading.
    let chunks = futures::stream::iter(
        (0..4).map(|_| Ok::<_, std::io::Error>(bytes::Bytes::from(vec![b' '; 512 * 1024]))),
    );
    let resp = gw
        .client
        .post(format!("{}/v1/chat/completions", gw.url))
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(chunks))
        .send()
        .await
        .expect("send");
    let err = error_json(resp, 413).await;
    assert_eq!(err["error"]["code"], "request_too_large");

    // Just under the limit is accepted.
    let fits = "y ".repeat(400 * 1024);
    ok_json(gw.chat("openai/gpt-4o", &fits).await).await;
    assert_eq!(gw.upstream_calls(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_content_type_is_a_415() {
    let gw = gateway().await;
    let body = serde_json::to_vec(&chat_body("openai/gpt-4o", "hi")).unwrap();
    let err = error_json(post_raw(&gw, Some("text/plain"), body.clone()).await, 415).await;
    assert_eq!(err["error"]["code"], "unsupported_media_type");
    assert_eq!(
        message(&err),
        "Content-Type must be application/json, got \"text/plain\""
    );
    let err = error_json(
        post_raw(&gw, Some("application/x-www-form-urlencoded"), body.clone()).await,
        415,
    )
    .await;
    assert_eq!(err["error"]["code"], "unsupported_media_type");
    assert_eq!(gw.upstream_calls(), 0);

    // JSON with parameters, and no content type at all, are accepted.
    ok_json(post_raw(&gw, Some("application/json; charset=utf-8"), body.clone()).await).await;
    ok_json(post_raw(&gw, None, body).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstream_garbage_is_a_502_quoting_the_body() {
    let gw = gateway().await;
    let err = error_json(gw.chat("openai/garbage", "hi").await, 502).await;
    assert_eq!(err["error"]["code"], "invalid_upstream_response");
    assert_eq!(err["error"]["type"], "upstream_error");
    let msg = message(&err);
    assert!(
        msg.starts_with("openai returned a body that is not a valid chat completion"),
        "{msg}"
    );
    assert!(msg.ends_with(": this is not json {"), "{msg}");
    assert_eq!(err["extra_fields"]["provider"], "openai");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upstream_html_page_is_a_502_naming_html() {
    let gw = gateway().await;
    let err = error_json(gw.chat("openai/html", "hi").await, 502).await;
    assert_eq!(err["is_bifrost_error"], false);
    assert_eq!(
        message(&err),
        "openai returned an HTML page with status 502 instead of an API response (a proxy or load balancer in front of the API answered)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_upstream_body_is_a_502() {
    let gw = gateway().await;
    let err = error_json(gw.chat("openai/empty", "hi").await, 502).await;
    assert_eq!(err["error"]["code"], "invalid_upstream_response");
    assert_eq!(
        message(&err),
        "openai returned an empty body for a chat completion"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_truncated_upstream_body_is_a_502() {
    let gw = gateway().await;
    let err = error_json(gw.chat("openai/truncated", "hi").await, 502).await;
    assert_eq!(err["error"]["code"], "network_error");
    assert!(
        message(&err).starts_with("lost the connection while reading the response from openai"),
        "{err}"
    );
}
