//! # bifrost-plugin-logging
//!
//! Bifrost's `logging` plugin: one [`LogEntry`] per request (and per fallback target), written
//! to a [`LogStore`] by a background writer, never on the response path.
//!
//! ```text
//! pre_hook  -> entry (status processing) --try_send--> bounded queue --> writer task
//! post_hook -> entry (success / error)   --try_send--/                  | batches of up to
//!                                                                        | `batch_size`, or every
//!                                                                        v `flush_interval`
//!                                                    LogStore::insert_batch -> live feed (/ws)
//! ```
//!
//! A full queue drops the entry and counts it ([`RequestLogger::dropped`]); the request is
//! never slowed down. [`RequestLogger::flush`] waits until everything queued so far is stored,
//! and [`RequestLogger::shutdown`] does that and stops the writer. Rows older than the
//! retention period are deleted at start-up and every hour.
//!
//! [`LogEntry`]: bifrost_framework::LogEntry
//! [`LogStore`]: bifrost_framework::LogStore

mod config;
mod content;
mod live;
mod logger;
mod plugin;
mod retention;

pub use config::{LoggingConfig, SENSITIVE_HEADERS};
pub use live::{LiveLog, Operation};
pub use logger::RequestLogger;
pub use plugin::LoggingPlugin;

/// Name under which the plugin is configured (`plugins[].name`).
pub const PLUGIN_NAME: &str = "logging";
