//! The plugin's hooks on their own: an error outcome, a request dropped mid-way (the caller went
//! away), and a fallback target, each on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use bifrost_core::schemas::{ChatRequest, Request, RequestBody};
use bifrost_core::{BifrostError, ErrorKind, Outcome, Plugin, RequestContext};
use bifrost_framework::{LogStatus, LogStore};
use bifrost_plugin_logging::{LoggingConfig, RequestLogger};
use serde_json::json;

fn request(text: &str) -> Request {
    let body: ChatRequest = serde_json::from_value(json!({
        "model": "gpt-4o",
        "messages": [{"role": "user", "content": text}],
    }))
    .unwrap();
    Request {
        provider: "openai".into(),
        model: "gpt-4o".into(),
        fallbacks: Vec::new(),
        body: RequestBody::Chat(Box::new(body)),
    }
}

fn logger(store: Arc<dyn LogStore>) -> RequestLogger {
    RequestLogger::start(
        store,
        LoggingConfig {
            flush_interval: Duration::from_millis(50),
            retention_days: None,
            ..LoggingConfig::default()
        },
    )
}

async fn error_outcome(store: Arc<dyn LogStore>) {
    let logger = logger(store.clone());
    let plugin = logger.plugin();
    let mut ctx = RequestContext::new("p-err");
    let mut req = request("will fail");
    plugin.pre_hook(&mut ctx, &mut req).await.unwrap();
    logger.flush().await;
    let row = store.get("p-err").await.unwrap().unwrap();
    assert_eq!(row.status, LogStatus::Processing);
    assert_eq!(row.latency_ms, None);
    assert_eq!(row.input.unwrap()[0]["content"], "will fail");

    let err = BifrostError::new(ErrorKind::Upstream, "upstream said no").with_status(502);
    plugin
        .post_hook(&mut ctx, &mut Outcome::Error(err))
        .await
        .unwrap();
    drop(ctx);
    logger.flush().await;
    let row = store.get("p-err").await.unwrap().unwrap();
    assert_eq!(row.status, LogStatus::Error);
    assert!(row.latency_ms.is_some());
    let details = row.error_details.unwrap();
    assert_eq!(details["error"]["message"], "upstream said no");
    assert_eq!(details["status_code"], 502);
    logger.shutdown().await;
}
on_both_backends!(error_outcome_mod, error_outcome);

async fn dropped_request(store: Arc<dyn LogStore>) {
    let logger = logger(store.clone());
    let plugin = logger.plugin();
    let mut ctx = RequestContext::new("p-gone");
    plugin
        .pre_hook(&mut ctx, &mut request("caller leaves"))
        .await
        .unwrap();
    // The request future is dropped before the post-hook (the caller disconnected).
    drop(ctx);
    logger.flush().await;
    let row = store.get("p-gone").await.unwrap().unwrap();
    assert_eq!(row.status, LogStatus::Error);
    assert_eq!(row.error_details.unwrap()["error"]["type"], "cancelled");
    assert!(row.latency_ms.is_some());
    logger.shutdown().await;
}
on_both_backends!(dropped_request_mod, dropped_request);

async fn fallback_target(store: Arc<dyn LogStore>) {
    let logger = logger(store.clone());
    let plugin = logger.plugin();
    let mut ctx = RequestContext::new("p-fb");
    plugin.pre_hook(&mut ctx, &mut request("x")).await.unwrap();
    let err = BifrostError::new(ErrorKind::Upstream, "down").with_status(503);
    plugin
        .post_hook(&mut ctx, &mut Outcome::Error(err))
        .await
        .unwrap();
    ctx.fallback_index = 1;
    let mut req = request("x");
    req.provider = "groq".into();
    plugin.pre_hook(&mut ctx, &mut req).await.unwrap();
    drop(ctx);
    logger.flush().await;
    assert_eq!(
        store.get("p-fb").await.unwrap().unwrap().status,
        LogStatus::Error
    );
    let fb = store.get("p-fb-fallback-1").await.unwrap().unwrap();
    assert_eq!(fb.parent_request_id.as_deref(), Some("p-fb"));
    assert_eq!(fb.fallback_index, 1);
    assert_eq!(fb.provider, "groq");
    assert_eq!(store.count().await.unwrap(), 2);
    logger.shutdown().await;
}
on_both_backends!(fallback_target_mod, fallback_target);
