//! Binding, serving, and graceful shutdown.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::ServiceExt;
use axum::serve::ListenerExt;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::admin::ConfigControl;
use crate::admin::settings::whitelisted_routes;
use crate::auth::state::{first_run_setup_token, resolve_admin};
use crate::auth::{Admin, AdminSource, AuthState};
use crate::config_load::{self, Loaded, StartupError};
use crate::routes;
use crate::service::GatewayService;
use crate::state::AppState;

/// A gateway ready to serve: configuration loaded, router built.
pub struct Gateway {
    /// Shared handler state.
    pub state: Arc<AppState>,
    /// The router.
    pub router: Router,
    /// What connections are served with: the router plus the direct inference path.
    pub service: GatewayService,
    /// The configuration it was built from.
    pub loaded: Loaded,
    /// Where the admin account came from.
    pub admin_source: AdminSource,
    /// The one-time token for `POST /api/session/setup`, when no admin account exists and a
    /// config store can keep the one that is set up.
    pub setup_token: Option<String>,
}

impl std::fmt::Debug for Gateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gateway")
            .field("loaded", &self.loaded)
            .field("admin_source", &self.admin_source)
            .finish()
    }
}

impl Gateway {
    /// Loads `app_dir/config.json` and builds the router, file-only: no configuration store
    /// is opened and `auth_config` applies from the file.
    pub fn load(app_dir: &Path) -> Result<Self, StartupError> {
        let loaded = config_load::load(app_dir)?;
        Ok(Self::from_loaded(loaded))
    }

    /// Loads `app_dir/config.json`, opens and seeds the configuration store (see
    /// [`config_load::open`]), resolves the admin account (file and store) and builds the
    /// router. This is what the binary runs.
    pub async fn open(app_dir: &Path) -> Result<Self, StartupError> {
        let loaded = config_load::open(app_dir).await?;
        let store = loaded.config_store.clone();
        let (admin, source) = resolve_admin(loaded.auth.as_ref(), store.as_ref())
            .await
            .map_err(|e| StartupError::Store {
                message: format!("admin account: {e}"),
            })?;
        let setup_token = match (&admin, &store) {
            (None, Some(_)) => Some(first_run_setup_token(loaded.auth.as_ref()).map_err(|e| {
                StartupError::Store {
                    message: e.to_string(),
                }
            })?),
            _ => None,
        };
        let auth = AuthState::new(
            admin,
            whitelisted_routes(&loaded.file.client),
            store.clone(),
        );
        auth.set_setup_token(setup_token.clone());
        let mut gateway = Self::assemble(loaded, auth, store);
        gateway.admin_source = source;
        gateway.setup_token = setup_token;
        Ok(gateway)
    }

    /// Builds the router from an already loaded configuration (file-only auth: the file's
    /// `auth_config`, hashed in memory).
    pub fn from_loaded(loaded: Loaded) -> Self {
        let admin = loaded
            .auth
            .as_ref()
            .and_then(|f| f.credentials().map(|c| (f, c)))
            .map(|(f, (user, pass))| Admin {
                username: user.to_owned(),
                // A hash that never verifies when hashing itself failed: closed, not open.
                password_hash: crate::auth::password::hash_password(pass)
                    .unwrap_or_else(|_| "!".to_owned()),
                is_enabled: f.is_enabled,
                disable_auth_on_inference: f.disable_auth_on_inference,
            });
        let source = if admin.is_some() {
            AdminSource::File
        } else {
            AdminSource::None
        };
        let auth = AuthState::new(admin, whitelisted_routes(&loaded.file.client), None);
        let mut gateway = Self::assemble(loaded, auth, None);
        gateway.admin_source = source;
        gateway
    }

    fn assemble(
        loaded: Loaded,
        auth: AuthState,
        store: Option<Arc<dyn bifrost_framework::ConfigStore>>,
    ) -> Self {
        let mut state = AppState::new(loaded.bifrost.clone(), loaded.file.client.clone());
        state.telemetry = loaded.telemetry.clone();
        state.control = Arc::new(ConfigControl::new(
            store.clone(),
            loaded.file.client.clone(),
            loaded.file.version.unwrap_or(2),
        ));
        state.config_store = store;
        state.auth = Arc::new(auth);
        state.logs = loaded.logs.clone();
        let state = Arc::new(state);
        let router = routes::router(state.clone());
        let service = GatewayService::with_direct_path(router.clone(), state.clone());
        Self {
            state,
            router,
            service,
            loaded,
            admin_source: AdminSource::None,
            setup_token: None,
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

/// Binds `addr` and serves `service` in a background task.
pub async fn spawn(service: GatewayService, addr: SocketAddr) -> std::io::Result<RunningGateway> {
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let (stop, mut stopped) = watch::channel(false);
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    let serve =
        axum::serve(listener, service.into_make_service()).with_graceful_shutdown(async move {
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
