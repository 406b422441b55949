//! [`SqlLogStore`]: the [`LogStore`] on SQLite or PostgreSQL.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::Value;

use super::entry::content_text;
use super::filter::{push_where, to_i64};
use super::query::{FilterData, LogFilter, LogPage, LogQuery, LogStats, NamedId, Pagination};
use super::{LogEntry, LogStatus, LogStore, TokenUsage};
use crate::db::{Backend, Db, DbRow, DbTarget, Schema, SqlBuilder, Stmt};
use crate::error::{StoreError, StoreResult};

/// Columns of the `logs` table, in insert order.
const COLUMNS: &[&str] = &[
    "id",
    "parent_request_id",
    "timestamp",
    "object_type",
    "provider",
    "model",
    "status",
    "latency_ms",
    "prompt_tokens",
    "completion_tokens",
    "total_tokens",
    "cached_tokens",
    "reasoning_tokens",
    "cost",
    "selected_key_id",
    "selected_key_name",
    "fallback_index",
    "number_of_retries",
    "stream",
    "stop_reason",
    "error_details",
    "input",
    "output",
    "content_summary",
    "metadata",
    "virtual_key_id",
    "virtual_key_name",
];

/// Rows per INSERT statement: 27 columns x 500 rows stays well under SQLite's limit of 32,766
/// bound values per statement (PostgreSQL allows 65,535).
const ROWS_PER_STATEMENT: usize = 500;

/// The log store on a SQL database.
#[derive(Debug, Clone)]
pub struct SqlLogStore {
    db: Db,
}

impl SqlLogStore {
    /// Opens (creating when needed) the store at `target` and brings its schema up to date.
    pub async fn open(target: &DbTarget) -> StoreResult<Self> {
        let db = target.connect().await?;
        if let Err(e) = Schema::Logs.migrate(&db).await {
            db.close().await;
            return Err(e);
        }
        Ok(Self { db })
    }

    /// Closes the connection pool.
    pub async fn close(&self) {
        self.db.close().await;
    }
}

/// Text as PostgreSQL accepts it: without NUL characters (JSON columns escape them anyway).
fn clean(s: &str) -> String {
    if s.contains('\0') {
        s.replace('\0', "")
    } else {
        s.to_owned()
    }
}

fn clean_opt(s: &Option<String>) -> Option<String> {
    s.as_deref().map(clean)
}

fn json_opt(v: &Option<Value>) -> StoreResult<Option<String>> {
    v.as_ref()
        .map(|v| Ok(serde_json::to_string(v)?))
        .transpose()
}

fn push_values(b: &mut SqlBuilder, e: &LogEntry) -> StoreResult<()> {
    let summary = match &e.content_summary {
        Some(s) => Some(clean(s)),
        None => content_text(&[e.input.as_ref(), e.output.as_ref()]).map(|s| clean(&s)),
    };
    let u = &e.token_usage;
    b.push("(")
        .bind(clean(&e.id))
        .push(", ")
        .bind(clean_opt(&e.parent_request_id))
        .push(", ")
        .bind(e.timestamp.timestamp_millis())
        .push(", ")
        .bind(clean(&e.object_type))
        .push(", ")
        .bind(clean(&e.provider))
        .push(", ")
        .bind(clean(&e.model))
        .push(", ")
        .bind(e.status.as_str())
        .push(", ")
        .bind(e.latency_ms)
        .push(", ")
        .bind(to_i64(u.prompt_tokens))
        .push(", ")
        .bind(to_i64(u.completion_tokens))
        .push(", ")
        .bind(to_i64(u.total_tokens))
        .push(", ")
        .bind(to_i64(u.cached_tokens))
        .push(", ")
        .bind(to_i64(u.reasoning_tokens))
        .push(", ")
        .bind(e.cost)
        .push(", ")
        .bind(clean_opt(&e.selected_key_id))
        .push(", ")
        .bind(clean_opt(&e.selected_key_name))
        .push(", ")
        .bind(i64::from(e.fallback_index))
        .push(", ")
        .bind(i64::from(e.number_of_retries))
        .push(", ")
        .bind(e.stream)
        .push(", ")
        .bind(clean_opt(&e.stop_reason))
        .push(", ")
        .bind(json_opt(&e.error_details)?)
        .push(", ")
        .bind(json_opt(&e.input)?)
        .push(", ")
        .bind(json_opt(&e.output)?)
        .push(", ")
        .bind(summary)
        .push(", ")
        .bind(json_opt(&e.metadata)?)
        .push(", ")
        .bind(clean_opt(&e.virtual_key_id))
        .push(", ")
        .bind(clean_opt(&e.virtual_key_name))
        .push(")");
    Ok(())
}

