//! Fallbacks: tried in order, each with its own retries; the primary's error when all fail; none
//! after a caller error; unconfigured providers skipped.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use serde_json::{Value, json};

/// openai (2 retries), groq (1 retry) and mistral (no retries), each with its own key.
async fn gateway() -> Gw {
    start(|base| {
        providers(&[
            ("openai", merge(one_key(base, "sk-openai"), fast_retries(2))),
            ("groq", merge(one_key(base, "sk-groq"), fast_retries(1))),
            ("mistral", one_key(base, "sk-mistral")),
        ])
    })
    .await
}

fn with_fallbacks(model: &str, fallbacks: &[&str]) -> Value {
    let mut body = chat_body(model, "hi");
    body["fallbacks"] = json!(fallbacks);
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fallbacks_run_in_order_each_with_its_own_retries() {
    let gw = gateway().await;
    let body = with_fallbacks("openai/error-500", &["groq/error-502", "mistral/gpt-4o"]);
    let answer = ok_json(gw.chat_json(&body).await).await;
    assert_eq!(answer["choices"][0]["message"]["content"], "Echo: hi");
    let extra = &answer["extra_fields"];
    assert_eq!(extra["provider"], "mistral");
    assert_eq!(extra["fallback_index"], 2);
    assert_eq!(extra["model_requested"], "openai/error-500");
    let calls: Vec<(String, String)> = gw
        .requests()
        .iter()
        .map(|r| {
            (
                bearer(r).unwrap(),
                body_of(r)["model"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = [
        ("sk-openai", "error-500"),
        ("sk-openai", "error-500"),
        ("sk-openai", "error-500"),
        ("sk-groq", "error-502"),
        ("sk-groq", "error-502"),
        ("sk-mistral", "gpt-4o"),
    ]
    .iter()
    .map(|(k, m)| ((*k).to_owned(), (*m).to_owned()))
    .collect();
    assert_eq!(calls, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_primary_error_is_returned_when_every_fallback_fails() {
    let gw = gateway().await;
    let body = with_fallbacks("openai/error-503", &["groq/error-500", "mistral/error-504"]);
    let err = error_json(gw.chat_json(&body).await, 503).await;
    assert_eq!(message(&err), "mock upstream error 503");
    assert_eq!(err["extra_fields"]["provider"], "openai");
    assert_eq!(err["extra_fields"]["model_requested"], "openai/error-503");
    assert_eq!(gw.upstream_calls(), 3 + 2 + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_fallback_after_a_bad_request() {
    let gw = gateway().await;
    let body = with_fallbacks("openai/error-400", &["groq/gpt-4o"]);
    let err = error_json(gw.chat_json(&body).await, 400).await;
    assert_eq!(message(&err), "mock upstream error 400");
    assert_eq!(err["extra_fields"]["provider"], "openai");
    assert_eq!(gw.keys_used(), ["sk-openai"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unconfigured_fallback_providers_are_skipped() {
    let gw = gateway().await;
    let body = with_fallbacks(
        "mistral/error-500",
        &["cerebras/llama3.1-8b", "not a fallback", "groq/gpt-4o"],
    );
    let answer = ok_json(gw.chat_json(&body).await).await;
    assert_eq!(answer["extra_fields"]["provider"], "groq");
    assert_eq!(gw.keys_used(), ["sk-mistral", "sk-groq"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_fall_back_before_their_first_chunk() {
    let gw = gateway().await;
    let mut body = with_fallbacks("mistral/error-500", &["groq/gpt-4o"]);
    body["stream"] = json!(true);
    let events = sse_events(gw.chat_json(&body).await).await;
    assert_eq!(streamed_content(&events), "Echo: hi");
    for e in &events {
        assert_eq!(e["extra_fields"]["provider"], "groq");
        assert_eq!(e["extra_fields"]["fallback_index"], 1);
        assert_eq!(e["extra_fields"]["model_requested"], "mistral/error-500");
    }
    assert_eq!(gw.keys_used(), ["sk-mistral", "sk-groq"]);
}
