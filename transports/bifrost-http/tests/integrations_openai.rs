//! The OpenAI drop-in routes under `/openai` (with and without `/v1`), the Azure-SDK deployment
//! paths, and the framework prefixes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use serde_json::json;

async fn gateway() -> Gw {
    start(|base| {
        providers(&[
            ("openai", one_key(base, GOOD_KEY)),
            ("groq", one_key(base, GOOD_KEY)),
        ])
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bare_models_on_the_openai_routes_go_to_openai() {
    let gw = gateway().await;
    for path in ["/openai/v1/chat/completions", "/openai/chat/completions"] {
        let body = ok_json(gw.post(path, &chat_body("gpt-4o", "hi there")).await).await;
        assert_eq!(body["choices"][0]["message"]["content"], "Echo: hi there");
        assert_eq!(body["extra_fields"]["provider"], "openai");
        assert_eq!(body["extra_fields"]["model_requested"], "gpt-4o");
    }
    let last = gw.requests().pop().unwrap();
    assert_eq!(last.path, "/v1/chat/completions");
    assert_eq!(body_of(&last)["model"], "gpt-4o");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prefixed_models_reach_other_providers_through_the_openai_routes() {
    let gw = gateway().await;
    let body = ok_json(
        gw.post(
            "/openai/v1/chat/completions",
            &chat_body("groq/llama-3", "x"),
        )
        .await,
    )
    .await;
    assert_eq!(body["extra_fields"]["provider"], "groq");
    assert_eq!(body_of(&gw.requests()[0])["model"], "llama-3");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embeddings_completions_and_models_under_openai() {
    let gw = gateway().await;
    let emb = ok_json(
        gw.post(
            "/openai/v1/embeddings",
            &json!({"model": "text-embedding-3-small", "input": "abc"}),
        )
        .await,
    )
    .await;
    assert_eq!(emb["data"][0]["object"], "embedding");
    let text = ok_json(
        gw.post(
            "/openai/completions",
            &json!({"model": "gpt-3.5-turbo-instruct", "prompt": "say"}),
        )
        .await,
    )
    .await;
    assert_eq!(text["choices"][0]["text"], "Echo: say");
    let models = ok_json(gw.get("/openai/v1/models").await).await;
    let ids: Vec<&str> = models["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"openai/gpt-4o"), "{ids:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn azure_deployment_paths_use_the_deployment_as_the_model() {
    let gw = gateway().await;
    // A body without a provider prefix goes to the azure provider, which is not configured here.
    let resp = gw
        .post(
            "/openai/openai/deployments/my-gpt/chat/completions?api-version=2024-10-21",
            &json!({"messages": [{"role": "user", "content": "hi"}]}),
        )
        .await;
    assert_eq!(resp.status(), 400);
    let err: serde_json::Value = resp.json().await.unwrap();
    assert!(
        err["error"]["message"].as_str().unwrap().contains("azure"),
        "{err}"
    );
    assert_eq!(err["extra_fields"]["model_requested"], "my-gpt");
    // A prefixed model in the body reaches any provider.
    let body = ok_json(
        gw.post(
            "/openai/openai/deployments/ignored/chat/completions",
            &chat_body("openai/gpt-4o", "via azure sdk"),
        )
        .await,
    )
    .await;
    assert_eq!(
        body["choices"][0]["message"]["content"],
        "Echo: via azure sdk"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn framework_prefixes_expose_the_same_routes() {
    let gw = gateway().await;
    for prefix in ["/litellm", "/langchain", "/pydanticai"] {
        for path in ["/v1/chat/completions", "/openai/v1/chat/completions"] {
            let url = format!("{prefix}{path}");
            let body = ok_json(gw.post(&url, &chat_body("openai/gpt-4o", prefix)).await).await;
            assert_eq!(
                body["choices"][0]["message"]["content"],
                format!("Echo: {prefix}"),
                "{url}"
            );
        }
        let models = ok_json(gw.get(&format!("{prefix}/v1/models")).await).await;
        assert!(!models["data"].as_array().unwrap().is_empty());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_credentials_are_never_forwarded() {
    let gw = gateway().await;
    let resp = gw
        .post_with(
            "/openai/v1/chat/completions",
            &chat_body("gpt-4o", "secret"),
            &[
                ("authorization", "Bearer sk-client-key"),
                ("x-api-key", "client-x"),
                ("x-bf-vk", "sk-bf-vk"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 200);
    let req = &gw.requests()[0];
    assert_eq!(bearer(req).as_deref(), Some(GOOD_KEY));
    assert!(req.header("x-api-key").is_none());
    assert!(req.header("x-bf-vk").is_none());
}
