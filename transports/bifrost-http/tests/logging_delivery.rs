//! How request logs travel: the live WebSocket feed, a full queue (requests still succeed, drops
//! are counted), and the shutdown flush. Each runs on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod logging_support;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bifrost_plugin_logging::LoggingConfig;
use futures::{SinkExt, StreamExt};
use logging_support::{Db, GatedStore, LoggerSetup, chat_body, providers, start, stream_body};
use serde_json::{Value, json};
use tokio::sync::Semaphore;
use tokio_tungstenite::tungstenite::Message;

async fn live_feed(db: Db) {
    let Some(gw) = start(
        db,
        LoggerSetup::FromConfig,
        |mock| json!({"providers": providers(mock)}),
    )
    .await
    else {
        return;
    };
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{}/ws", gw.addr()))
        .await
        .unwrap();
    const N: usize = 20;
    for i in 0..N {
        let body = if i % 5 == 0 {
            stream_body("openai/gpt-4o-mini", &format!("live {i}"))
        } else {
            chat_body("groq/llama-3.3-70b-versatile", &format!("live {i}"))
        };
        let (s, _) = gw.chat(&body, Some(&format!("live-{i}"))).await;
        assert_eq!(s, 200);
    }
    gw.flush().await;
    // Every request shows up twice: created (processing), then updated (success).
    let mut seen: HashMap<String, Vec<(String, String)>> = HashMap::new();
    let read = async {
        while seen.values().filter(|v| v.len() == 2).count() < N {
            let msg = ws.next().await.unwrap().unwrap();
            let Message::Text(text) = msg else { continue };
            let v: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(v["type"], "log");
            let p = &v["payload"];
            let id = p["id"].as_str().unwrap().to_owned();
            seen.entry(id).or_default().push((
                v["operation"].as_str().unwrap().to_owned(),
                p["status"].as_str().unwrap().to_owned(),
            ));
            if p["status"] == "success" {
                assert!(p["provider"] == "openai" || p["provider"] == "groq");
                assert!(p["token_usage"]["total_tokens"].as_u64().unwrap() > 0);
                assert_eq!(p["stream"], p["provider"] == "openai");
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(60), read)
        .await
        .expect("every row arrives on the live feed");
    let ids: HashSet<String> = (0..N).map(|i| format!("live-{i}")).collect();
    assert_eq!(seen.keys().cloned().collect::<HashSet<_>>(), ids);
    for ops in seen.values() {
        assert_eq!(
            ops,
            &[
                ("create".to_owned(), "processing".to_owned()),
                ("update".to_owned(), "success".to_owned())
            ]
        );
    }
    ws.send(Message::Close(None)).await.unwrap();
    gw.close().await;
}
on_both_backends!(live_websocket_receives_each_row, live_feed);

async fn full_queue(db: Db) {
    let gate = Arc::new(Semaphore::new(0));
    let written = Arc::new(AtomicU64::new(0));
    let (g, w) = (gate.clone(), written.clone());
    let setup = LoggerSetup::Custom {
        config: LoggingConfig {
            queue_capacity: 2,
            batch_size: 1,
            retention_days: None,
            ..LoggingConfig::default()
        },
        wrap: Box::new(move |inner| {
            Arc::new(GatedStore {
                inner,
                gate: g,
                written: w,
            })
        }),
    };
    let Some(gw) = start(db, setup, |mock| json!({"providers": providers(mock)})).await else {
        return;
    };
    const N: usize = 30;
    for i in 0..N {
        let (s, v) = gw
            .chat(&chat_body("openai/gpt-4o-mini", &format!("q {i}")), None)
            .await;
        assert_eq!(
            s, 200,
            "requests succeed while the log writer is stuck: {v}"
        );
        assert_eq!(
            v["choices"][0]["message"]["content"],
            format!("Echo: q {i}")
        );
    }
    let (s, dropped) = gw.get("/api/logs/dropped").await;
    assert_eq!(s, 200);
    let dropped = dropped["dropped_requests"].as_u64().unwrap();
    // Two entries per request; the stuck writer holds one and the queue two.
    assert!(dropped >= (2 * N as u64) - 3, "dropped {dropped}");
    assert_eq!(dropped, gw.logger().dropped());
    gate.add_permits(10_000);
    gw.flush().await;
    assert_eq!(written.load(Ordering::SeqCst) + dropped, 2 * N as u64);
    gw.close().await;
}
on_both_backends!(
    full_queue_drops_are_counted_and_requests_succeed,
    full_queue
);

async fn shutdown_flush(db: Db) {
    let setup = LoggerSetup::Custom {
        config: LoggingConfig {
            flush_interval: Duration::from_secs(3600),
            batch_size: 100_000,
            retention_days: None,
            ..LoggingConfig::default()
        },
        wrap: Box::new(|s| s),
    };
    let Some(gw) = start(db, setup, |mock| json!({"providers": providers(mock)})).await else {
        return;
    };
    for i in 0..20 {
        let (s, _) = gw
            .chat(
                &chat_body("openai/gpt-4o-mini", "pending"),
                Some(&format!("sd-{i}")),
            )
            .await;
        assert_eq!(s, 200);
    }
    let store = gw.logger().store().clone();
    assert_eq!(
        store.count().await.unwrap(),
        0,
        "nothing written before the interval"
    );
    // The gateway's shutdown path: plugin cleanup.
    gw.gateway.state.bifrost.shutdown().await;
    assert_eq!(store.count().await.unwrap(), 20);
    for i in 0..20 {
        let row = store.get(&format!("sd-{i}")).await.unwrap().unwrap();
        assert_eq!(row.status, bifrost_framework::LogStatus::Success);
    }
    gw.close().await;
}
on_both_backends!(shutdown_flushes_pending_entries, shutdown_flush);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_feed_checks_the_browser_origin() {
    let Some(gw) = start(Db::Sqlite, LoggerSetup::FromConfig, |mock| {
        json!({"client": {"allowed_origins": ["https://dash.example.com"]}, "providers": providers(mock)})
    })
    .await
    else {
        return;
    };
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let connect = |origin: Option<&'static str>| {
        let mut req = format!("ws://{}/ws", gw.addr())
            .into_client_request()
            .unwrap();
        if let Some(o) = origin {
            req.headers_mut().insert("origin", o.parse().unwrap());
        }
        tokio_tungstenite::connect_async(req)
    };
    for ok in [
        None,
        Some("https://dash.example.com"),
        Some("http://localhost:3000"),
    ] {
        let (mut ws, _) = connect(ok).await.unwrap_or_else(|e| panic!("{ok:?}: {e}"));
        ws.send(Message::Close(None)).await.unwrap();
    }
    match connect(Some("https://evil.example.net")).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
            assert_eq!(resp.status(), 403)
        }
        other => panic!("a foreign origin was let in: {:?}", other.map(|_| ())),
    }
    gw.close().await;
}
