//! Integration tests of fault injection and API-key semantics.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, Instant};

use bifrost_mock_upstream::{MockConfig, MockUpstream};
use common::{Event, chat, error_of, json_events, parse_sse, read_until_error, start};
use serde_json::{Value, json};

fn streaming(model: &str, text: &str) -> Value {
    let mut body = chat(model, text);
    body["stream"] = json!(true);
    body
}

#[tokio::test]
async fn error_status_models() {
    let h = start().await;
    for (status, kind) in [
        (500, "server_error"),
        (503, "server_error"),
        (502, "server_error"),
        (400, "invalid_request_error"),
        (404, "invalid_request_error"),
        (422, "invalid_request_error"),
    ] {
        let model = format!("error-{status}");
        let resp = h.post("/v1/chat/completions", chat(&model, "hi")).await;
        let err = error_of(resp, status).await;
        assert_eq!(err["message"], format!("mock upstream error {status}"));
        assert_eq!(err["type"], kind);
        // Same on streaming requests and the other endpoints.
        let resp = h
            .post("/v1/chat/completions", streaming(&model, "hi"))
            .await;
        error_of(resp, status).await;
        let resp = h
            .post("/v1/embeddings", json!({"model": model, "input": "x"}))
            .await;
        error_of(resp, status).await;
        let resp = h
            .post("/v1/completions", json!({"model": model, "prompt": "x"}))
            .await;
        error_of(resp, status).await;
    }
}

#[tokio::test]
async fn error_429_is_a_rate_limit() {
    let h = start().await;
    let resp = h
        .post("/v1/chat/completions", chat("error-429", "hi"))
        .await;
    assert_eq!(resp.headers()["retry-after"], "1");
    let err = error_of(resp, 429).await;
    assert_eq!(err["type"], "requests");
    assert_eq!(err["code"], "rate_limit_exceeded");
}

#[tokio::test]
async fn flaky_models_fail_then_succeed_per_model() {
    let h = start().await;
    for _ in 0..2 {
        let resp = h.post("/v1/chat/completions", chat("flaky-2", "x")).await;
        let err = error_of(resp, 500).await;
        assert_eq!(err["type"], "server_error");
    }
    // A different flaky model name has its own counter.
    let resp = h
        .post("/v1/chat/completions", chat("flaky-1-503", "x"))
        .await;
    error_of(resp, 503).await;
    let v = h
        .post_json("/v1/chat/completions", chat("flaky-2", "ok now"), 200)
        .await;
    assert_eq!(v["choices"][0]["message"]["content"], "Echo: ok now");
    assert_eq!(v["model"], "flaky-2");
    h.post_json("/v1/chat/completions", chat("flaky-1-503", "x"), 200)
        .await;
    h.post_json("/v1/chat/completions", chat("flaky-2", "x"), 200)
        .await;

    // clear() resets the counters.
    h.mock.clear();
    let resp = h.post("/v1/chat/completions", chat("flaky-2", "x")).await;
    error_of(resp, 500).await;

    // Custom status, including 429 with Retry-After.
    let resp = h
        .post("/v1/chat/completions", chat("flaky-1-429", "x"))
        .await;
    assert_eq!(resp.headers()["retry-after"], "1");
    error_of(resp, 429).await;
    h.post_json("/v1/chat/completions", chat("flaky-1-429", "x"), 200)
        .await;
}

#[tokio::test]
async fn slow_delays_before_headers() {
    let h = start().await;
    let start = Instant::now();
    let resp = h
        .post("/v1/chat/completions", chat("slow-300", "zzz"))
        .await;
    assert!(start.elapsed() >= Duration::from_millis(300));
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["choices"][0]["message"]["content"], "Echo: zzz");
}

