//! The log store: one row per request, written in batches, searched by the log API.
//!
//! [`LogStore`] is what the logging plugin's background writer and the log API call;
//! [`SqlLogStore`] implements it on SQLite and PostgreSQL. The writer collects finished (or
//! started) requests and hands them over with [`LogStore::insert_batch`]: one transaction and
//! multi-row `INSERT`s, and an entry whose id is already stored replaces that row, so a
//! `processing` row can later be completed by writing the same id again.

mod entry;
mod filter;
mod params;
mod query;
mod store;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

pub use entry::{LogEntry, LogStatus, TokenUsage};
pub use query::{
    DEFAULT_LIMIT, FilterData, LogFilter, LogPage, LogQuery, LogStats, MAX_LIMIT, NamedId,
    Pagination, SortBy, SortOrder,
};
pub use store::SqlLogStore;

use crate::db::Backend;
use crate::error::StoreResult;

/// Persistent request logs. Object-safe: hold it as `Arc<dyn LogStore>`.
#[async_trait]
pub trait LogStore: Send + Sync + std::fmt::Debug {
    /// The database this store runs on.
    fn backend(&self) -> Backend;

    /// Checks that the database answers.
    async fn ping(&self) -> StoreResult<()>;

    /// Writes `entries` in one transaction; an entry whose id exists replaces the row, and of
    /// several entries with one id the last wins. Returns the number of rows written.
    async fn insert_batch(&self, entries: &[LogEntry]) -> StoreResult<u64>;

    /// One entry by id.
    async fn get(&self, id: &str) -> StoreResult<Option<LogEntry>>;

    /// A page of matching entries with the total count and [`LogStats`] over all of them.
    async fn search(&self, query: &LogQuery) -> StoreResult<LogPage>;

    /// Aggregates over the entries matching `filter`.
    async fn stats(&self, filter: &LogFilter) -> StoreResult<LogStats>;

    /// Distinct providers, models, request types, stop reasons and keys present.
    async fn filter_data(&self) -> StoreResult<FilterData>;

    /// Deletes entries older than `cutoff` (retention); returns how many.
    async fn delete_older_than(&self, cutoff: DateTime<Utc>) -> StoreResult<u64>;

    /// Number of stored entries.
    async fn count(&self) -> StoreResult<u64>;
}
