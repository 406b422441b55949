//! What reaches the upstream: unknown fields verbatim, never `fallbacks`, configured and
//! per-request headers; and what comes back with `send_back_raw_response`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_fields_reach_the_upstream_unchanged() {
    let gw = start(|base| providers(&[("openai", one_key(base, GOOD_KEY))])).await;
    let body = json!({
        "model": "openai/gpt-4o",
        "messages": [
            {"role": "system", "content": "be brief", "x_cache_hint": {"ttl": 30}},
            {"role": "user", "content": [
                {"type": "text", "text": "hi", "cache_control": {"type": "ephemeral"}}
            ], "name": "ann", "vendor_flag": true}
        ],
        "store": true,
        "prediction": {"type": "content", "content": "Echo: hi"},
        "service_tier": "flex",
        "vendor_extension": {"nested": [1, 2, {"deep": null}]},
        "temperature": 0.25,
        "seed": 7,
    });
    ok_json(gw.chat_json(&body).await).await;
    let sent = body_of(&gw.requests()[0]);
    assert_eq!(sent["store"], true);
    assert_eq!(
        sent["prediction"],
        json!({"type": "content", "content": "Echo: hi"})
    );
    assert_eq!(sent["service_tier"], "flex");
    assert_eq!(
        sent["vendor_extension"],
        json!({"nested": [1, 2, {"deep": null}]})
    );
    assert_eq!(sent["temperature"], 0.25);
    assert_eq!(sent["seed"], 7);
    assert_eq!(sent["messages"][0]["x_cache_hint"], json!({"ttl": 30}));
    assert_eq!(sent["messages"][1]["vendor_flag"], true);
    assert_eq!(sent["messages"][1]["name"], "ann");
    assert_eq!(
        sent["messages"][1]["content"][0],
        json!({"type": "text", "text": "hi", "cache_control": {"type": "ephemeral"}})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fallbacks_are_never_forwarded() {
    let gw = start(|base| {
        providers(&[
            ("openai", one_key(base, "sk-openai")),
            ("groq", one_key(base, "sk-groq")),
        ])
    })
    .await;
    let mut body = chat_body("openai/error-500", "hi");
    body["fallbacks"] = json!(["groq/gpt-4o"]);
    let answer = ok_json(gw.chat_json(&body).await).await;
    assert_eq!(answer["extra_fields"]["provider"], "groq");
    let reqs = gw.requests();
    assert_eq!(reqs.len(), 2);
    for r in &reqs {
        let sent = body_of(r);
        assert!(sent.get("fallbacks").is_none(), "forwarded: {sent}");
    }
    assert_eq!(body_of(&reqs[1])["model"], "gpt-4o");

    let mut emb = json!({"model": "openai/text-embedding-3-small", "input": "x"});
    emb["fallbacks"] = json!(["groq/text-embedding-3-small"]);
    ok_json(gw.post("/v1/embeddings", &emb).await).await;
    assert!(body_of(&gw.requests()[2]).get("fallbacks").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn network_extra_headers_reach_the_upstream() {
    let gw = start(|base| {
        let p = merge(
            one_key(base, GOOD_KEY),
            json!({"network_config": {"extra_headers": {
                "OpenAI-Organization": "org-123",
                "X-Team": "search"
            }}}),
        );
        providers(&[("openai", p)])
    })
    .await;
    ok_json(gw.chat("openai/gpt-4o", "hi").await).await;
    ok_json(
        gw.post(
            "/v1/embeddings",
            &json!({"model": "openai/text-embedding-3-small", "input": "x"}),
        )
        .await,
    )
    .await;
    for r in gw.requests() {
        assert_eq!(
            r.header("openai-organization"),
            Some("org-123"),
            "{}",
            r.path
        );
        assert_eq!(r.header("x-team"), Some("search"), "{}", r.path);
        assert_eq!(r.header("authorization"), Some("Bearer sk-good"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bf_eh_headers_are_forwarded_but_never_credentials() {
    let gw = start(|base| providers(&[("openai", one_key(base, GOOD_KEY))])).await;
    let resp = gw
        .post_with(
            "/v1/chat/completions",
            &chat_body("openai/gpt-4o", "hi"),
            &[
                ("x-bf-eh-x-trace-id", "trace-7"),
                ("x-bf-eh-openai-project", "proj-9"),
                ("x-bf-eh-authorization", "Bearer stolen"),
                ("x-bf-eh-x-api-key", "stolen"),
                ("x-unrelated", "stays-here"),
            ],
        )
        .await;
    ok_json(resp).await;
    let up = &gw.requests()[0];
    assert_eq!(up.header("x-trace-id"), Some("trace-7"));
    assert_eq!(up.header("openai-project"), Some("proj-9"));
    assert_eq!(up.header("authorization"), Some("Bearer sk-good"));
    assert_eq!(up.header("x-api-key"), None);
    assert_eq!(
        up.header("x-unrelated"),
        None,
        "only x-bf-eh-* is forwarded"
    );
    let auth_headers = up
        .headers
        .iter()
        .filter(|(k, _)| k == "authorization")
        .count();
    assert_eq!(auth_headers, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_back_raw_response_from_config_and_header() {
    let gw = start(|base| {
        providers(&[
            (
                "openai",
                merge(
                    one_key(base, "sk-openai"),
                    json!({"send_back_raw_response": true}),
                ),
            ),
            ("groq", one_key(base, "sk-groq")),
        ])
    })
    .await;
    let body = ok_json(gw.chat("openai/gpt-4o", "raw please").await).await;
    let raw = &body["extra_fields"]["raw_response"];
    assert_eq!(raw["object"], "chat.completion");
    assert_eq!(raw["choices"][0]["message"]["content"], "Echo: raw please");
    assert_eq!(raw["id"], body["id"]);
    assert!(raw.get("extra_fields").is_none(), "the upstream's own body");

    let plain = ok_json(gw.chat("groq/gpt-4o", "no raw").await).await;
    assert!(plain["extra_fields"].get("raw_response").is_none());

    let resp = gw
        .post_with(
            "/v1/chat/completions",
            &chat_body("groq/gpt-4o", "raw by header"),
            &[("x-bf-send-back-raw-response", "true")],
        )
        .await;
    let with_header = ok_json(resp).await;
    assert_eq!(
        with_header["extra_fields"]["raw_response"]["choices"][0]["message"]["content"],
        "Echo: raw by header"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn required_headers_and_header_filters_apply() {
    let gw = start(|base| {
        let mut cfg = providers(&[("openai", one_key(base, GOOD_KEY))]);
        cfg["client"] = json!({
            "required_headers": ["x-team"],
            "header_filter_config": {"denylist": ["x-secret-trace"]},
        });
        cfg
    })
    .await;
    let body = chat_body("openai/gpt-4o", "hi");
    let err = error_json(gw.post("/v1/chat/completions", &body).await, 400).await;
    assert_eq!(err["error"]["code"], "missing_required_header");
    assert!(message(&err).contains("\"x-team\""), "{err}");
    assert_eq!(gw.upstream_calls(), 0);

    let resp = gw
        .post_with(
            "/v1/chat/completions",
            &body,
            &[
                ("x-team", "search"),
                ("x-bf-eh-x-secret-trace", "no"),
                ("x-bf-eh-x-public-trace", "yes"),
            ],
        )
        .await;
    ok_json(resp).await;
    let up = &gw.requests()[0];
    assert_eq!(up.header("x-secret-trace"), None);
    assert_eq!(up.header("x-public-trace"), Some("yes"));
}
