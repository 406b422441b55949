//! A SQLite store survives `kill -9` in the middle of writing: every batch the writer saw
//! committed is there after reopening, no batch is half there, and the file is intact.
//!
//! The test re-runs its own binary as the writer (selected by an environment variable), waits
//! until the writer has reported a number of committed batches, and kills it with SIGKILL
//! while it keeps writing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Stdio;

use bifrost_core::config::{KeyConfig, ProviderConfig};
use bifrost_framework::log_store::{LogEntry, LogStatus, LogStore};
use bifrost_framework::sqlx::{self, Row};
use bifrost_framework::{ConfigStore, DbTarget, SqlConfigStore, SqlLogStore};
use tokio::io::{AsyncBufReadExt, BufReader};

const CHILD_ENV: &str = "BIFROST_TEST_CRASH_WRITER_DIR";
const TEST_NAME: &str = "reopening_a_sqlite_store_after_kill_9";
const BATCH: usize = 100;
/// Batches the writer must report before it is killed.
const BATCHES_BEFORE_KILL: u64 = 30;

fn batch(n: usize) -> Vec<LogEntry> {
    (0..BATCH)
        .map(|i| {
            let mut e = LogEntry::new(
                format!("b{n:05}-{i:03}"),
                chrono::Utc::now(),
                "chat_completion",
                "openai",
                "gpt-4o",
                LogStatus::Success,
            );
            e.input = Some(serde_json::json!([{"role": "user", "content": "x".repeat(500)}]));
            e
        })
        .collect()
}

/// The writer: a config row, then log batches forever, reporting each commit on stdout.
async fn writer(dir: &Path) {
    let config = SqlConfigStore::open(&DbTarget::sqlite(dir.join("config.db")), Some("crash-test"))
        .await
        .unwrap();
    let provider = ProviderConfig {
        keys: vec![KeyConfig {
            name: Some("k".into()),
            value: "sk-crash-test-key".into(),
            ..Default::default()
        }],
        ..Default::default()
    };
    config.create_provider("openai", &provider).await.unwrap();
    println!("@config committed");
    let logs = SqlLogStore::open(&DbTarget::sqlite(dir.join("logs.db")))
        .await
        .unwrap();
    for n in 0.. {
        logs.insert_batch(&batch(n)).await.unwrap();
        println!("@committed {}", n + 1);
    }
}

async fn integrity(path: &Path) -> String {
    let pool = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(bifrost_framework::db::sqlite_options(path))
        .await
        .unwrap();
    let row = sqlx::query("PRAGMA integrity_check")
        .fetch_one(&pool)
        .await
        .unwrap();
    let out: String = row.get(0);
    pool.close().await;
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reopening_a_sqlite_store_after_kill_9() {
    if let Ok(dir) = std::env::var(CHILD_ENV) {
        writer(Path::new(&dir)).await;
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut child = tokio::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", TEST_NAME, "--nocapture", "--test-threads", "1"])
        .env(CHILD_ENV, dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut config_done = false;
    let mut committed = 0;
    while committed < BATCHES_BEFORE_KILL {
        let Some(line) = lines.next_line().await.unwrap() else {
            panic!("the writer exited early: {:?}", child.wait().await);
        };
        // The test harness may print on the same line before the writer does.
        if line.ends_with("@config committed") {
            config_done = true;
        } else if let Some((_, n)) = line.split_once("@committed ") {
            committed = n.parse().unwrap();
        }
    }
    assert!(config_done);
    // SIGKILL while the writer is busy with the next batches.
    child.kill().await.unwrap();
    let status = child.wait().await.unwrap();
    assert!(!status.success());
    // What the writer reported after our last read also counts as committed.
    while let Ok(Some(line)) = lines.next_line().await {
        if let Some((_, n)) = line.split_once("@committed ") {
            committed = n.parse().unwrap();
        }
    }

    let logs_path = dir.path().join("logs.db");
    assert!(
        dir.path().join("logs.db-wal").exists(),
        "the write-ahead log is left behind, as after any crash"
    );
    let logs = SqlLogStore::open(&DbTarget::sqlite(&logs_path))
        .await
        .unwrap();
    let count = logs.count().await.unwrap();
    assert!(
        count >= committed * BATCH as u64,
        "{count} rows, {committed} batches reported"
    );
    assert_eq!(count % BATCH as u64, 0, "no batch is half written");
    assert!(logs.get("b00000-000").await.unwrap().is_some());
    // Still writable.
    logs.insert_batch(&batch(99_999)).await.unwrap();
    assert_eq!(logs.count().await.unwrap(), count + BATCH as u64);
    logs.close().await;
    assert_eq!(integrity(&logs_path).await, "ok");

    let config_path = dir.path().join("config.db");
    let config = SqlConfigStore::open(&DbTarget::sqlite(&config_path), Some("crash-test"))
        .await
        .unwrap();
    let p = config.get_provider("openai").await.unwrap().unwrap();
    assert_eq!(p.keys[0].value, "sk-crash-test-key");
    config.close().await;
    assert_eq!(integrity(&config_path).await, "ok");
}
