//! The management API over the config store: providers added, changed and deleted through
//! `/api/providers` serve at once and survive restarts, on SQLite and on PostgreSQL; bodies
//! are validated; `config.json` changes update the store while API edits of unchanged entries
//! are kept; file-only mode is read-only.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod admin_support;
mod common;

use admin_support::{Site, answer_text, on_both};
use bifrost_mock_upstream::MockUpstream;
use serde_json::{Value, json};

const REAL_KEY: &str = "sk-real-abcdefghijklmnop";

fn openai_body(base: &str) -> Value {
    json!({
        "provider": "openai",
        "keys": [{"name": "main", "value": REAL_KEY, "models": ["*"]}],
        "network_config": {"base_url": base},
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provider_added_through_the_api_serves_at_once_and_survives_a_restart() {
    on_both(|site: Site| async move {
        let mock = MockUpstream::start().await.unwrap();
        site.write_config(&json!({}));
        let gw = site.start().await;
        // Zero configuration: SQLite in the app directory.
        assert_eq!(
            site.dir.path().join("config.db").exists(),
            site.pg.is_none()
        );
        let (status, body) = gw.chat("openai/gpt-4o", "before").await;
        assert_eq!(status, 400, "{body}");

        let (status, body) = gw
            .post("/api/providers", &openai_body(&mock.base_url()))
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["name"], "openai");
        assert_eq!(body["provider_status"], "active");
        let shown = body["keys"][0]["value"].as_str().unwrap();
        assert_ne!(shown, REAL_KEY);
        assert!(shown.contains("****"), "{shown}");
        assert!(!body.to_string().contains("abcdefghijklmnop"), "{body}");

        let (status, body) = gw.chat("openai/gpt-4o", "hello").await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(answer_text(&body), "Echo: hello");
        let used = common::bearer(mock.requests().last().unwrap()).unwrap();
        assert_eq!(used, REAL_KEY);
        gw.stop().await;

        let gw = site.start().await;
        let report = gw.gateway.loaded.seed_report.clone().unwrap();
        assert!(
            report.inserted.iter().all(|l| !l.contains("openai")),
            "{report:?}"
        );
        let (status, health) = gw.get("/health").await;
        assert_eq!(status, 200);
        assert_eq!(health["components"]["db_pings"], "ok", "{health}");
        let (status, list) = gw.get("/api/providers").await;
        assert_eq!(status, 200);
        assert_eq!(list["total"], 1);
        assert_eq!(list["providers"][0]["name"], "openai");
        assert_eq!(list["providers"][0]["keys"][0]["name"], "main");
        let (status, body) = gw.chat("openai/gpt-4o", "after restart").await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(answer_text(&body), "Echo: after restart");
        gw.stop().await;
        site.finish().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn providers_are_read_updated_and_deleted() {
    on_both(|site: Site| async move {
        let mock = MockUpstream::start().await.unwrap();
        site.write_config(&json!({}));
        let gw = site.start().await;
        let (status, _) = gw
            .post("/api/providers", &openai_body(&mock.base_url()))
            .await;
        assert_eq!(status, 200);

        // Creating it again is a conflict.
        let (status, body) = gw
            .post("/api/providers", &openai_body(&mock.base_url()))
            .await;
        assert_eq!(status, 409, "{body}");
        assert_eq!(body["error"]["code"], "conflict");

        // Fields sent replace the stored ones; absent fields are kept.
        let (status, body) = gw
            .put(
                "/api/providers/openai",
                &json!({"network_config": {"base_url": mock.base_url(), "max_retries": 2,
                        "extra_headers": {"x-team": "blue"}}}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["network_config"]["max_retries"], 2);
        assert_eq!(body["keys"].as_array().unwrap().len(), 1, "keys untouched");
        let (status, body) = gw.chat("openai/gpt-4o", "headers").await;
        assert_eq!(status, 200, "{body}");
        let last = mock.requests().last().cloned().unwrap();
        assert_eq!(last.header("x-team"), Some("blue"));

        let (status, one) = gw.get("/api/providers/openai").await;
        assert_eq!(status, 200);
        assert_eq!(one["network_config"]["extra_headers"]["x-team"], "blue");
        let (status, body) = gw.get("/api/providers/anthropic").await;
        assert_eq!(status, 404, "{body}");
        assert_eq!(body["error"]["code"], "not_found");

        // /api/keys lists every key, masked.
        let (status, keys) = gw.get("/api/keys").await;
        assert_eq!(status, 200);
        assert_eq!(keys.as_array().unwrap().len(), 1);
        assert_eq!(keys[0]["provider"], "openai");
        assert!(keys[0]["value"].as_str().unwrap().contains("****"));

        let (status, body) = gw.delete("/api/providers/openai").await;
        assert_eq!(status, 200, "{body}");
        let (status, body) = gw.chat("openai/gpt-4o", "gone").await;
        assert_eq!(status, 400, "{body}");
        let (status, _) = gw.delete("/api/providers/openai").await;
        assert_eq!(status, 404);
        gw.stop().await;

        let gw = site.start().await;
        let (_, list) = gw.get("/api/providers").await;
        assert_eq!(list["total"], 0, "{list}");
        gw.stop().await;
        site.finish().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_bodies_are_refused_with_bifrost_errors() {
    let site = Site::new(admin_support::Db::Sqlite).await.unwrap();
    site.write_config(&json!({}));
    let gw = site.start().await;
    let cases: Vec<(Value, &str, Option<&str>)> = vec![
        (
            json!({"keys": []}),
            "provider is required",
            Some("provider"),
        ),
        (
            json!({"provider": ""}),
            "non-empty string",
            Some("provider"),
        ),
        (json!([1, 2]), "expected a JSON object", None),
        (
            json!({"provider": "nosuchprovider", "keys": [{"value": "k", "models": ["*"]}]}),
            "unknown provider",
            None,
        ),
        (
            json!({"provider": "openai", "network_config": {"max_retries": "lots"}}),
            "network_config.max_retries",
            Some("network_config.max_retries"),
        ),
        (
            json!({"provider": "openai", "network_config": {"base_url": "not a url"}}),
            "base_url",
            None,
        ),
        (
            json!({"provider": "openai", "keys": [{"value": "sk-a********wxyz", "models": ["*"]}]}),
            "masked preview",
            None,
        ),
    ];
    for (body, needle, param) in cases {
        let (status, answer) = gw.post("/api/providers", &body).await;
        assert_eq!(status, 400, "{body} -> {answer}");
        assert_eq!(answer["is_bifrost_error"], true, "{answer}");
        assert_eq!(answer["status_code"], 400, "{answer}");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(message.contains(needle), "{body}: {message}");
        if let Some(p) = param {
            assert_eq!(answer["error"]["param"], p, "{answer}");
        }
    }
    // Nothing was stored by the refused requests.
    let (_, list) = gw.get("/api/providers").await;
    assert_eq!(list["total"], 0, "{list}");
    let (status, body) = gw
        .send(
            gw.req(reqwest::Method::POST, "/api/providers")
                .header("content-type", "application/json")
                .body("{not json"),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    gw.stop().await;
    site.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changed_file_entries_update_the_store_and_api_edits_of_unchanged_ones_are_kept() {
    on_both(|site: Site| async move {
        let mock = MockUpstream::start().await.unwrap();
        let file = |value: &str| {
            json!({"providers": {"openai": {
                "keys": [{"id": "k1", "name": "k1", "value": value, "models": ["*"]}],
                "network_config": {"base_url": mock.base_url()},
            }}})
        };
        site.write_config(&file("sk-file-one"));
        let gw = site.start().await;
        let report = gw.gateway.loaded.seed_report.clone().unwrap();
        assert!(
            report.inserted.contains(&"provider openai".to_owned()),
            "{report:?}"
        );
        let (status, body) = gw
            .put(
                "/api/providers/openai/keys/k1",
                &json!({"value": "sk-api-two", "models": ["*"]}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        gw.stop().await;

        // Same file: the API edit stays.
        let gw = site.start().await;
        let (status, _) = gw.chat("openai/gpt-4o", "x").await;
        assert_eq!(status, 200);
        assert_eq!(
            common::bearer(mock.requests().last().unwrap()).unwrap(),
            "sk-api-two"
        );
        gw.stop().await;

        // Changed file entry: the file wins.
        site.write_config(&file("sk-file-three"));
        let gw = site.start().await;
        let report = gw.gateway.loaded.seed_report.clone().unwrap();
        assert!(
            report.updated.contains(&"key openai/k1".to_owned()),
            "{report:?}"
        );
        let (status, _) = gw.chat("openai/gpt-4o", "y").await;
        assert_eq!(status, 200);
        assert_eq!(
            common::bearer(mock.requests().last().unwrap()).unwrap(),
            "sk-file-three"
        );
        gw.stop().await;
        site.finish().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_only_mode_reads_the_file_and_refuses_changes() {
    let mock = MockUpstream::start().await.unwrap();
    let dir = common::TempDir::new();
    dir.write_config(&json!({
        "config_store": {"enabled": false},
        "providers": {"openai": common::one_key(&mock.base_url(), REAL_KEY)},
    }));
    let gateway = bifrost_http::Gateway::open(dir.path()).await.unwrap();
    assert!(gateway.loaded.config_store.is_none());
    assert!(!dir.path().join("config.db").exists());
    let running = bifrost_http::spawn(gateway.service.clone(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let client = common::client();
    let url = running.base_url();
    let list: Value = client
        .get(format!("{url}/api/providers"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 1);
    assert!(
        list["providers"][0]["keys"][0]["value"]
            .as_str()
            .unwrap()
            .contains("****")
    );
    let resp = client
        .post(format!("{url}/api/providers"))
        .json(&openai_body(&mock.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 409);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "config_store_disabled");
    let config: Value = client
        .get(format!("{url}/api/config"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(config["config_store"]["enabled"], false);
    assert_eq!(config["is_db_connected"], false);
    running.shutdown(std::time::Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn models_version_and_client_config() {
    on_both(|site: Site| async move {
        let mock = MockUpstream::start().await.unwrap();
        site.write_config(&json!({"providers": {
            "openai": {"keys": [{"name": "a", "value": "sk-a", "models": ["gpt-4o", "gpt-4o-mini"]}],
                       "network_config": {"base_url": mock.base_url()}},
            "mistral": {"keys": [{"name": "w", "value": "sk-w", "models": ["*"]}],
                        "network_config": {"base_url": mock.base_url()}},
        }}));
        let gw = site.start().await;
        let (status, models) = gw.get("/api/models?provider=openai").await;
        assert_eq!(status, 200);
        assert_eq!(
            models,
            json!({"total": 2, "models": [
                {"name": "gpt-4o", "provider": "openai"},
                {"name": "gpt-4o-mini", "provider": "openai"}]})
        );
        // A wildcard key: the provider's own model list.
        let (_, models) = gw.get("/api/models?provider=mistral&query=mini").await;
        assert_eq!(models["models"], json!([{"name": "gpt-4o-mini", "provider": "mistral"}]));

        let (status, version) = gw.get("/api/version").await;
        assert_eq!(status, 200);
        assert_eq!(version["version"], env!("CARGO_PKG_VERSION"));

        let (status, config) = gw.get("/api/config").await;
        assert_eq!(status, 200);
        assert_eq!(config["is_db_connected"], true);
        assert_eq!(config["config_store"]["enabled"], true);
        let (status, body) = gw
            .put("/api/config", &json!({"client_config": {"drop_excess_requests": true, "whitelisted_routes": ["/api/version"]}}))
            .await;
        assert_eq!(status, 200, "{body}");
        let (status, body) = gw.put("/api/config", &json!({"client_config": {"drop_excess_requests": "yes"}})).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["error"]["param"], "client_config.drop_excess_requests");
        gw.stop().await;
        let gw = site.start().await;
        let (_, config) = gw.get("/api/config").await;
        assert_eq!(config["client_config"]["drop_excess_requests"], true, "{config}");
        assert!(gw.gateway.state.bifrost.config().drop_excess_requests);
        gw.stop().await;
        site.finish().await;
    })
    .await;
}