fn insert_statement(rows: &[&LogEntry]) -> StoreResult<Stmt> {
    let mut b = SqlBuilder::new("INSERT INTO logs (");
    b.push(&COLUMNS.join(", ")).push(") VALUES ");
    for (i, e) in rows.iter().enumerate() {
        if i > 0 {
            b.push(", ");
        }
        push_values(&mut b, e)?;
    }
    b.push(" ON CONFLICT (id) DO UPDATE SET ");
    for (i, c) in COLUMNS.iter().skip(1).enumerate() {
        if i > 0 {
            b.push(", ");
        }
        b.push(c).push(" = excluded.").push(c);
    }
    debug_assert_eq!(b.arg_count(), rows.len() * COLUMNS.len());
    Ok(b.finish())
}

fn u64_of(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

fn u32_of(v: i64) -> u32 {
    u32::try_from(v).unwrap_or(0)
}

fn json_col(row: &DbRow, col: &str) -> StoreResult<Option<Value>> {
    row.get::<Option<String>>(col)?
        .map(|s| Ok(serde_json::from_str(&s)?))
        .transpose()
}

fn entry_from_row(row: &DbRow) -> StoreResult<LogEntry> {
    let id: String = row.get("id")?;
    let ms: i64 = row.get("timestamp")?;
    let timestamp = DateTime::from_timestamp_millis(ms)
        .ok_or_else(|| StoreError::Invalid(format!("log {id} has an invalid timestamp {ms}")))?;
    let status: String = row.get("status")?;
    let status = LogStatus::parse(&status)
        .ok_or_else(|| StoreError::Invalid(format!("log {id} has an unknown status {status}")))?;
    Ok(LogEntry {
        parent_request_id: row.get("parent_request_id")?,
        timestamp,
        object_type: row.get("object_type")?,
        provider: row.get("provider")?,
        model: row.get("model")?,
        status,
        latency_ms: row.get_f64("latency_ms")?,
        token_usage: TokenUsage {
            prompt_tokens: u64_of(row.get("prompt_tokens")?),
            completion_tokens: u64_of(row.get("completion_tokens")?),
            total_tokens: u64_of(row.get("total_tokens")?),
            cached_tokens: u64_of(row.get("cached_tokens")?),
            reasoning_tokens: u64_of(row.get("reasoning_tokens")?),
        },
        cost: row.get_f64("cost")?,
        selected_key_id: row.get("selected_key_id")?,
        selected_key_name: row.get("selected_key_name")?,
        fallback_index: u32_of(row.get("fallback_index")?),
        number_of_retries: u32_of(row.get("number_of_retries")?),
        stream: row.get("stream")?,
        stop_reason: row.get("stop_reason")?,
        error_details: json_col(row, "error_details")?,
        input: json_col(row, "input")?,
        output: json_col(row, "output")?,
        content_summary: row.get("content_summary")?,
        metadata: json_col(row, "metadata")?,
        virtual_key_id: row.get("virtual_key_id")?,
        virtual_key_name: row.get("virtual_key_name")?,
        id,
    })
}

fn select_columns() -> String {
    format!("SELECT {} FROM logs", COLUMNS.join(", "))
}

const STATS_SELECT: &str = "SELECT COUNT(*) AS total, \
    SUM(CASE WHEN status IN ('success', 'error') THEN 1 ELSE 0 END) AS completed, \
    SUM(CASE WHEN status = 'success' THEN 1 ELSE 0 END) AS successes, \
    AVG(CASE WHEN status IN ('success', 'error') THEN latency_ms END) AS avg_latency, \
    CAST(SUM(CASE WHEN status IN ('success', 'error') THEN total_tokens ELSE 0 END) AS BIGINT) AS tokens, \
    SUM(CASE WHEN status IN ('success', 'error') THEN cost END) AS cost \
    FROM logs";

impl SqlLogStore {
    async fn distinct(&self, column: &'static str) -> StoreResult<Vec<String>> {
        let sql = match column {
            "provider" => "SELECT DISTINCT provider AS v FROM logs ORDER BY v",
            "model" => "SELECT DISTINCT model AS v FROM logs ORDER BY v",
            "object_type" => "SELECT DISTINCT object_type AS v FROM logs ORDER BY v",
            _ => {
                "SELECT DISTINCT stop_reason AS v FROM logs WHERE stop_reason IS NOT NULL ORDER BY v"
            }
        };
        self.db
            .fetch_all(&Stmt::new(sql))
            .await?
            .iter()
            .map(|r| r.get::<String>("v"))
            .collect()
    }

    async fn named_ids(&self, sql: &'static str) -> StoreResult<Vec<NamedId>> {
        let mut out: Vec<NamedId> = Vec::new();
        for r in self.db.fetch_all(&Stmt::new(sql)).await? {
            let id: String = r.get("id")?;
            let name: Option<String> = r.get("name")?;
            // One entry per id; a named row wins over an unnamed one.
            match out.last_mut() {
                Some(last) if last.id == id => {
                    if last.name.is_none() {
                        last.name = name;
                    }
                }
                _ => out.push(NamedId { id, name }),
            }
        }
        Ok(out)
    }
}

#[async_trait]
impl LogStore for SqlLogStore {
    fn backend(&self) -> Backend {
        self.db.backend()
    }

    async fn ping(&self) -> StoreResult<()> {
        self.db.ping().await
    }

    async fn insert_batch(&self, entries: &[LogEntry]) -> StoreResult<u64> {
        if entries.is_empty() {
            return Ok(0);
        }
        // Keep the last entry of each id (PostgreSQL refuses to upsert one row twice in a
        // statement), in first-seen order.
        let mut last: HashMap<&str, usize> = HashMap::with_capacity(entries.len());
        for (i, e) in entries.iter().enumerate() {
            last.insert(e.id.as_str(), i);
        }
        let rows: Vec<&LogEntry> = entries
            .iter()
            .enumerate()
            .filter(|(i, e)| last.get(e.id.as_str()) == Some(i))
            .map(|(_, e)| e)
            .collect();
        let mut tx = self.db.begin().await?;
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            tx.execute(&insert_statement(chunk)?).await?;
        }
        tx.commit().await?;
        Ok(rows.len() as u64)
    }

    async fn get(&self, id: &str) -> StoreResult<Option<LogEntry>> {
        let mut b = SqlBuilder::new(&select_columns());
        b.push(" WHERE id = ").bind(id);
        self.db
            .fetch_optional(&b.finish())
            .await?
            .map(|r| entry_from_row(&r))
            .transpose()
    }

    async fn search(&self, query: &LogQuery) -> StoreResult<LogPage> {
        let backend = self.db.backend();
        let stats = self.stats(&query.filter).await?;
        let limit = query.effective_limit();
        let column = query.sort_by.column();
        let dir = query.order.sql();
        let mut b = SqlBuilder::new(&select_columns());
        push_where(&mut b, &query.filter, backend);
        b.push(" ORDER BY ")
            .push(column)
            .push(" ")
            .push(dir)
            .push(" NULLS LAST, id ")
            .push(dir)
            .push(" LIMIT ")
            .bind(i64::from(limit))
            .push(" OFFSET ")
            .bind(to_i64(query.offset));
        let logs = self
            .db
            .fetch_all(&b.finish())
            .await?
            .iter()
            .map(entry_from_row)
            .collect::<StoreResult<Vec<_>>>()?;
        let has_logs = stats.total_requests > 0
            || self
                .db
                .fetch_optional(&Stmt::new("SELECT id FROM logs LIMIT 1"))
                .await?
                .is_some();
        Ok(LogPage {
            logs,
            pagination: Pagination {
                limit,
                offset: query.offset,
                sort_by: query.sort_by,
                order: query.order,
                total_count: stats.total_requests,
            },
            stats,
            has_logs,
        })
    }

    async fn stats(&self, filter: &LogFilter) -> StoreResult<LogStats> {
        let mut b = SqlBuilder::new(STATS_SELECT);
        push_where(&mut b, filter, self.db.backend());
        let row = self.db.fetch_one(&b.finish()).await?;
        let total = u64_of(row.get::<i64>("total")?);
        let completed = u64_of(row.get::<Option<i64>>("completed")?.unwrap_or(0));
        let successes = u64_of(row.get::<Option<i64>>("successes")?.unwrap_or(0));
        #[allow(clippy::cast_precision_loss)]
        let success_rate = if completed == 0 {
            0.0
        } else {
            successes as f64 / completed as f64 * 100.0
        };
        Ok(LogStats {
            total_requests: total,
            success_rate,
            average_latency: row.get_f64("avg_latency")?.unwrap_or(0.0),
            total_tokens: u64_of(row.get::<Option<i64>>("tokens")?.unwrap_or(0)),
            total_cost: row.get_f64("cost")?.unwrap_or(0.0),
        })
    }

    async fn filter_data(&self) -> StoreResult<FilterData> {
        Ok(FilterData {
            providers: self.distinct("provider").await?,
            models: self.distinct("model").await?,
            objects: self.distinct("object_type").await?,
            stop_reasons: self.distinct("stop_reason").await?,
            selected_keys: self
                .named_ids(
                    "SELECT DISTINCT selected_key_id AS id, selected_key_name AS name FROM logs \
                     WHERE selected_key_id IS NOT NULL ORDER BY id, name",
                )
                .await?,
            virtual_keys: self
                .named_ids(
                    "SELECT DISTINCT virtual_key_id AS id, virtual_key_name AS name FROM logs \
                     WHERE virtual_key_id IS NOT NULL ORDER BY id, name",
                )
                .await?,
        })
    }

    async fn delete_older_than(&self, cutoff: DateTime<Utc>) -> StoreResult<u64> {
        self.db
            .execute(
                &Stmt::new("DELETE FROM logs WHERE timestamp < $1").bind(cutoff.timestamp_millis()),
            )
            .await
    }

    async fn count(&self) -> StoreResult<u64> {
        let row = self
            .db
            .fetch_one(&Stmt::new("SELECT COUNT(*) AS n FROM logs"))
            .await?;
        Ok(u64_of(row.get::<i64>("n")?))
    }
}
