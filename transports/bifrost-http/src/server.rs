//! Binding, serving, and graceful shutdown.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::serve::ListenerExt;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::config_load::{self, Loaded, StartupError};
use crate::routes;
use crate::state::AppState;

/// A gateway ready to serve: configuration loaded, router built.
pub struct Gateway {
    /// Shared handler state.
    pub state: Arc<AppState>,
    /// The router.
    pub router: Router,
    /// The configuration it was built from.
    pub loaded: Loaded,
}

impl std::fmt::Debug for Gateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gateway")
            .field("loaded", &self.loaded)
            .finish()
    }
}

impl Gateway {
    /// Loads `app_dir/config.json` and builds the router.
    pub fn load(app_dir: &Path) -> Result<Self, StartupError> {
        let loaded = config_load::load(app_dir)?;
        Ok(Self::from_loaded(loaded))
    }

    /// Builds the router from an already loaded configuration.
    pub fn from_loaded(loaded: Loaded) -> Self {
        let mut state = AppState::new(loaded.bifrost.clone(), loaded.file.client.clone());
        state.telemetry = loaded.telemetry.clone();
        state.logs = loaded.logs.clone();
        let state = Arc::new(state);
        let router = routes::router(state.clone());
        Self {
            state,
            router,
            loaded,
        }
    }
}

/// A gateway serving in the background (used by tests and by `main`).
#[derive(Debug)]
pub struct RunningGateway {
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl RunningGateway {
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting connections and waits up to `grace` for in-flight requests and streams.
    /// Returns false when the grace period ran out with work still in flight.
    pub async fn shutdown(self, grace: Duration) -> bool {
        let _ = self.stop.send(true);
        tokio::time::timeout(grace, self.task).await.is_ok()
    }
}

/// Binds `addr` and serves `router` in a background task.
pub async fn spawn(router: Router, addr: SocketAddr) -> std::io::Result<RunningGateway> {
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let (stop, mut stopped) = watch::channel(false);
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    let serve = axum::serve(listener, router).with_graceful_shutdown(async move {
        let _ = stopped.wait_for(|s| *s).await;
    });
    let task = tokio::spawn(async move { serve.await });
    Ok(RunningGateway { addr, stop, task })
}

/// Resolves when SIGTERM or SIGINT arrives.
pub async fn shutdown_signal() -> &'static str {
    {
        let ctrl_c = async {
            let _ = tokio::signal::ctrl_c().await;
            "SIGINT"
        };
        #[cfg(unix)]
        {
            let term = async {
                match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                    Ok(mut s) => {
                        s.recv().await;
                    }
                    Err(_) => std::future::pending::<()>().await,
                }
                "SIGTERM"
            };
            tokio::select! {
                s = ctrl_c => s,
                s = term => s,
            }
        }
        #[cfg(not(unix))]
        {
            ctrl_c.await
        }
    }
}
