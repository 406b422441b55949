//! Settings of the request logger.

use std::time::Duration;

/// Headers never copied into log metadata, even when listed in `logging_headers`: they carry
/// credentials.
pub const SENSITIVE_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "x-api-key",
    "api-key",
    "x-goog-api-key",
    "x-bf-vk",
    "x-bf-api-key",
    "cookie",
];

/// How the request logger queues, batches, and keeps entries.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggingConfig {
    /// Entries the queue holds before new ones are dropped (and counted).
    pub queue_capacity: usize,
    /// Largest batch written at once.
    pub batch_size: usize,
    /// A partial batch is written after at most this long.
    pub flush_interval: Duration,
    /// Log metadata only: no input or output messages (`client.disable_content_logging`).
    pub disable_content_logging: bool,
    /// Rows older than this many days are deleted; `None` keeps them forever
    /// (`client.log_retention_days`).
    pub retention_days: Option<u32>,
    /// How often the retention cleaner runs (it also runs at start-up).
    pub retention_interval: Duration,
    /// Request headers copied into each row's `metadata` (`client.logging_headers`), lower-case.
    pub logging_headers: Vec<String>,
    /// Live-feed messages buffered per subscriber; a subscriber that falls further behind
    /// misses messages.
    pub live_capacity: usize,
}

impl Default for LoggingConfig {
    fn default() -> Self {
        Self {
            queue_capacity: 10_000,
            batch_size: 500,
            flush_interval: Duration::from_millis(200),
            disable_content_logging: false,
            retention_days: Some(365),
            retention_interval: Duration::from_secs(3600),
            logging_headers: Vec::new(),
            live_capacity: 4096,
        }
    }
}

impl LoggingConfig {
    /// `logging_headers` without the credential-carrying ones, lower-cased and de-duplicated.
    pub(crate) fn loggable_headers(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for h in &self.logging_headers {
            let h = h.trim().to_ascii_lowercase();
            if !h.is_empty() && !SENSITIVE_HEADERS.contains(&h.as_str()) && !out.contains(&h) {
                out.push(h);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_headers_are_never_logged() {
        let config = LoggingConfig {
            logging_headers: vec![
                "X-Team".into(),
                "Authorization".into(),
                "x-api-key".into(),
                "x-team".into(),
            ],
            ..LoggingConfig::default()
        };
        assert_eq!(config.loggable_headers(), ["x-team"]);
    }
}
