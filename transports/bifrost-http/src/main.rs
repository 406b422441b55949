//! `bifrost-http`: the gateway binary.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use bifrost_http::auth::AdminSource;
use bifrost_http::cli::Cli;
use bifrost_http::workers::{self, WorkerPool};
use bifrost_http::{Gateway, logging, server};
use clap::Parser;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(e) = logging::init(&cli.log_level, cli.log_style) {
        eprintln!("bifrost-http: {e}");
        return ExitCode::from(2);
    }
    // Requests are served by the I/O workers (one event loop per core); this runtime runs start-up,
    // signal handling and background tasks (exporters, writers).
    let workers = match cli.workers {
        0 => workers::default_count(),
        n => n,
    };
    bifrost_core::workers::set_worker_count(workers);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("bifrost-main")
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("bifrost-http: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    runtime.block_on(run(cli, workers))
}

/// Start-up lines about the configuration store and admin authentication.
fn log_store_and_auth(gateway: &Gateway) {
    let loaded = &gateway.loaded;
    match (&loaded.config_store, &loaded.seed_report) {
        (Some(store), Some(report)) => tracing::info!(
            backend = store.backend().as_str(),
            inserted = ?report.inserted,
            updated = ?report.updated,
            unchanged = report.unchanged.len(),
            kept_deleted = ?report.skipped_deleted,
            "configuration store opened and seeded from config.json"
        ),
        _ => tracing::info!(
            "configuration store disabled (config_store.enabled: false): file-only mode, the management API is read-only"
        ),
    }
    let auth = &gateway.state.auth;
    match (auth.admin(), gateway.admin_source) {
        (Some(a), source) if a.is_enabled => tracing::info!(
            admin = %a.username,
            source = ?source,
            inference_open = a.disable_auth_on_inference,
            "admin authentication is on"
        ),
        (Some(a), _) => tracing::warn!(
            admin = %a.username,
            "an admin account is configured but auth_config.is_enabled is false: the management API, /metrics and inference are open to anyone who can reach this port"
        ),
        (None, AdminSource::None) | (None, _) => tracing::warn!(
            "no admin credentials configured: the management API (/api/*), /metrics and inference are open to anyone who can reach this port; set auth_config in config.json or use POST /api/session/setup"
        ),
    }
    if let Some(token) = &gateway.setup_token {
        tracing::warn!(
            setup_token = %token,
            "first-run setup: create the admin account once with POST /api/session/setup (header X-Bifrost-Setup-Token); the token is valid until it is used"
        );
    }
}

async fn run(cli: Cli, workers: usize) -> ExitCode {
    let gateway = match Gateway::open(&cli.app_dir).await {
        Ok(g) => g,
        Err(e) => {
            tracing::error!(error = %e, "cannot start");
            eprintln!("bifrost-http: {e}");
            return ExitCode::from(2);
        }
    };
    let loaded = &gateway.loaded;
    match &loaded.source {
        Some(path) => tracing::info!(path = %path.display(), "configuration loaded"),
        None => tracing::info!(
            app_dir = %cli.app_dir.display(),
            "no config.json found: starting from the configuration store alone (add providers to APP_DIR/config.json, or with POST /api/providers)"
        ),
    }
    for w in &loaded.warnings {
        tracing::warn!(path = %w.path, "{}", w.message);
    }
    log_store_and_auth(&gateway);
    let snapshot = loaded.bifrost.snapshot();
    tracing::info!(providers = ?snapshot.provider_names(), "providers ready");
    match &gateway.state.logs {
        Some(logs) => tracing::info!(store = ?logs.store().backend(), "request logging on"),
        None => tracing::info!("request logging off"),
    }
    let addr = SocketAddr::new(cli.host, cli.port);
    let running = match WorkerPool::start(gateway.service.clone(), addr, workers) {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(%addr, error = %e, "cannot listen");
            eprintln!("bifrost-http: cannot listen on {addr}: {e}");
            return ExitCode::from(1);
        }
    };
    tracing::info!(addr = %running.addr(), workers = running.len(), "bifrost-http listening");
    let signal = server::shutdown_signal().await;
    tracing::info!(
        signal,
        grace_seconds = cli.shutdown_timeout,
        "shutting down: no new connections, finishing in-flight requests"
    );
    let clean = running
        .shutdown(Duration::from_secs(cli.shutdown_timeout))
        .await;
    // Plugin cleanup: among others, the request logger stores what is still queued.
    gateway.state.bifrost.shutdown().await;
    if let Some(logs) = &gateway.state.logs {
        logs.shutdown().await;
        let dropped = logs.dropped();
        if dropped > 0 {
            tracing::warn!(
                dropped,
                "request log entries were dropped because the queue was full"
            );
        }
    }
    if clean {
        tracing::info!("stopped");
    } else {
        tracing::warn!("stopped with requests still in flight after the grace period");
    }
    ExitCode::SUCCESS
}
