//! Keys through the management API: a key changed while requests are in flight fails none of
//! them, and a masked key sent back is never written (the real key keeps serving and stays in
//! the store, encrypted or not), on SQLite and on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod admin_support;
mod common;

use std::time::Duration;

use admin_support::{Site, answer_text, on_both};
use bifrost_mock_upstream::MockUpstream;
use serde_json::{Value, json};

const REAL_KEY: &str = "sk-real-abcdefghijklmnop";

fn config(base: &str) -> Value {
    json!({"providers": {"openai": {
        "keys": [{"id": "k1", "name": "k1", "value": REAL_KEY, "models": ["*"]}],
        "network_config": {"base_url": base, "default_request_timeout_in_seconds": 60},
    }}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_update_while_100_requests_are_in_flight_fails_none() {
    on_both(|site: Site| async move {
        let mock = MockUpstream::start().await.unwrap();
        site.write_config(&config(&mock.base_url()));
        let gw = site.start().await;
        let url = gw.url.clone();
        let client = gw.client.clone();
        let mut in_flight: Vec<_> = (0..100)
            .map(|i| {
                let client = client.clone();
                let url = url.clone();
                tokio::spawn(async move {
                    let resp = client
                        .post(format!("{url}/v1/chat/completions"))
                        .json(&common::chat_body("openai/slow-1500", &format!("n{i}")))
                        .send()
                        .await
                        .unwrap();
                    let status = resp.status().as_u16();
                    (status, resp.json::<Value>().await.unwrap())
                })
            })
            .collect();
        // Every request has reached the upstream (and waits there) before the key changes.
        let mut waited = 0;
        while mock.request_count() < 100 {
            if let Some(done) = in_flight.iter().position(|t| t.is_finished()) {
                let (status, body) = in_flight.swap_remove(done).await.unwrap();
                panic!("request {done} finished before reaching the upstream: {status} {body}");
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
            waited += 1;
            assert!(waited < 3000, "requests never reached the upstream");
        }
        let (status, body) = gw
            .put(
                "/api/providers/openai/keys/k1",
                &json!({"value": "sk-rotated-0123456789", "models": ["*"]}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        // New requests use the new key at once.
        let (status, body) = gw.chat("openai/gpt-4o", "after").await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            common::bearer(mock.requests().last().unwrap()).unwrap(),
            "sk-rotated-0123456789"
        );
        for (i, task) in in_flight.into_iter().enumerate() {
            let (status, body) = task.await.unwrap();
            assert_eq!(status, 200, "request {i}: {body}");
            assert_eq!(answer_text(&body), format!("Echo: n{i}"));
        }
        let old_key_uses = mock
            .requests()
            .iter()
            .filter(|r| common::bearer(r).as_deref() == Some(REAL_KEY))
            .count();
        assert_eq!(
            old_key_uses, 100,
            "the in-flight requests were sent with the old key"
        );
        gw.stop().await;
        site.finish().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn masked_key_sent_back_is_not_written() {
    on_both(|site: Site| async move {
        let mock = MockUpstream::start().await.unwrap();
        site.write_config(&config(&mock.base_url()));
        let gw = site.start().await;
        let (status, shown) = gw.get("/api/providers/openai").await;
        assert_eq!(status, 200);
        let masked = shown["keys"][0]["value"].as_str().unwrap().to_owned();
        assert_ne!(masked, REAL_KEY);

        // The whole provider body sent back as shown (masked key, extra fields included).
        let mut back = shown.clone();
        back["keys"][0]["weight"] = json!(3.0);
        let (status, body) = gw.put("/api/providers/openai", &back).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["keys"][0]["weight"], 3.0);
        // One key, sent back masked through the key route.
        let mut key = shown["keys"][0].clone();
        key["models"] = json!(["*"]);
        let (status, body) = gw.put("/api/providers/openai/keys/k1", &key).await;
        assert_eq!(status, 200, "{body}");

        let (status, body) = gw.chat("openai/gpt-4o", "still real").await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(common::bearer(mock.requests().last().unwrap()).unwrap(), REAL_KEY);
        assert_eq!(site.stored_key_values("openai").await, vec![REAL_KEY.to_owned()]);

        // A masked value cannot become a new key.
        let (status, body) = gw
            .post("/api/providers/openai/keys", &json!({"name": "k2", "value": masked, "models": ["*"]}))
            .await;
        assert_eq!(status, 400, "{body}");
        assert!(body["error"]["message"].as_str().unwrap().contains("masked"));
        // A real new key is added, shown masked, and serves.
        let (status, body) = gw
            .post("/api/providers/openai/keys", &json!({"name": "k2", "value": "sk-second-0123456789", "models": ["*"], "weight": 0.0}))
            .await;
        assert_eq!(status, 200, "{body}");
        assert!(body["value"].as_str().unwrap().contains("****"));
        let (_, keys) = gw.get("/api/providers/openai/keys").await;
        assert_eq!(keys["total"], 2);
        let id = body["id"].as_str().unwrap().to_owned();
        let (status, _) = gw.delete(&format!("/api/providers/openai/keys/{id}")).await;
        assert_eq!(status, 200);
        let (_, keys) = gw.get("/api/providers/openai/keys").await;
        assert_eq!(keys["total"], 1);
        gw.stop().await;
        site.finish().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_are_encrypted_at_rest_with_an_encryption_key() {
    on_both(|site: Site| async move {
        let mock = MockUpstream::start().await.unwrap();
        let mut cfg = config(&mock.base_url());
        cfg["encryption_key"] = json!("a passphrase for the tests");
        site.write_config(&cfg);
        let gw = site.start().await;
        let (status, body) = gw
            .post(
                "/api/providers",
                &json!({"provider": "mistral", "keys": [{"name": "m", "value": "sk-mistral-0123456789", "models": ["*"]}],
                        "network_config": {"base_url": mock.base_url()}}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        gw.stop().await;
        let gw = site.start().await;
        for (provider, key) in [("openai", REAL_KEY), ("mistral", "sk-mistral-0123456789")] {
            let stored = site.stored_key_values(provider).await;
            assert!(stored[0].starts_with("enc:v1:"), "{stored:?}");
            let (status, body) = gw.chat(&format!("{provider}/gpt-4o"), "enc").await;
            assert_eq!(status, 200, "{body}");
            assert_eq!(common::bearer(mock.requests().last().unwrap()).unwrap(), key);
        }
        gw.stop().await;
        site.finish().await;
    })
    .await;
}
