//! `provider/model` parsing: nested model ids, bare models resolved through keys' `models`
//! lists, and clear errors when no provider can be found.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openrouter_keeps_the_rest_of_the_model_id() {
    let gw = start(|base| {
        providers(&[
            ("openai", one_key(base, "sk-openai")),
            ("openrouter", one_key(base, "sk-openrouter")),
        ])
    })
    .await;
    let body = ok_json(gw.chat("openrouter/openai/gpt-4o", "hi").await).await;
    assert_eq!(body["extra_fields"]["provider"], "openrouter");
    assert_eq!(
        body["extra_fields"]["model_requested"],
        "openrouter/openai/gpt-4o"
    );
    let up = &gw.requests()[0];
    assert_eq!(up.path, "/v1/chat/completions");
    assert_eq!(bearer(up).as_deref(), Some("sk-openrouter"));
    assert_eq!(body_of(up)["model"], "openai/gpt-4o");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bare_model_resolves_through_a_keys_models_list() {
    let gw = start(|base| {
        providers(&[
            ("openai", one_key(base, "sk-openai")),
            (
                "groq",
                provider(
                    base,
                    json!([{"name": "g", "value": "sk-groq", "models": ["llama-3.3-70b"]}]),
                ),
            ),
        ])
    })
    .await;
    let body = ok_json(gw.chat("llama-3.3-70b", "hi").await).await;
    assert_eq!(body["extra_fields"]["provider"], "groq");
    assert_eq!(body["extra_fields"]["model_requested"], "llama-3.3-70b");
    let up = &gw.requests()[0];
    assert_eq!(bearer(up).as_deref(), Some("sk-groq"));
    assert_eq!(body_of(up)["model"], "llama-3.3-70b");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_model_without_provider_gets_a_clear_error() {
    let gw = start(|base| providers(&[("openai", one_key(base, GOOD_KEY))])).await;
    let err = error_json(gw.chat("gpt-4o", "hi").await, 400).await;
    assert_eq!(err["error"]["type"], "invalid_request_error");
    assert_eq!(err["error"]["param"], "model");
    let msg = message(&err);
    assert!(
        msg.starts_with("provider is required in model field (format: provider/model)"),
        "{msg}"
    );
    assert!(msg.contains("\"gpt-4o\""), "{msg}");
    assert!(msg.contains("configured providers: openai"), "{msg}");

    let err = error_json(gw.chat("nosuchprovider/gpt-4o", "hi").await, 400).await;
    assert!(
        message(&err).starts_with("provider is required in model field"),
        "{err}"
    );
    assert_eq!(gw.upstream_calls(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_known_but_unconfigured_provider_is_named() {
    let gw = start(|base| providers(&[("openai", one_key(base, GOOD_KEY))])).await;
    let err = error_json(gw.chat("groq/llama-3.3-70b", "hi").await, 400).await;
    assert_eq!(err["error"]["code"], "provider_not_configured");
    assert_eq!(
        message(&err),
        "provider \"groq\" is not configured (configured providers: openai)"
    );
    assert_eq!(err["extra_fields"]["provider"], "groq");
    assert_eq!(err["extra_fields"]["model_requested"], "groq/llama-3.3-70b");
    assert_eq!(gw.upstream_calls(), 0);
}