#[tokio::test]
async fn slow_stream_delays_between_chunks() {
    let h = start().await;
    let start = Instant::now();
    let resp = h
        .post(
            "/v1/chat/completions",
            streaming("slow-stream-100", "a b c"),
        )
        .await;
    let headers_at = start.elapsed();
    assert_eq!(resp.status(), 200);
    let mut stream = resp.bytes_stream();
    use futures::StreamExt as _;
    let first = stream.next().await.unwrap().unwrap();
    let first_at = start.elapsed();
    assert!(String::from_utf8_lossy(&first).contains("\"role\":\"assistant\""));
    let mut rest = first.to_vec();
    while let Some(chunk) = stream.next().await {
        rest.extend_from_slice(&chunk.unwrap());
    }
    let total = start.elapsed();
    // role, 4 words, finish, [DONE] = 7 events -> 6 gaps of 100ms.
    let events = json_events(std::str::from_utf8(&rest).unwrap());
    assert_eq!(events.len(), 6);
    assert!(total >= Duration::from_millis(600), "total {total:?}");
    assert!(
        headers_at < total - Duration::from_millis(400)
            && first_at < total - Duration::from_millis(400),
        "headers {headers_at:?}, first chunk {first_at:?}, total {total:?}"
    );
}

#[tokio::test]
async fn truncated_stream_aborts_connection() {
    let h = start().await;
    let resp = h
        .post(
            "/v1/chat/completions",
            streaming("truncated", "one two three four"),
        )
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/event-stream");
    let (body, failed) = read_until_error(resp).await;
    assert!(
        failed,
        "body must end with an error, got clean end: {body:?}"
    );
    let events = parse_sse(&body);
    assert_eq!(events.len(), 3, "{body}");
    assert!(!events.contains(&Event::Done));
    let Event::Json(role) = &events[0] else {
        panic!()
    };
    assert_eq!(role["choices"][0]["delta"]["role"], "assistant");
    let Event::Json(second) = &events[2] else {
        panic!()
    };
    assert_eq!(second["choices"][0]["delta"]["content"], "one ");
}

#[tokio::test]
async fn truncated_non_stream_has_short_body() {
    let h = start().await;
    for (path, body) in [
        ("/v1/chat/completions", chat("truncated", "hello")),
        (
            "/v1/embeddings",
            json!({"model": "truncated", "input": "x"}),
        ),
    ] {
        let resp = h.post(path, body).await;
        assert_eq!(resp.status(), 200);
        let declared: usize = resp.headers()["content-length"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        let (partial, failed) = read_until_error(resp).await;
        assert!(failed, "must fail to read full body");
        assert!(partial.len() < declared);
        assert!(serde_json::from_str::<Value>(&partial).is_err());
    }
    // The client sees an error when it buffers the body.
    let resp = h.post("/v1/chat/completions", chat("truncated", "x")).await;
    assert!(resp.bytes().await.is_err());
}

#[tokio::test]
async fn garbage_html_and_empty_bodies() {
    let h = start().await;
    let resp = h.post("/v1/chat/completions", chat("garbage", "x")).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/json");
    assert_eq!(resp.text().await.unwrap(), "this is not json {");

    let resp = h.post("/v1/chat/completions", streaming("html", "x")).await;
    assert_eq!(resp.status(), 502);
    assert_eq!(resp.headers()["content-type"], "text/html");
    assert_eq!(
        resp.text().await.unwrap(),
        "<html><body><h1>502 Bad Gateway</h1></body></html>"
    );

    let resp = h.post("/v1/chat/completions", chat("empty", "x")).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.text().await.unwrap(), "");
}

