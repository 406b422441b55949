//! Timeouts and stream failures: request timeouts, idle streams, failures before the first
//! chunk (retried) and after it (a typed error event, never a clean end), client disconnects.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use futures::StreamExt;
use serde_json::{Value, json};

fn stream_body(model: &str) -> Value {
    let mut body = chat_body(model, "tell me a story");
    body["stream"] = json!(true);
    body
}

/// The error event a failed stream ends with (just before `[DONE]`), after at least one chunk.
fn final_error(events: &[Value]) -> &Value {
    assert!(events.len() >= 2, "{events:?}");
    let last = events.last().unwrap();
    assert!(last["error"].is_object(), "ends with an error: {last}");
    assert!(
        events[..events.len() - 1]
            .iter()
            .all(|e| e["object"] == "chat.completion.chunk"),
        "{events:?}"
    );
    last
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_timeout_is_a_504() {
    let gw = start(|base| {
        providers(&[(
            "openai",
            merge(
                one_key(base, GOOD_KEY),
                json!({"network_config": {"default_request_timeout_in_seconds": 1}}),
            ),
        )])
    })
    .await;
    let err = error_json(gw.chat("openai/slow-5000", "hi").await, 504).await;
    assert_eq!(err["error"]["code"], "request_timed_out");
    assert_eq!(err["error"]["type"], "request_timed_out");
    assert_eq!(err["is_bifrost_error"], true);
    assert!(
        message(&err).contains("default_request_timeout_in_seconds"),
        "{err}"
    );
    assert_eq!(err["extra_fields"]["provider"], "openai");
    assert_eq!(gw.upstream_calls(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_stream_ends_with_an_error_event_then_done() {
    let gw = start(|base| {
        providers(&[(
            "openai",
            merge(
                one_key(base, GOOD_KEY),
                json!({"network_config": {"stream_idle_timeout_in_seconds": 1}}),
            ),
        )])
    })
    .await;
    let events = sse_events(gw.chat_json(&stream_body("openai/slow-stream-5000")).await).await;
    let err = final_error(&events);
    assert_eq!(
        events.len(),
        2,
        "one chunk, then the idle timeout: {events:?}"
    );
    assert_eq!(events[0]["choices"][0]["delta"]["role"], "assistant");
    assert_eq!(err["status_code"], 504);
    assert_eq!(err["error"]["code"], "stream_idle_timeout");
    assert_eq!(err["extra_fields"]["provider"], "openai");
    assert_eq!(
        err["extra_fields"]["request_type"],
        "chat_completion_stream"
    );
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("stream_idle_timeout_in_seconds"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_failing_before_its_first_chunk_is_retried() {
    let gw =
        start(|base| providers(&[("openai", merge(one_key(base, GOOD_KEY), fast_retries(1)))]))
            .await;
    let events = sse_events(gw.chat_json(&stream_body("openai/flaky-1")).await).await;
    assert_eq!(streamed_content(&events), "Echo: tell me a story");
    assert!(events.iter().all(|e| e.get("error").is_none()));
    assert_eq!(gw.upstream_calls(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_error_before_the_first_chunk_is_a_plain_json_error() {
    let gw = start(|base| providers(&[("openai", one_key(base, GOOD_KEY))])).await;
    let err = error_json(gw.chat_json(&stream_body("openai/error-500")).await, 500).await;
    assert_eq!(message(&err), "mock upstream error 500");
    assert_eq!(
        err["extra_fields"]["request_type"],
        "chat_completion_stream"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_truncated_stream_ends_with_a_typed_error() {
    let gw =
        start(|base| providers(&[("openai", merge(one_key(base, GOOD_KEY), fast_retries(2)))]))
            .await;
    let events = sse_events(gw.chat_json(&stream_body("openai/truncated")).await).await;
    let err = final_error(&events);
    assert_eq!(err["status_code"], 502);
    assert_eq!(err["error"]["code"], "stream_interrupted");
    assert_eq!(err["error"]["type"], "upstream_error");
    assert_eq!(err["extra_fields"]["provider"], "openai");
    assert!(
        events
            .iter()
            .all(|e| e["choices"][0]["finish_reason"].is_null()),
        "no clean finish: {events:?}"
    );
    assert_eq!(gw.upstream_calls(), 1, "no retry after the first chunk");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upstream_error_event_mid_stream_is_relayed_typed() {
    let gw =
        start(|base| providers(&[("openai", merge(one_key(base, GOOD_KEY), fast_retries(2)))]))
            .await;
    let events = sse_events(gw.chat_json(&stream_body("openai/stream-error")).await).await;
    let err = final_error(&events);
    assert_eq!(err["is_bifrost_error"], false);
    assert_eq!(err["status_code"], 502);
    assert_eq!(err["error"]["message"], "mock mid-stream failure");
    assert_eq!(err["error"]["type"], "server_error");
    assert_eq!(err["extra_fields"]["provider"], "openai");
    assert!(!streamed_content(&events).is_empty(), "content came first");
    assert_eq!(gw.upstream_calls(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_leaving_mid_stream_leaves_the_gateway_healthy() {
    let gw = start(|base| providers(&[("openai", one_key(base, GOOD_KEY))])).await;
    let mut body = stream_body("openai/slow-stream-200");
    body["messages"][0]["content"] = json!("one two three four five six seven eight");
    let resp = gw.chat_json(&body).await;
    assert_eq!(resp.status(), 200);
    let mut chunks = resp.bytes_stream();
    let first = chunks.next().await.expect("a first chunk").expect("bytes");
    assert!(first.starts_with(b"data: {"), "{first:?}");
    drop(chunks);

    let answer = ok_json(gw.chat("openai/gpt-4o", "still there?").await).await;
    assert_eq!(
        answer["choices"][0]["message"]["content"],
        "Echo: still there?"
    );
    let events = sse_events(gw.chat_json(&stream_body("openai/gpt-4o")).await).await;
    assert_eq!(streamed_content(&events), "Echo: tell me a story");
    assert_eq!(ok_json(gw.get("/health").await).await["status"], "ok");
    let state = gw.provider("openai");
    wait_until("no call holds an admission slot", || {
        state.admission.in_flight() == 0
    })
    .await;
}
