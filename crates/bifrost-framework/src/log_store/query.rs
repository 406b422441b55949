//! Log search: filters, sorting, pagination, and what a search returns.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::entry::{LogEntry, LogStatus};

/// Default page size.
pub const DEFAULT_LIMIT: u32 = 50;
/// Largest page size; larger limits are clamped.
pub const MAX_LIMIT: u32 = 1000;

/// Which rows a search or a stats request covers. Empty lists and `None` mean "no filter";
/// several values in one list match any of them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LogFilter {
    /// Provider names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub providers: Vec<String>,
    /// Model names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub models: Vec<String>,
    /// Statuses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub status: Vec<LogStatus>,
    /// Request types (`object`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub objects: Vec<String>,
    /// Ids of the provider keys used.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub selected_key_ids: Vec<String>,
    /// Virtual key ids.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub virtual_key_ids: Vec<String>,
    /// Stop reasons.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stop_reasons: Vec<String>,
    /// Only retries / fallbacks of this request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_request_id: Option<String>,
    /// Requests at or after this instant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<DateTime<Utc>>,
    /// Requests at or before this instant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<DateTime<Utc>>,
    /// Latency at least this many milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_latency: Option<f64>,
    /// Latency at most this many milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_latency: Option<f64>,
    /// Total tokens at least this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_tokens: Option<u64>,
    /// Total tokens at most this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u64>,
    /// Cost at least this many dollars.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_cost: Option<f64>,
    /// Cost at most this many dollars.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_cost: Option<f64>,
    /// Only requests without a (positive) cost, errors excluded, like Bifrost's
    /// `missing_cost_only`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub missing_cost_only: bool,
    /// Case-insensitive substring of the logged message text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_search: Option<String>,
}

/// The column a search is ordered by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SortBy {
    /// Arrival time (default).
    #[default]
    Timestamp,
    /// Latency.
    Latency,
    /// Total tokens.
    Tokens,
    /// Cost.
    Cost,
}

impl SortBy {
    /// Parses `timestamp`, `latency`, `tokens` or `cost`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "timestamp" => Some(Self::Timestamp),
            "latency" => Some(Self::Latency),
            "tokens" => Some(Self::Tokens),
            "cost" => Some(Self::Cost),
            _ => None,
        }
    }

    pub(crate) fn column(self) -> &'static str {
        match self {
            Self::Timestamp => "timestamp",
            Self::Latency => "latency_ms",
            Self::Tokens => "total_tokens",
            Self::Cost => "cost",
        }
    }
}

/// Sort direction.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SortOrder {
    /// Smallest first.
    Asc,
    /// Largest (newest) first (default).
    #[default]
    Desc,
}

impl SortOrder {
    /// Parses `asc` or `desc`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "asc" => Some(Self::Asc),
            "desc" => Some(Self::Desc),
            _ => None,
        }
    }

    pub(crate) fn sql(self) -> &'static str {
        match self {
            Self::Asc => "ASC",
            Self::Desc => "DESC",
        }
    }
}

/// A search: filter, order and page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogQuery {
    /// Which rows.
    #[serde(flatten)]
    pub filter: LogFilter,
    /// Order column (rows without a value sort last either way; ties by id).
    #[serde(default)]
    pub sort_by: SortBy,
    /// Direction.
    #[serde(default)]
    pub order: SortOrder,
    /// Page size (1 to 1000, default 50).
    #[serde(default = "default_limit")]
    pub limit: u32,
    /// Rows to skip.
    #[serde(default)]
    pub offset: u64,
}

fn default_limit() -> u32 {
    DEFAULT_LIMIT
}

impl Default for LogQuery {
    fn default() -> Self {
        Self {
            filter: LogFilter::default(),
            sort_by: SortBy::default(),
            order: SortOrder::default(),
            limit: DEFAULT_LIMIT,
            offset: 0,
        }
    }
}

impl LogQuery {
    /// The page size actually used.
    pub fn effective_limit(&self) -> u32 {
        self.limit.clamp(1, MAX_LIMIT)
    }
}

/// The page part of a search answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pagination {
    /// Page size used.
    pub limit: u32,
    /// Rows skipped.
    pub offset: u64,
    /// Order column.
    pub sort_by: SortBy,
    /// Direction.
    pub order: SortOrder,
    /// Rows matching the filter.
    pub total_count: u64,
}

/// Aggregates over the rows matching a filter. Like Bifrost, the success rate, latency, token
/// and cost figures cover finished requests (success or error) only.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LogStats {
    /// Matching rows, processing ones included.
    pub total_requests: u64,
    /// Successes as a percentage of finished requests (0 when none finished).
    pub success_rate: f64,
    /// Mean latency of finished requests, in milliseconds.
    pub average_latency: f64,
    /// Sum of total tokens of finished requests.
    pub total_tokens: u64,
    /// Sum of known costs of finished requests, in dollars.
    pub total_cost: f64,
}

/// A search answer, shaped like Bifrost's `GET /api/logs` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogPage {
    /// The page of rows.
    pub logs: Vec<LogEntry>,
    /// Page, order and total.
    pub pagination: Pagination,
    /// Aggregates over every matching row.
    pub stats: LogStats,
    /// True when the store holds any row at all (the UI tells "no logs yet" from "no match").
    pub has_logs: bool,
}

/// An id with its display name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedId {
    /// The id.
    pub id: String,
    /// Its name, when one was logged.
    pub name: Option<String>,
}

/// Distinct values present in the logs, for filter pickers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FilterData {
    /// Providers.
    pub providers: Vec<String>,
    /// Models.
    pub models: Vec<String>,
    /// Request types.
    pub objects: Vec<String>,
    /// Stop reasons.
    pub stop_reasons: Vec<String>,
    /// Provider keys used (id and name).
    pub selected_keys: Vec<NamedId>,
    /// Virtual keys used.
    pub virtual_keys: Vec<NamedId>,
}
