//! Key choice: weights, `models` allow-lists, `["*"]`, `blacklisted_models`, pins by name and
//! id, and `env.NAME` values.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use futures::future::join_all;
use serde_json::json;

/// Sends `n` chats for `model` (in concurrent batches) and asserts they all succeed.
async fn send_many(gw: &Gw, model: &str, n: usize) {
    for batch in 0..n.div_ceil(20) {
        let size = 20.min(n - batch * 20);
        let answers = join_all((0..size).map(|_| gw.chat(model, "hi"))).await;
        for resp in answers {
            assert_eq!(resp.status(), 200);
        }
    }
}

fn count(keys: &[String], key: &str) -> usize {
    keys.iter().filter(|k| *k == key).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_are_chosen_by_weight() {
    let gw = start(|base| {
        providers(&[(
            "openai",
            provider(base, json!([key("sk-heavy", 3.0), key("sk-light", 1.0)])),
        )])
    })
    .await;
    send_many(&gw, "openai/gpt-4o", 400).await;
    let keys = gw.keys_used();
    assert_eq!(keys.len(), 400);
    let heavy = count(&keys, "sk-heavy");
    assert_eq!(heavy + count(&keys, "sk-light"), 400);
    // Expected 300 with a standard deviation of about 8.7: these bounds are 7 deviations wide.
    assert!((240..=360).contains(&heavy), "sk-heavy served {heavy}/400");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn models_lists_restrict_keys() {
    let gw = start(|base| {
        providers(&[(
            "openai",
            provider(
                base,
                json!([
                    {"name": "mini", "value": "sk-mini", "models": ["gpt-4o-mini"]},
                    {"name": "big", "value": "sk-big", "models": ["gpt-4o"]},
                    {"name": "any", "value": "sk-any", "models": ["*"]},
                    {"name": "none", "value": "sk-none", "models": []},
                ]),
            ),
        )])
    })
    .await;
    send_many(&gw, "openai/gpt-4o-mini", 30).await;
    let keys = gw.keys_used();
    assert!(
        keys.iter().all(|k| k == "sk-mini" || k == "sk-any"),
        "{keys:?}"
    );
    assert!(count(&keys, "sk-mini") > 0 && count(&keys, "sk-any") > 0);

    gw.mock.clear();
    send_many(&gw, "openai/some-other-model", 20).await;
    assert!(
        gw.keys_used().iter().all(|k| k == "sk-any"),
        "only [\"*\"] serves unlisted models"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_key_for_the_model_is_a_clear_error() {
    let gw = start(|base| {
        providers(&[(
            "openai",
            provider(
                base,
                json!([{"name": "mini", "value": "sk-mini", "models": ["gpt-4o-mini"]}]),
            ),
        )])
    })
    .await;
    let err = error_json(gw.chat("openai/gpt-4o", "hi").await, 400).await;
    assert_eq!(message(&err), "no keys found that support model: gpt-4o");
    assert_eq!(err["error"]["code"], "no_keys");
    assert_eq!(err["extra_fields"]["provider"], "openai");
    assert_eq!(gw.upstream_calls(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blacklisted_models_win_over_wildcards() {
    let gw = start(|base| {
        providers(&[(
            "openai",
            provider(
                base,
                json!([
                    {"name": "a", "value": "sk-a", "models": ["*"], "blacklisted_models": ["gpt-4o"]},
                    {"name": "b", "value": "sk-b", "models": ["*"]},
                ]),
            ),
        )])
    })
    .await;
    send_many(&gw, "openai/gpt-4o", 20).await;
    assert!(gw.keys_used().iter().all(|k| k == "sk-b"));

    gw.mock.clear();
    send_many(&gw, "openai/gpt-4o-mini", 30).await;
    let keys = gw.keys_used();
    assert!(count(&keys, "sk-a") > 0, "sk-a still serves other models");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pins_by_name_and_id() {
    let gw = start(|base| {
        providers(&[(
            "openai",
            provider(
                base,
                json!([
                    {"id": "id-a", "name": "alpha", "value": "sk-a", "models": ["*"]},
                    {"id": "id-b", "name": "beta", "value": "sk-b", "models": ["*"]},
                    {"id": "id-c", "name": "gamma", "value": "sk-c", "models": ["*"]},
                ]),
            ),
        )])
    })
    .await;
    let body = chat_body("openai/gpt-4o", "hi");
    for _ in 0..10 {
        let r = gw
            .post_with("/v1/chat/completions", &body, &[("x-bf-api-key", "beta")])
            .await;
        ok_json(r).await;
    }
    assert!(gw.keys_used().iter().all(|k| k == "sk-b"));

    gw.mock.clear();
    for _ in 0..10 {
        let r = gw
            .post_with(
                "/v1/chat/completions",
                &body,
                &[("x-bf-api-key-id", "id-c"), ("x-bf-api-key", "beta")],
            )
            .await;
        ok_json(r).await;
    }
    assert!(
        gw.keys_used().iter().all(|k| k == "sk-c"),
        "the id pin wins over the name pin"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_pins_are_rejected_without_calling_upstream() {
    let gw = start(|base| {
        providers(&[(
            "openai",
            provider(
                base,
                json!([{"id": "id-a", "name": "alpha", "value": "sk-a", "models": ["*"]}]),
            ),
        )])
    })
    .await;
    let body = chat_body("openai/gpt-4o", "hi");
    let r = gw
        .post_with("/v1/chat/completions", &body, &[("x-bf-api-key", "nope")])
        .await;
    let err = error_json(r, 400).await;
    assert_eq!(
        message(&err),
        "no supported key found with name \"nope\" for provider: openai and model: gpt-4o"
    );
    assert_eq!(err["error"]["code"], "key_not_found");
    let r = gw
        .post_with(
            "/v1/chat/completions",
            &body,
            &[("x-bf-api-key-id", "id-zzz")],
        )
        .await;
    let err = error_json(r, 400).await;
    assert_eq!(
        message(&err),
        "no supported key found with id \"id-zzz\" for provider: openai and model: gpt-4o"
    );
    assert_eq!(gw.upstream_calls(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn env_key_values_are_resolved_and_missing_ones_skipped() {
    // Cargo and nextest set CARGO_PKG_NAME for every test process.
    let from_env = std::env::var("CARGO_PKG_NAME").expect("CARGO_PKG_NAME is set by cargo");
    let gw = start(|base| {
        providers(&[(
            "openai",
            provider(
                base,
                json!([
                    {"name": "from-env", "value": "env.CARGO_PKG_NAME", "models": ["*"]},
                    {"name": "missing", "value": "env.BIFROST_IT_SURELY_UNSET_VAR", "models": ["*"]},
                ]),
            ),
        )])
    })
    .await;
    let warning = gw
        .gateway
        .loaded
        .warnings
        .iter()
        .find(|w| w.path == "providers.openai.keys[1].value")
        .expect("the missing variable is reported");
    assert_eq!(
        warning.message,
        "environment variable BIFROST_IT_SURELY_UNSET_VAR is not set; the key is skipped"
    );
    send_many(&gw, "openai/gpt-4o", 10).await;
    let keys = gw.keys_used();
    assert!(keys.iter().all(|k| *k == from_env), "{keys:?}");
    let r = gw
        .post_with(
            "/v1/chat/completions",
            &chat_body("openai/gpt-4o", "hi"),
            &[("x-bf-api-key", "missing")],
        )
        .await;
    error_json(r, 400).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disabled_keys_are_never_used_and_aliases_rename_the_model() {
    let gw = start(|base| {
        providers(&[(
            "openai",
            provider(
                base,
                json!([
                    {"name": "off", "value": "sk-off", "models": ["*"], "enabled": false},
                    {"name": "on", "value": "sk-on", "models": ["*"],
                     "aliases": {"gpt-4o": "gpt-4o-2024-08-06"}},
                ]),
            ),
        )])
    })
    .await;
    send_many(&gw, "openai/gpt-4o", 10).await;
    assert!(gw.keys_used().iter().all(|k| k == "sk-on"));
    let models: Vec<String> = gw
        .requests()
        .iter()
        .map(|r| body_of(r)["model"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        models.iter().all(|m| m == "gpt-4o-2024-08-06"),
        "{models:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_that_cannot_be_a_header_is_a_clear_error_that_never_quotes_it() {
    let gw = start(|base| {
        providers(&[(
            "openai",
            provider(
                base,
                json!([{ "name": "broken", "value": "sk-line\nbreak", "models": ["*"] }]),
            ),
        )])
    })
    .await;
    let resp = gw.chat("openai/gpt-4o", "hi").await;
    assert_eq!(resp.status(), 400);
    let body = resp.text().await.unwrap();
    assert!(
        body.contains("key \\\"broken\\\" of provider openai"),
        "{body}"
    );
    assert!(body.contains("cannot be sent in an HTTP header"), "{body}");
    assert!(!body.contains("sk-line"), "the key leaked: {body}");
    assert_eq!(gw.upstream_calls(), 0);
}
