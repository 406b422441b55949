//! Crash safety of the config store: the real `bifrost-http` binary is killed with SIGKILL
//! while keys are being added through the API and chats are served; started again on the same
//! app directory and database, it opens the store cleanly and every acknowledged change is
//! there. On SQLite and on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod admin_support;
mod common;

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use admin_support::{Site, on_both};
use bifrost_framework::sqlx::{self, ConnectOptions};
use bifrost_mock_upstream::MockUpstream;
use serde_json::{Value, json};

struct Binary {
    child: Child,
    url: String,
}

impl Binary {
    /// Starts the binary on `site` and waits until `/health` answers.
    async fn start(site: &Site) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(env!("CARGO_BIN_EXE_bifrost-http"))
            .arg("--app-dir")
            .arg(site.dir.path())
            .args(["--port", &port.to_string(), "--log-level", "warn"])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut bin = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let client = common::client();
        for _ in 0..600 {
            if let Some(status) = bin.child.try_wait().unwrap() {
                panic!("bifrost-http exited during start-up: {status}");
            }
            if let Ok(r) = client.get(format!("{}/health", bin.url)).send().await
                && r.status().is_success()
            {
                return bin;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bin.kill9();
        panic!("bifrost-http did not become ready");
    }

    /// SIGKILL, then reap.
    fn kill9(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_load_then_restart_keeps_the_store_intact() {
    on_both(|site: Site| async move {
        let mock = MockUpstream::start().await.unwrap();
        site.write_config(&json!({"providers": {"openai": {
            "keys": [{"name": "seed", "value": "sk-seed-0123456789", "models": ["*"]}],
            "network_config": {"base_url": mock.base_url()},
        }}}));
        let mut bin = Binary::start(&site).await;
        let client = common::client();
        let acked = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));

        let writer = {
            let (client, url, acked, stop) =
                (client.clone(), bin.url.clone(), acked.clone(), stop.clone());
            tokio::spawn(async move {
                let mut i = 0;
                while !stop.load(Ordering::SeqCst) {
                    let r = client
                        .post(format!("{url}/api/providers/openai/keys"))
                        .json(&json!({"name": format!("k{i}"), "value": format!("sk-load-{i:04}-abcdefgh"),
                                      "models": ["*"], "weight": 1.0}))
                        .send()
                        .await;
                    match r {
                        Ok(r) if r.status().is_success() => {
                            acked.fetch_add(1, Ordering::SeqCst);
                            i += 1;
                        }
                        Ok(r) => panic!("key {i} refused: {}", r.text().await.unwrap()),
                        Err(_) => break,
                    }
                }
            })
        };
        let chatters: Vec<_> = (0..4)
            .map(|_| {
                let (client, url, stop) = (client.clone(), bin.url.clone(), stop.clone());
                tokio::spawn(async move {
                    while !stop.load(Ordering::SeqCst) {
                        let r = client
                            .post(format!("{url}/v1/chat/completions"))
                            .json(&common::chat_body("openai/gpt-4o", "load"))
                            .send()
                            .await;
                        if r.is_err() {
                            break;
                        }
                    }
                })
            })
            .collect();
        for _ in 0..3000 {
            if acked.load(Ordering::SeqCst) >= 25 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        bin.kill9();
        let acked_before_kill = acked.load(Ordering::SeqCst);
        assert!(acked_before_kill >= 25, "only {acked_before_kill} keys were added");
        stop.store(true, Ordering::SeqCst);
        writer.await.unwrap();
        for c in chatters {
            c.await.unwrap();
        }

        if site.pg.is_none() {
            let opts = bifrost_framework::db::sqlite_options(&site.dir.path().join("config.db"));
            let mut conn = opts.connect().await.unwrap();
            let check: (String,) = sqlx::query_as("PRAGMA integrity_check")
                .fetch_one(&mut conn)
                .await
                .unwrap();
            assert_eq!(check.0, "ok");
        }

        let mut bin = Binary::start(&site).await;
        let keys: Value = client
            .get(format!("{}/api/providers/openai/keys", bin.url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let names: Vec<&str> = keys["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["name"].as_str().unwrap())
            .collect();
        assert!(names.contains(&"seed"), "{names:?}");
        for i in 0..acked_before_kill {
            assert!(names.contains(&format!("k{i}").as_str()), "k{i} lost: {names:?}");
        }
        // At most the one change in flight at the kill went through without an answer.
        assert!(names.len() <= acked_before_kill + 2, "{names:?}");
        let stored = site.stored_key_values("openai").await;
        assert_eq!(stored.len(), names.len());
        let resp = client
            .post(format!("{}/v1/chat/completions", bin.url))
            .json(&common::chat_body("openai/gpt-4o", "after crash"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["choices"][0]["message"]["content"], "Echo: after crash");
        bin.kill9();
        site.finish().await;
    })
    .await;
}
