//! Command-line flags (each also an environment variable).

use std::net::IpAddr;
use std::path::PathBuf;

use clap::{Parser, ValueEnum};

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogStyle {
    /// One JSON object per line (for log collectors).
    Json,
    /// Human-readable, coloured when the output is a terminal.
    Pretty,
}

/// Bifrost-rs: an OpenAI-compatible LLM gateway in front of many providers.
#[derive(Debug, Clone, Parser)]
#[command(name = "bifrost-http", version, about, long_about = None)]
#[command(
    after_help = "Configuration lives in APP_DIR/config.json (Bifrost's schema) and the configuration \
store it seeds (APP_DIR/config.db by default). Without config.json the gateway starts with no \
providers; add them to config.json or through the management API (POST /api/providers).\n\n\
Example:\n  bifrost-http --app-dir ./data --port 8080\n  curl -s localhost:8080/v1/chat/completions -H 'content-type: application/json' \\\n    -d '{\"model\":\"openai/gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}'"
)]
pub struct Cli {
    /// Directory holding config.json and the default SQLite configuration store (config.db).
    #[arg(long, env = "BIFROST_APP_DIR", default_value = ".")]
    pub app_dir: PathBuf,

    /// Port to listen on.
    #[arg(long, env = "BIFROST_PORT", default_value_t = 8080)]
    pub port: u16,

    /// Address to listen on (0.0.0.0 for every interface).
    #[arg(long, env = "BIFROST_HOST", default_value = "127.0.0.1")]
    pub host: IpAddr,

    /// Log level: error, warn, info, debug or trace (or a tracing filter such as
    /// "info,bifrost_core=debug"). Per-request lines are logged at debug.
    #[arg(long, env = "BIFROST_LOG_LEVEL", default_value = "info")]
    pub log_level: String,

    /// Log format.
    #[arg(long, env = "BIFROST_LOG_STYLE", value_enum, default_value_t = LogStyle::Json)]
    pub log_style: LogStyle,

    /// I/O worker threads, each with its own event loop, listening socket and upstream
    /// connection pools (0: one per CPU core).
    #[arg(long, env = "BIFROST_WORKERS", default_value_t = 0)]
    pub workers: usize,

    /// Seconds to let in-flight requests and streams finish after SIGTERM/SIGINT.
    #[arg(long, env = "BIFROST_SHUTDOWN_TIMEOUT", default_value_t = 30)]
    pub shutdown_timeout: u64,
}
