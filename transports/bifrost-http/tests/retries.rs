//! Retry classification as Bifrost does it: 5xx on the same key, 429 on another key,
//! 401/402/403 retire the key without spending a retry, 400/404/422 are final.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use serde_json::{Value, json};

async fn gateway(keys: Value, max_retries: u32) -> Gw {
    start(|base| {
        providers(&[(
            "openai",
            merge(provider(base, keys), fast_retries(max_retries)),
        )])
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_retry_on_the_same_key_until_success() {
    let gw = gateway(json!([key("sk-a", 1.0), key("sk-b", 1.0)]), 3).await;
    let body = ok_json(gw.chat("openai/flaky-2", "hi").await).await;
    assert_eq!(body["choices"][0]["message"]["content"], "Echo: hi");
    let keys = gw.keys_used();
    assert_eq!(keys.len(), 3, "two failures, then success");
    assert!(keys.iter().all(|k| *k == keys[0]), "same key: {keys:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_stop_after_max_retries_with_the_upstream_error() {
    let gw = gateway(json!([key("sk-a", 1.0), key("sk-b", 1.0)]), 2).await;
    let err = error_json(gw.chat("openai/error-503", "hi").await, 503).await;
    assert_eq!(err["is_bifrost_error"], false);
    assert_eq!(message(&err), "mock upstream error 503");
    assert_eq!(err["error"]["type"], "server_error");
    assert_eq!(err["extra_fields"]["provider"], "openai");
    assert_eq!(err["extra_fields"]["request_type"], "chat_completion");
    assert_eq!(err["extra_fields"]["model_requested"], "openai/error-503");
    let keys = gw.keys_used();
    assert_eq!(keys.len(), 3, "1 attempt + max_retries 2");
    assert!(keys.iter().all(|k| *k == keys[0]), "same key: {keys:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_retries_a_server_error_is_returned_at_once() {
    let gw = gateway(json!([key("sk-a", 1.0)]), 0).await;
    let err = error_json(gw.chat("openai/error-500", "hi").await, 500).await;
    assert_eq!(message(&err), "mock upstream error 500");
    assert_eq!(gw.upstream_calls(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_rotate_to_another_key() {
    // The rate-limited key is the only one with weight, so it is always tried first; after its
    // 429 (with Retry-After: 1) the zero-weight key is the only one left.
    let gw = gateway(json!([key("ratelimited-1", 1.0), key("sk-good", 0.0)]), 1).await;
    let body = ok_json(gw.chat("openai/gpt-4o", "hi").await).await;
    assert_eq!(body["choices"][0]["message"]["content"], "Echo: hi");
    assert_eq!(gw.keys_used(), ["ratelimited-1", "sk-good"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_spend_retries_across_keys_then_fail() {
    let gw = gateway(
        json!([key("ratelimited-1", 1.0), key("ratelimited-2", 1.0)]),
        2,
    )
    .await;
    let err = error_json(gw.chat("openai/gpt-4o", "hi").await, 429).await;
    assert_eq!(err["is_bifrost_error"], false);
    assert_eq!(err["error"]["code"], "rate_limit_exceeded");
    assert_eq!(
        message(&err),
        "Rate limit reached for requests. Please try again in 1s."
    );
    let keys = gw.keys_used();
    assert_eq!(keys.len(), 3, "1 attempt + max_retries 2: {keys:?}");
    assert_ne!(keys[0], keys[1], "the second attempt rotates: {keys:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_keys_rotate_without_spending_retries() {
    // max_retries 0: only key retirement (401/402/403) may try another key.
    let gw = gateway(
        json!([
            key("bad-key", 1.0),
            key("payment-key", 1.0),
            key("forbidden-key", 1.0),
            key("sk-good", 0.0),
        ]),
        0,
    )
    .await;
    let body = ok_json(gw.chat("openai/gpt-4o", "hi").await).await;
    assert_eq!(body["choices"][0]["message"]["content"], "Echo: hi");
    let keys = gw.keys_used();
    assert_eq!(keys.len(), 4, "{keys:?}");
    let mut dead = keys[..3].to_vec();
    dead.sort();
    assert_eq!(dead, ["bad-key", "forbidden-key", "payment-key"]);
    assert_eq!(keys[3], "sk-good");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn all_keys_dead_is_credentials_exhausted() {
    let gw = gateway(
        json!([
            key("bad-1", 1.0),
            key("forbidden-1", 1.0),
            key("payment-1", 1.0)
        ]),
        5,
    )
    .await;
    let err = error_json(gw.chat("openai/gpt-4o", "hi").await, 502).await;
    assert_eq!(err["is_bifrost_error"], false, "as Bifrost reports it");
    assert_eq!(err["error"]["type"], "upstream_credentials_exhausted");
    assert_eq!(err["error"]["code"], "upstream_credentials_exhausted");
    assert_eq!(
        message(&err),
        "all configured keys returned permanent per-key errors (401/402/403)"
    );
    assert_eq!(err["extra_fields"]["provider"], "openai");
    let mut keys = gw.keys_used();
    keys.sort();
    assert_eq!(keys, ["bad-1", "forbidden-1", "payment-1"], "each key once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_errors_are_not_retried() {
    let gw = gateway(json!([key("sk-a", 1.0), key("sk-b", 1.0)]), 3).await;
    for status in [400u16, 404, 422] {
        gw.mock.clear();
        let err = error_json(
            gw.chat(&format!("openai/error-{status}"), "hi").await,
            status,
        )
        .await;
        assert_eq!(message(&err), format!("mock upstream error {status}"));
        assert_eq!(err["error"]["type"], "invalid_request_error");
        assert_eq!(err["is_bifrost_error"], false);
        assert_eq!(
            gw.upstream_calls(),
            1,
            "status {status} must not be retried"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pinned_dead_key_is_not_rotated_away_from() {
    let gw = gateway(json!([key("bad-key", 1.0), key("sk-good", 1.0)]), 2).await;
    let r = gw
        .post_with(
            "/v1/chat/completions",
            &chat_body("openai/gpt-4o", "hi"),
            &[("x-bf-api-key", "bad-key")],
        )
        .await;
    let err = error_json(r, 401).await;
    assert_eq!(err["error"]["code"], "invalid_api_key");
    assert_eq!(gw.keys_used(), ["bad-key"]);
}
