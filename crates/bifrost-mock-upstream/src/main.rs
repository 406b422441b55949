//! `bifrost-mock-upstream`: the mock OpenAI server as a standalone binary.
//!
//! Prints exactly one line, `listening on http://HOST:PORT`, once bound, then
//! serves until SIGTERM or SIGINT.
#![allow(clippy::print_stdout)]

use std::io::Write as _;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use bifrost_mock_upstream::{MockConfig, MockUpstream};
use clap::Parser;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A mock of OpenAI's HTTP API for tests and benchmarks.
#[derive(Debug, Parser)]
#[command(name = "bifrost-mock-upstream", version, about)]
struct Args {
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1", env = "MOCK_UPSTREAM_HOST")]
    host: IpAddr,
    /// Port to bind; 0 picks a free port.
    #[arg(long, default_value_t = 0, env = "MOCK_UPSTREAM_PORT")]
    port: u16,
    /// Fixed latency in milliseconds added to every response.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Keep at most this many recorded requests for `GET /__mock/requests`
    /// (0 disables recording).
    #[arg(long, default_value_t = 10_000)]
    max_recorded: usize,
    /// Tokio worker threads (default: one per core).
    #[arg(long)]
    workers: Option<usize>,
}

fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    builder.enable_all();
    if let Some(workers) = args.workers.filter(|w| *w > 0) {
        builder.worker_threads(workers);
    }
    builder.build()?.block_on(run(args))
}

async fn run(args: Args) -> std::io::Result<()> {
    let config = MockConfig {
        latency: Duration::from_millis(args.latency_ms),
        max_recorded: Some(args.max_recorded),
    };
    let upstream = MockUpstream::start_with(SocketAddr::new(args.host, args.port), config).await?;
    {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "listening on http://{}", upstream.addr())?;
        stdout.flush()?;
    }
    shutdown_signal().await;
    upstream.shutdown();
    Ok(())
}

#[cfg(unix)]
async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(not(unix))]
async fn shutdown_signal() {
    let _ = tokio::signal::ctrl_c().await;
}
