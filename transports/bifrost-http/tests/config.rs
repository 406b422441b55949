//! `config.json` at start-up: unsupported fields reported by path, invalid values refused with
//! path and reason, known-but-unimplemented providers skipped, and a zero-config start.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use bifrost_core::config::Severity;
use bifrost_http::config_load::StartupError;
use common::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsupported_fields_are_reported_with_their_path() {
    let gw = start(|base| {
        json!({
            "governance": {"virtual_keys": []},
            "client": {"enable_logging": true, "drop_excess_requests": false, "colour": "blue"},
            "providers": {"openai": {
                "keys": [{"name": "k", "value": "sk-good", "models": ["*"], "shiny": 1}],
                "network_config": {"base_url": base, "stream_throughput_guard": {}},
            }},
        })
    })
    .await;
    let warnings = &gw.gateway.loaded.warnings;
    let find = |path: &str| {
        warnings
            .iter()
            .find(|w| w.path == path)
            .unwrap_or_else(|| panic!("no warning for {path}: {warnings:?}"))
    };
    for path in [
        "governance",
        "client.enable_logging",
        "providers.openai.network_config.stream_throughput_guard",
    ] {
        let w = find(path);
        assert_eq!(w.severity, Severity::Warning);
        assert_eq!(
            w.message,
            "Bifrost setting not supported by this build yet; ignored"
        );
    }
    for path in ["client.colour", "providers.openai.keys[0].shiny"] {
        assert!(
            find(path).message.starts_with("unknown setting; ignored"),
            "{path}"
        );
    }
    assert!(
        warnings
            .iter()
            .all(|w| w.path != "client.drop_excess_requests"),
        "supported fields are not reported"
    );
    // The gateway serves anyway.
    ok_json(gw.chat("openai/gpt-4o", "hi").await).await;
}

#[test]
fn invalid_values_fail_start_up_with_path_and_reason() {
    let err = load(&json!({"providers": {
        "openai": {"keys": [{"name": "k", "value": "sk", "weight": -1}]},
        "groq": {"keys": [], "network_config": {"base_url": "ftp://example.com"}},
    }}))
    .unwrap_err();
    let StartupError::Invalid { path, problems } = &err else {
        panic!("expected Invalid, got {err:?}");
    };
    assert!(path.ends_with("config.json"));
    let weight = problems
        .iter()
        .find(|p| p.path == "providers.openai.keys[0].weight")
        .unwrap_or_else(|| panic!("{problems:?}"));
    assert_eq!(
        weight.message,
        "weight must be a finite number >= 0, not -1"
    );
    let url = problems
        .iter()
        .find(|p| p.path == "providers.groq.network_config.base_url")
        .unwrap_or_else(|| panic!("{problems:?}"));
    assert_eq!(url.message, "\"ftp://example.com\" is not an http(s) URL");
    assert!(problems.iter().all(|p| p.severity == Severity::Error));
    let shown = err.to_string();
    assert!(
        shown.contains("providers.openai.keys[0].weight: weight must be a finite number"),
        "{shown}"
    );
    assert!(shown.contains("config.json is invalid"), "{shown}");
}

#[test]
fn wrongly_typed_values_fail_start_up_with_path() {
    let err =
        load(&json!({"providers": {"openai": {"keys": [{"value": "sk", "weight": "heavy"}]}}}))
            .unwrap_err();
    let StartupError::Invalid { problems, .. } = &err else {
        panic!("expected Invalid, got {err:?}");
    };
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].path, "providers.openai.keys[0].weight");
    assert!(
        problems[0]
            .message
            .starts_with("invalid type: string \"heavy\""),
        "{}",
        problems[0].message
    );

    let err = load(&json!({"providers": {"mystery": {"keys": []}}})).unwrap_err();
    let StartupError::Invalid { problems, .. } = &err else {
        panic!("expected Invalid, got {err:?}");
    };
    assert_eq!(problems[0].path, "providers.mystery");
    assert!(
        problems[0].message.starts_with("unknown provider"),
        "{problems:?}"
    );
}

#[test]
fn a_config_that_is_not_json_fails_start_up() {
    let dir = TempDir::new();
    std::fs::write(dir.path().join("config.json"), b"{ \"providers\": ").unwrap();
    let err = bifrost_http::Gateway::load(dir.path()).unwrap_err();
    let StartupError::Invalid { problems, .. } = &err else {
        panic!("expected Invalid, got {err:?}");
    };
    assert_eq!(problems[0].path, "providers");
    assert!(
        problems[0].message.starts_with("EOF while parsing"),
        "{problems:?}"
    );

    std::fs::write(dir.path().join("config.json"), b"{ not json").unwrap();
    let err = bifrost_http::Gateway::load(dir.path()).unwrap_err();
    let StartupError::Invalid { problems, .. } = &err else {
        panic!("expected Invalid, got {err:?}");
    };
    assert_eq!(
        problems[0].path, "$",
        "a syntax error at the top names the root"
    );
    assert!(
        problems[0].message.starts_with("key must be a string"),
        "{problems:?}"
    );
    assert!(err.to_string().contains("$: key must be a string"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_known_but_unimplemented_provider_is_skipped_and_named() {
    let gw = start(|base| {
        json!({"providers": {
            "replicate": {"keys": [{"name": "r", "value": "r8_test", "models": ["*"]}]},
            "openai": {"keys": [{"name": "k", "value": "sk-good", "models": ["*"]}],
                       "network_config": {"base_url": base}},
        }})
    })
    .await;
    let notice = gw
        .gateway
        .loaded
        .warnings
        .iter()
        .find(|w| w.path == "providers.replicate")
        .expect("replicate is reported");
    assert!(
        notice
            .message
            .contains("\"replicate\" is not supported by this build"),
        "{notice:?}"
    );

    let err = error_json(gw.chat("replicate/meta/llama-3-8b", "hi").await, 400).await;
    assert_eq!(err["error"]["code"], "provider_not_supported");
    assert!(
        message(&err).starts_with("provider \"replicate\" is not supported by this build"),
        "{err}"
    );
    assert_eq!(err["extra_fields"]["provider"], "replicate");
    assert_eq!(gw.upstream_calls(), 0);

    ok_json(gw.chat("openai/gpt-4o", "hi").await).await;
    let models = ok_json(gw.get("/v1/models").await).await;
    assert!(
        models["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["id"].as_str().unwrap().starts_with("openai/")),
        "{models}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zero_config_start_explains_how_to_add_a_provider() {
    let gw = start_zero_config().await;
    assert!(gw.gateway.loaded.warnings.is_empty());
    let models = ok_json(gw.get("/v1/models").await).await;
    assert_eq!(models["data"], json!([]));
    assert_eq!(ok_json(gw.get("/health").await).await["status"], "ok");

    let err = error_json(gw.chat("openai/gpt-4o", "hi").await, 400).await;
    assert_eq!(err["error"]["code"], "provider_not_configured");
    assert_eq!(
        message(&err),
        "provider \"openai\" is not configured (no provider is configured yet: add one to config.json under \"providers\")"
    );
    let err = error_json(gw.chat("gpt-4o", "hi").await, 400).await;
    assert!(
        message(&err)
            .contains("no provider is configured yet: add one to config.json under \"providers\""),
        "{err}"
    );
    assert_eq!(gw.upstream_calls(), 0);
}
