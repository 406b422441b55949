//! `POST /v1/responses` over HTTP: framing, faults, errors.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{error_of, read_until_error, start};
use serde_json::{Value, json};

/// Parses `event: <type>\ndata: <json>\n\n` events, checking that the names match the types.
fn named_events(body: &str) -> Vec<Value> {
    assert!(body.ends_with("\n\n"), "{body:?}");
    assert!(!body.contains("[DONE]"), "Responses streams have no [DONE]");
    body.split("\n\n")
        .filter(|e| !e.is_empty())
        .map(|e| {
            let (head, data) = e.split_once('\n').expect("two lines");
            let name = head.strip_prefix("event: ").expect("event line");
            let v: Value =
                serde_json::from_str(data.strip_prefix("data: ").expect("data line")).unwrap();
            assert_eq!(v["type"], name);
            v
        })
        .collect()
}

#[tokio::test]
async fn non_stream_and_stream_agree() {
    let h = start().await;
    let body = json!({"model": "gpt-4.1", "input": "Hello mock world"});
    let whole = h.post_json("/v1/responses", body.clone(), 200).await;
    assert_eq!(whole["object"], "response");
    assert_eq!(
        whole["output"][0]["content"][0]["text"],
        "Echo: Hello mock world"
    );
    let mut streamed = body;
    streamed["stream"] = json!(true);
    let resp = h.post("/v1/responses", streamed).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/event-stream");
    let events = named_events(&resp.text().await.unwrap());
    let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        [
            "response.created",
            "response.in_progress",
            "response.output_item.added",
            "response.content_part.added",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.done",
            "response.content_part.done",
            "response.output_item.done",
            "response.completed",
        ]
    );
    let done = &events.last().unwrap()["response"];
    assert_eq!(done["output"][0]["content"], whole["output"][0]["content"]);
    assert_eq!(done["usage"], whole["usage"]);
    assert_ne!(done["id"], whole["id"], "every response has its own id");
}

#[tokio::test]
async fn stream_error_fault_sends_an_error_event() {
    let h = start().await;
    let resp = h
        .post(
            "/v1/responses",
            json!({"model": "stream-error", "input": "a b c d", "stream": true}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let events = named_events(&resp.text().await.unwrap());
    let last = events.last().unwrap();
    assert_eq!(last["type"], "error");
    assert_eq!(last["code"], "server_error");
    assert!(events.iter().all(|e| e["type"] != "response.completed"));
}

#[tokio::test]
async fn truncated_stream_breaks_before_the_terminal_event() {
    let h = start().await;
    let resp = h
        .post(
            "/v1/responses",
            json!({"model": "truncated", "input": "a b c d", "stream": true}),
        )
        .await;
    let (body, failed) = read_until_error(resp).await;
    assert!(failed);
    assert!(body.contains("response.created"));
    assert!(!body.contains("response.completed"));
}

#[tokio::test]
async fn missing_input_is_openais_error() {
    let h = start().await;
    let err = error_of(h.post("/v1/responses", json!({"model": "m"})).await, 400).await;
    assert_eq!(err["param"], "input");
    assert_eq!(err["code"], "missing_required_parameter");
    let err = error_of(
        h.post("/responses", json!({"model": "error-503", "input": "x"}))
            .await,
        503,
    )
    .await;
    assert_eq!(err["type"], "server_error");
}
