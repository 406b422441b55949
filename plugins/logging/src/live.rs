//! The live feed: every stored entry, as Bifrost's `/ws` pushes it.

use std::sync::Arc;

use bifrost_framework::{LogEntry, LogStatus};
use serde::Serialize;

/// Whether a row is new or an update of one already sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Operation {
    /// A request just started (`processing` row).
    Create,
    /// A request finished (success or error row).
    Update,
}

/// One live-feed message: `{"type": "log", "operation": "create" | "update", "payload": {...}}`.
#[derive(Debug, Clone, Serialize)]
pub struct LiveLog {
    /// Always `log`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// New or updated row.
    pub operation: Operation,
    /// The row, as `GET /api/logs` returns it.
    pub payload: Arc<LogEntry>,
}

impl LiveLog {
    /// The message for a stored entry.
    pub fn new(entry: Arc<LogEntry>) -> Self {
        let operation = if entry.status == LogStatus::Processing {
            Operation::Create
        } else {
            Operation::Update
        };
        Self {
            kind: "log",
            operation,
            payload: entry,
        }
    }
}
