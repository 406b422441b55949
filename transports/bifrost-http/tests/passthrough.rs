//! Passthrough routes: the body reaches the upstream unchanged, the gateway's key replaces the
//! caller's, upstream errors are relayed as the upstream wrote them, streams are relayed as bytes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;

async fn gateway() -> Gw {
    start(|base| providers(&[("openai", one_key(base, GOOD_KEY))])).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_body_is_forwarded_byte_for_byte_with_the_gateways_key() {
    let gw = gateway().await;
    // Odd spacing and key order must survive: no parse and re-serialize.
    let raw = r#"{ "messages":[{"role":"user","content":"raw body"}],   "model":"gpt-4o","zzz_custom":{"b":2,"a":1} }"#;
    let resp = gw
        .client
        .post(format!(
            "{}/openai_passthrough/v1/chat/completions?trace=1",
            gw.url
        ))
        .header("content-type", "application/json")
        .header("authorization", "Bearer sk-callers-own-key")
        .header("x-custom-trace", "t-1")
        .body(raw)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers().get("x-request-id").is_some());
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["choices"][0]["message"]["content"], "Echo: raw body");
    assert!(
        body.get("extra_fields").is_none(),
        "passthrough answers are not rewritten"
    );
    let req = &gw.requests()[0];
    assert_eq!(req.path, "/v1/chat/completions");
    assert_eq!(req.query.as_deref(), Some("trace=1"));
    assert_eq!(&req.body[..], raw.as_bytes());
    assert_eq!(bearer(req).as_deref(), Some(GOOD_KEY));
    assert_eq!(req.header("x-custom-trace"), Some("t-1"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstream_errors_are_relayed_verbatim() {
    let gw = gateway().await;
    let resp = gw
        .post(
            "/openai_passthrough/v1/chat/completions",
            &chat_body("error-404", "x"),
        )
        .await;
    assert_eq!(resp.status(), 404);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["message"], "mock upstream error 404");
    assert!(
        body.get("is_bifrost_error").is_none(),
        "the upstream's own body: {body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_are_relayed_as_bytes() {
    let gw = gateway().await;
    let mut body = chat_body("gpt-4o", "stream me");
    body["stream"] = serde_json::json!(true);
    let resp = gw
        .post("/openai_passthrough/v1/chat/completions", &body)
        .await;
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let text = resp.text().await.unwrap();
    assert!(text.ends_with("data: [DONE]\n\n"), "{text}");
    assert!(text.contains("\"content\":\"stream \""), "{text}");
    assert!(!text.contains("extra_fields"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_post_is_forwarded() {
    let gw = gateway().await;
    let resp = gw.get("/openai_passthrough/v1/models").await;
    assert_eq!(resp.status(), 403);
    let err: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(err["error"]["code"], "passthrough_method_not_allowed");
    assert_eq!(gw.upstream_calls(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_apply_to_passthrough() {
    let gw =
        start(|base| providers(&[("openai", merge(one_key(base, GOOD_KEY), fast_retries(2)))]))
            .await;
    let resp = gw
        .post(
            "/openai_passthrough/v1/chat/completions",
            &chat_body("flaky-2", "again"),
        )
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(gw.upstream_calls(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mocker_plugin_sees_passthrough_requests_and_lets_them_through() {
    let gw = start(|base| {
        let mut cfg = providers(&[("openai", one_key(base, GOOD_KEY))]);
        cfg["plugins"] = serde_json::json!([{"name": "mocker", "enabled": true, "config": {"enabled": true,
            "rules": [{"name": "r", "enabled": true, "conditions": {}, "responses": [{"type": "success", "content": {"message": "mocked"}}]}]}}]);
        cfg
    })
    .await;
    let chat = ok_json(
        gw.post("/v1/chat/completions", &chat_body("openai/gpt-4o", "x"))
            .await,
    )
    .await;
    assert_eq!(chat["choices"][0]["message"]["content"], "mocked");
    let pass = ok_json(
        gw.post(
            "/openai_passthrough/v1/chat/completions",
            &chat_body("gpt-4o", "x"),
        )
        .await,
    )
    .await;
    assert_eq!(pass["choices"][0]["message"]["content"], "Echo: x");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anthropic_passthrough_sends_the_gateways_x_api_key() {
    let gw = start(|base| providers(&[("anthropic", one_key(base, "sk-ant-gateway"))])).await;
    let raw = r#"{"model":"claude-3-5-haiku-latest","max_tokens":64,"messages":[{"role":"user","content":"native"}]}"#;
    let resp = gw
        .client
        .post(format!("{}/anthropic_passthrough/v1/messages", gw.url))
        .header("content-type", "application/json")
        .header("x-api-key", "sk-ant-callers")
        .header("anthropic-version", "2023-06-01")
        .body(raw)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["type"], "message");
    assert_eq!(body["content"][0]["text"], "Echo: native");
    let req = &gw.requests()[0];
    assert_eq!(req.path, "/v1/messages");
    assert_eq!(req.header("x-api-key"), Some("sk-ant-gateway"));
    assert_eq!(req.header("anthropic-version"), Some("2023-06-01"));
    assert_eq!(&req.body[..], raw.as_bytes());
}
