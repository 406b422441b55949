//! Custom providers (`custom_provider_config` on base type `openai`): keyless calls, allowed
//! request types, path and full-URL overrides.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use bifrost_mock_upstream::MockUpstream;
use common::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_keyless_custom_provider_with_a_path_override() {
    let gw = start(|base| {
        json!({"providers": {"my-llm": {
            "keys": [],
            "network_config": {"base_url": base},
            "custom_provider_config": {
                "base_provider_type": "openai",
                "is_key_less": true,
                "allowed_requests": {"chat_completion": true, "chat_completion_stream": true},
                "request_path_overrides": {"chat_completion": "/chat/completions"},
            },
        }}})
    })
    .await;
    assert!(
        gw.gateway.loaded.warnings.is_empty(),
        "{:?}",
        gw.gateway.loaded.warnings
    );
    let body = ok_json(gw.chat("my-llm/local-model", "hi").await).await;
    assert_eq!(body["choices"][0]["message"]["content"], "Echo: hi");
    assert_eq!(body["extra_fields"]["provider"], "my-llm");
    let up = &gw.requests()[0];
    assert_eq!(
        up.path, "/chat/completions",
        "the override replaces the path"
    );
    assert_eq!(up.header("authorization"), None, "keyless: no credentials");
    assert_eq!(body_of(up)["model"], "local-model");

    // The stream has no override: the base type's default path.
    let mut stream = chat_body("my-llm/local-model", "hi");
    stream["stream"] = json!(true);
    let events = sse_events(gw.chat_json(&stream).await).await;
    assert_eq!(streamed_content(&events), "Echo: hi");
    assert_eq!(gw.requests()[1].path, "/v1/chat/completions");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn allowed_requests_block_the_others_clearly() {
    let gw = start(|base| {
        json!({"providers": {"my-llm": {
            "keys": [{"name": "k", "value": "sk-custom", "models": ["*"]}],
            "network_config": {"base_url": base},
            "custom_provider_config": {
                "base_provider_type": "openai",
                "allowed_requests": {"chat_completion": true, "embedding": false},
            },
        }}})
    })
    .await;
    let err = error_json(
        gw.post(
            "/v1/embeddings",
            &json!({"model": "my-llm/text-embedding-3-small", "input": "x"}),
        )
        .await,
        400,
    )
    .await;
    assert_eq!(err["error"]["code"], "unsupported_operation");
    assert_eq!(
        message(&err),
        "embedding is not supported by my-llm provider"
    );
    assert_eq!(err["extra_fields"]["provider"], "my-llm");
    assert_eq!(err["extra_fields"]["request_type"], "embedding");

    let err = error_json(
        gw.post(
            "/v1/completions",
            &json!({"model": "my-llm/m", "prompt": "x"}),
        )
        .await,
        400,
    )
    .await;
    assert_eq!(
        message(&err),
        "text_completion is not supported by my-llm provider"
    );
    assert_eq!(gw.upstream_calls(), 0);

    ok_json(gw.chat("my-llm/m", "hi").await).await;
    assert_eq!(gw.keys_used(), ["sk-custom"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_path_override_can_be_a_full_url() {
    let elsewhere = MockUpstream::start().await.unwrap();
    let full = format!("{}/v1/embeddings", elsewhere.base_url());
    let gw = start(|base| {
        json!({"providers": {"split": {
            "keys": [{"name": "k", "value": "sk-split", "models": ["*"]}],
            "network_config": {"base_url": base},
            "custom_provider_config": {
                "base_provider_type": "openai",
                "request_path_overrides": {"embedding": full},
            },
        }}})
    })
    .await;
    let body = ok_json(
        gw.post(
            "/v1/embeddings",
            &json!({"model": "split/text-embedding-3-small", "input": "x"}),
        )
        .await,
    )
    .await;
    assert_eq!(body["data"].as_array().unwrap().len(), 1);
    ok_json(gw.chat("split/gpt-4o", "hi").await).await;

    let there = elsewhere.requests();
    assert_eq!(there.len(), 1);
    assert_eq!(there[0].path, "/v1/embeddings");
    assert_eq!(there[0].header("authorization"), Some("Bearer sk-split"));
    let here = gw.requests();
    assert_eq!(here.len(), 1, "only the chat went to base_url");
    assert_eq!(here[0].path, "/v1/chat/completions");
}
