//! The OpenAI-compatible family: each provider reaches its own path with Bearer auth.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn family_members_use_their_paths_and_keys() {
    let gw = start(|base| {
        providers(&[
            ("groq", one_key(base, "sk-groq")),
            ("deepseek", one_key(base, "sk-deepseek")),
            ("perplexity", one_key(base, "sk-perplexity")),
            // A trailing slash on base_url is ignored.
            ("mistral", one_key(&format!("{base}/"), "sk-mistral")),
        ])
    })
    .await;
    let cases = [
        ("groq", "llama-3.3-70b-versatile", "/v1/chat/completions"),
        ("deepseek", "deepseek-chat", "/chat/completions"),
        ("perplexity", "sonar", "/chat/completions"),
        ("mistral", "mistral-small-latest", "/v1/chat/completions"),
    ];
    for (i, (name, model, path)) in cases.iter().enumerate() {
        let body = ok_json(gw.chat(&format!("{name}/{model}"), "hi").await).await;
        assert_eq!(body["extra_fields"]["provider"], *name);
        assert_eq!(body["choices"][0]["message"]["content"], "Echo: hi");
        let up = &gw.requests()[i];
        assert_eq!(up.path, *path, "{name}");
        assert_eq!(
            up.header("authorization"),
            Some(format!("Bearer sk-{name}").as_str()),
            "{name}"
        );
        assert_eq!(body_of(up)["model"], *model, "{name}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn family_members_refuse_what_they_do_not_serve() {
    let gw = start(|base| {
        providers(&[
            ("groq", one_key(base, "sk-groq")),
            ("mistral", one_key(base, "sk-mistral")),
        ])
    })
    .await;
    let err = error_json(
        gw.post(
            "/v1/embeddings",
            &serde_json::json!({"model": "groq/nomic-embed", "input": "x"}),
        )
        .await,
        400,
    )
    .await;
    assert_eq!(message(&err), "embedding is not supported by groq provider");
    assert_eq!(err["error"]["code"], "unsupported_operation");
    assert_eq!(gw.upstream_calls(), 0);

    ok_json(
        gw.post(
            "/v1/embeddings",
            &serde_json::json!({"model": "mistral/mistral-embed", "input": "x"}),
        )
        .await,
    )
    .await;
    let up = &gw.requests()[0];
    assert_eq!(up.path, "/v1/embeddings");
    assert_eq!(up.header("authorization"), Some("Bearer sk-mistral"));
}
