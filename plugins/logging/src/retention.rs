//! Deleting rows older than the retention period.

use std::sync::Arc;
use std::time::Duration;

use bifrost_framework::{LogStore, StoreResult};
use chrono::Utc;

/// Deletes rows older than `days` days; returns how many.
pub(crate) async fn apply(store: &dyn LogStore, days: u32) -> StoreResult<u64> {
    let cutoff = Utc::now() - chrono::Duration::days(i64::from(days));
    store.delete_older_than(cutoff).await
}

/// Applies the retention now and then every `every`, forever.
pub(crate) async fn run(store: Arc<dyn LogStore>, days: u32, every: Duration) {
    let mut ticker = tokio::time::interval(every.max(Duration::from_secs(1)));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        match apply(store.as_ref(), days).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(deleted = n, days, "old request logs deleted"),
            Err(e) => tracing::warn!(error = %e, "deleting old request logs failed"),
        }
    }
}
