//! The request logger against real stores: batching, flush, queue-full drops, shutdown,
//! retention and the live feed, each on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bifrost_framework::log_store::{FilterData, LogFilter, LogPage, LogStats, TokenUsage};
use bifrost_framework::{Backend, LogEntry, LogQuery, LogStatus, LogStore, StoreResult};
use bifrost_plugin_logging::{LoggingConfig, Operation, RequestLogger};
use chrono::{DateTime, Utc};
use serde_json::json;
use tokio::sync::Semaphore;

fn entry(i: usize, status: LogStatus) -> LogEntry {
    let mut e = LogEntry::new(
        format!("req-{i:05}"),
        Utc::now(),
        "chat_completion",
        if i.is_multiple_of(2) {
            "openai"
        } else {
            "groq"
        },
        "gpt-4o-mini",
        status,
    );
    e.latency_ms = Some(10.0 + i as f64);
    e.token_usage = TokenUsage {
        prompt_tokens: 3,
        completion_tokens: 4,
        total_tokens: 7,
        ..TokenUsage::default()
    };
    e.selected_key_id = Some("key-1".into());
    e.input = Some(json!([{"role": "user", "content": format!("hello {i}")}]));
    e
}

fn config() -> LoggingConfig {
    LoggingConfig {
        flush_interval: Duration::from_millis(100),
        retention_days: None,
        ..LoggingConfig::default()
    }
}

async fn batches_and_flushes(store: Arc<dyn LogStore>) {
    let logger = RequestLogger::start(store.clone(), config());
    for i in 0..1_000 {
        logger.submit(entry(i, LogStatus::Processing));
        logger.submit(entry(i, LogStatus::Success));
    }
    logger.flush().await;
    assert_eq!(store.count().await.unwrap(), 1_000);
    assert_eq!(logger.dropped(), 0);
    let done = store
        .stats(&LogFilter {
            status: vec![LogStatus::Success],
            ..LogFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(
        done.total_requests, 1_000,
        "the finished row replaced the processing one"
    );
    let e = store.get("req-00007").await.unwrap().unwrap();
    assert_eq!(
        (e.provider.as_str(), e.status),
        ("groq", LogStatus::Success)
    );
    assert_eq!(e.token_usage.total_tokens, 7);
    assert_eq!(e.selected_key_id.as_deref(), Some("key-1"));
    logger.shutdown().await;
}
on_both_backends!(batches_and_flushes_mod, batches_and_flushes);

/// A store whose writes wait for a permit: the writer stalls and the queue fills up.
#[derive(Debug)]
struct GatedStore {
    inner: Arc<dyn LogStore>,
    gate: Arc<Semaphore>,
}

#[async_trait]
impl LogStore for GatedStore {
    fn backend(&self) -> Backend {
        self.inner.backend()
    }
    async fn ping(&self) -> StoreResult<()> {
        self.inner.ping().await
    }
    async fn insert_batch(&self, entries: &[LogEntry]) -> StoreResult<u64> {
        self.gate.acquire().await.unwrap().forget();
        self.inner.insert_batch(entries).await
    }
    async fn get(&self, id: &str) -> StoreResult<Option<LogEntry>> {
        self.inner.get(id).await
    }
    async fn search(&self, query: &LogQuery) -> StoreResult<LogPage> {
        self.inner.search(query).await
    }
    async fn stats(&self, filter: &LogFilter) -> StoreResult<LogStats> {
        self.inner.stats(filter).await
    }
    async fn filter_data(&self) -> StoreResult<FilterData> {
        self.inner.filter_data().await
    }
    async fn delete_older_than(&self, cutoff: DateTime<Utc>) -> StoreResult<u64> {
        self.inner.delete_older_than(cutoff).await
    }
    async fn count(&self) -> StoreResult<u64> {
        self.inner.count().await
    }
}

async fn full_queue_drops_and_counts(store: Arc<dyn LogStore>) {
    let gate = Arc::new(Semaphore::new(0));
    let gated: Arc<dyn LogStore> = Arc::new(GatedStore {
        inner: store.clone(),
        gate: gate.clone(),
    });
    let logger = RequestLogger::start(
        gated,
        LoggingConfig {
            queue_capacity: 4,
            batch_size: 1,
            ..config()
        },
    );
    for i in 0..100 {
        logger.submit(entry(i, LogStatus::Success));
    }
    let dropped = logger.dropped();
    assert!(
        dropped >= 90,
        "at most 4 queued plus 1 in the writer: {dropped}"
    );
    gate.add_permits(1_000);
    logger.flush().await;
    assert_eq!(store.count().await.unwrap() + dropped, 100);
    assert_eq!(logger.dropped(), dropped);
    logger.shutdown().await;
}
on_both_backends!(full_queue_drops_and_counts_mod, full_queue_drops_and_counts);

async fn shutdown_stores_what_is_queued(store: Arc<dyn LogStore>) {
    let logger = RequestLogger::start(
        store.clone(),
        LoggingConfig {
            flush_interval: Duration::from_secs(3600),
            batch_size: 100_000,
            ..config()
        },
    );
    for i in 0..50 {
        logger.submit(entry(i, LogStatus::Success));
    }
    logger.shutdown().await;
    assert_eq!(store.count().await.unwrap(), 50);
    logger.submit(entry(99, LogStatus::Success));
    assert_eq!(logger.dropped(), 1, "entries after shutdown are dropped");
    logger.flush().await;
    assert_eq!(store.count().await.unwrap(), 50);
}
on_both_backends!(
    shutdown_stores_what_is_queued_mod,
    shutdown_stores_what_is_queued
);

async fn retention_deletes_old_rows(store: Arc<dyn LogStore>) {
    let mut old = entry(1, LogStatus::Success);
    old.timestamp = Utc::now() - chrono::Duration::days(40);
    let mut recent = entry(2, LogStatus::Success);
    recent.timestamp = Utc::now() - chrono::Duration::days(20);
    store.insert_batch(&[old, recent]).await.unwrap();
    let logger = RequestLogger::start(
        store.clone(),
        LoggingConfig {
            retention_days: Some(30),
            ..config()
        },
    );
    // The cleaner also runs at start-up; whichever run deletes the row, it is gone and the
    // recent one stays.
    let _ = logger.apply_retention().await.unwrap();
    assert_eq!(logger.apply_retention().await.unwrap(), 0);
    assert!(store.get("req-00001").await.unwrap().is_none());
    assert!(store.get("req-00002").await.unwrap().is_some());
    logger.shutdown().await;
}
on_both_backends!(retention_deletes_old_rows_mod, retention_deletes_old_rows);

async fn live_feed_announces_stored_rows(store: Arc<dyn LogStore>) {
    let logger = RequestLogger::start(store.clone(), config());
    let mut feed = logger.subscribe();
    logger.submit(entry(1, LogStatus::Processing));
    logger.submit(entry(1, LogStatus::Success));
    logger.flush().await;
    let first = feed.recv().await.unwrap();
    let second = feed.recv().await.unwrap();
    assert_eq!(first.operation, Operation::Create);
    assert_eq!(second.operation, Operation::Update);
    let v = serde_json::to_value(&second).unwrap();
    assert_eq!(v["type"], "log");
    assert_eq!(v["operation"], "update");
    assert_eq!(v["payload"]["id"], "req-00001");
    assert_eq!(v["payload"]["status"], "success");
    assert!(
        store.get("req-00001").await.unwrap().is_some(),
        "announced after storing"
    );
    logger.shutdown().await;
}
on_both_backends!(
    live_feed_announces_stored_rows_mod,
    live_feed_announces_stored_rows
);