#[tokio::test]
async fn stream_error_event_mid_stream() {
    let h = start().await;
    let resp = h
        .post(
            "/v1/chat/completions",
            streaming("stream-error", "one two three four"),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let (body, failed) = read_until_error(resp).await;
    assert!(!failed, "stream-error ends cleanly");
    let events = parse_sse(&body);
    assert_eq!(events.len(), 4, "{body}");
    let Event::Json(content) = &events[1] else {
        panic!()
    };
    assert_eq!(content["choices"][0]["delta"]["content"], "Echo: ");
    assert_eq!(
        events[3],
        Event::Json(
            json!({"error": {"message": "mock mid-stream failure", "type": "server_error", "param": null, "code": null}})
        )
    );

    // Non-streaming requests to stream-only faults behave normally.
    for model in ["stream-error", "slow-stream-50"] {
        let v = h
            .post_json("/v1/chat/completions", chat(model, "fine"), 200)
            .await;
        assert_eq!(v["choices"][0]["message"]["content"], "Echo: fine");
    }
}

#[tokio::test]
async fn legacy_completions_stream_faults() {
    let h = start().await;
    let resp = h
        .post(
            "/v1/completions",
            json!({"model": "truncated", "prompt": "a b c d", "stream": true}),
        )
        .await;
    let (body, failed) = read_until_error(resp).await;
    assert!(failed);
    assert_eq!(parse_sse(&body).len(), 3);
}

#[tokio::test]
async fn models_endpoint_faults_via_query() {
    let h = start().await;
    let err = error_of(h.get("/v1/models?fault=error-503").await, 503).await;
    assert_eq!(err["message"], "mock upstream error 503");
    error_of(h.get("/v1/models?fault=flaky-1").await, 500).await;
    assert_eq!(h.get("/v1/models?fault=flaky-1").await.status(), 200);
    let resp = h.get("/v1/models?fault=garbage").await;
    assert_eq!(resp.text().await.unwrap(), "this is not json {");
    assert_eq!(h.get("/v1/models?fault=html").await.status(), 502);
}

#[tokio::test]
async fn api_key_semantics() {
    let h = start().await;
    let cases = [
        ("bad-key", 401, "invalid_request_error", "invalid_api_key"),
        (
            "invalid-key",
            401,
            "invalid_request_error",
            "invalid_api_key",
        ),
        (
            "noquota-key",
            429,
            "insufficient_quota",
            "insufficient_quota",
        ),
        ("ratelimited-key", 429, "requests", "rate_limit_exceeded"),
        (
            "forbidden-key",
            403,
            "request_forbidden",
            "unsupported_country_region_territory",
        ),
        (
            "payment-key",
            402,
            "invalid_request_error",
            "payment_required",
        ),
    ];
    for (key, status, kind, code) in cases {
        for path in ["/v1/chat/completions", "/v1/embeddings", "/v1/completions"] {
            let resp = h
                .post_with_key(
                    path,
                    json!({"model": "gpt-4o", "messages": [], "input": "x", "prompt": "x"}),
                    Some(key),
                )
                .await;
            let retry_after = resp.headers().get("retry-after").cloned();
            let err = error_of(resp, status).await;
            assert_eq!(err["type"], kind, "{key} {path}");
            assert_eq!(err["code"], code, "{key} {path}");
            if key == "ratelimited-key" {
                assert_eq!(retry_after.unwrap(), "1");
            }
        }
        let resp = h
            .client
            .get(h.url("/v1/models"))
            .bearer_auth(key)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), status);
    }
    let err = error_of(
        h.post_with_key("/v1/chat/completions", chat("gpt-4o", "x"), Some("bad-key"))
            .await,
        401,
    )
    .await;
    assert_eq!(
        err["message"],
        "Incorrect API key provided: bad-****. You can find your API key at https://platform.openai.com/account/api-keys."
    );
    // Auth is checked before faults.
    let resp = h
        .post_with_key(
            "/v1/chat/completions",
            chat("error-500", "x"),
            Some("bad-key"),
        )
        .await;
    assert_eq!(resp.status(), 401);
    // Missing credentials are accepted (keyless providers), good keys too.
    let v: Value = h
        .post_with_key("/v1/chat/completions", chat("llama3", "keyless"), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["choices"][0]["message"]["content"], "Echo: keyless");
    h.post_json("/v1/chat/completions", chat("gpt-4o", "x"), 200)
        .await;
    // A non-bearer Authorization header is rejected.
    let resp = h
        .client
        .post(h.url("/v1/chat/completions"))
        .header("authorization", "Basic Zm9vOmJhcg==")
        .json(&chat("gpt-4o", "x"))
        .send()
        .await
        .unwrap();
    error_of(resp, 401).await;
}

#[tokio::test]
async fn configured_latency_and_record_limit() {
    let mock = MockUpstream::start_with(
        "127.0.0.1:0".parse().unwrap(),
        MockConfig {
            latency: Duration::from_millis(150),
            max_recorded: Some(2),
        },
    )
    .await
    .unwrap();
    let client = common::client();
    let url = format!("{}/v1/chat/completions", mock.base_url());
    for i in 0..3 {
        let start = Instant::now();
        let resp = client
            .post(&url)
            .json(&chat("gpt-4o", &format!("m{i}")))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        assert!(start.elapsed() >= Duration::from_millis(150));
    }
    assert_eq!(mock.request_count(), 3);
    let kept: Vec<Value> = mock
        .requests()
        .iter()
        .map(|r| r.json().unwrap()["messages"][0]["content"].clone())
        .collect();
    assert_eq!(kept, [json!("m1"), json!("m2")]);
}
