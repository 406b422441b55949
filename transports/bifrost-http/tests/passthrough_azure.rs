//! `/azure_passthrough/...`: the caller's Azure OpenAI request sent unchanged to the key's
//! endpoint with the gateway's `api-key`, in both URL forms, streamed and not, with Azure's
//! errors relayed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use serde_json::{Value, json};

const AZURE_KEY: &str = "azure-gateway-key";
const CALLER_KEY: &str = "caller-own-azure-key";

async fn gateway(key: &str) -> Gw {
    let key = key.to_owned();
    start(move |base| {
        providers(&[(
            "azure",
            merge(
                json!({"keys": [{
                    "name": "az",
                    "value": key,
                    "models": ["*"],
                    "azure_key_config": {"endpoint": base, "api_version": "2024-10-21"}
                }]}),
                fast_retries(0),
            ),
        )])
    })
    .await
}

const SDK_HEADERS: &[(&str, &str)] = &[("api-key", CALLER_KEY)];

#[tokio::test]
async fn deployment_paths_reach_azure_with_the_gateways_key() {
    let gw = gateway(AZURE_KEY).await;
    let body = json!({"messages": [{"role": "user", "content": "hello azure"}]});
    let resp = gw
        .post_with(
            "/azure_passthrough/openai/deployments/my-gpt4o/chat/completions?api-version=2024-06-01",
            &body,
            SDK_HEADERS,
        )
        .await;
    let answer = ok_json(resp).await;
    assert_eq!(
        answer["choices"][0]["message"]["content"],
        "Echo: hello azure"
    );
    assert!(
        answer.get("prompt_filter_results").is_some(),
        "Azure's own answer: {answer}"
    );
    let reqs = gw.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(
        reqs[0].path,
        "/openai/deployments/my-gpt4o/chat/completions"
    );
    assert_eq!(reqs[0].query.as_deref(), Some("api-version=2024-06-01"));
    assert_eq!(reqs[0].header("api-key"), Some(AZURE_KEY));
    assert!(!format!("{:?}", reqs[0].headers).contains(CALLER_KEY));
    assert_eq!(body_of(&reqs[0]), body);

    // Without an api-version, one is added.
    let resp = gw
        .post_with(
            "/azure_passthrough/openai/deployments/my-gpt4o/embeddings",
            &json!({"input": "embed me"}),
            SDK_HEADERS,
        )
        .await;
    let answer = ok_json(resp).await;
    assert!(
        !answer["data"][0]["embedding"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let reqs = gw.requests();
    let query = reqs[1].query.as_deref().unwrap();
    assert!(query.starts_with("api-version="), "{query}");
}

#[tokio::test]
async fn the_v1_form_streams_unchanged() {
    let gw = gateway(AZURE_KEY).await;
    let body = json!({"model": "gpt-4o", "stream": true, "messages": [{"role": "user", "content": "stream azure"}]});
    let resp = gw
        .post_with(
            "/azure_passthrough/openai/v1/chat/completions",
            &body,
            SDK_HEADERS,
        )
        .await;
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let text = resp.text().await.unwrap();
    let events: Vec<Value> = json_events(&text);
    assert_eq!(streamed_content(&events), "Echo: stream azure");
    let reqs = gw.requests();
    assert_eq!(reqs[0].path, "/openai/v1/chat/completions");
    assert_eq!(reqs[0].query, None);
    assert_eq!(reqs[0].header("api-key"), Some(AZURE_KEY));
}

#[tokio::test]
async fn azures_errors_are_relayed() {
    let gw = gateway("bad-azure-key").await;
    let resp = gw
        .post_with(
            "/azure_passthrough/openai/deployments/my-gpt4o/chat/completions?api-version=2024-06-01",
            &json!({"messages": [{"role": "user", "content": "hi"}]}),
            SDK_HEADERS,
        )
        .await;
    let status = resp.status().as_u16();
    let body: Value = resp.json().await.unwrap();
    assert!(status == 401 || status == 502, "{status}: {body}");
    let text = body.to_string();
    assert!(
        !text.contains("bad-azure-key"),
        "the key is never echoed: {text}"
    );

    let gw = gateway(AZURE_KEY).await;
    let resp = gw
        .post_with(
            "/azure_passthrough/openai/deployments/error-429/chat/completions?api-version=2024-06-01",
            &json!({"messages": [{"role": "user", "content": "hi"}]}),
            SDK_HEADERS,
        )
        .await;
    assert_eq!(resp.status(), 429);
    let body: Value = resp.json().await.unwrap();
    assert!(body["error"].is_object(), "{body}");
}
