//! Building the pooled HTTP client of a provider from its `network_config` and `proxy_config`.

use std::sync::Arc;
use std::time::Duration;

use thiserror::Error;

use crate::config::{NetworkConfig, ProxyConfig, ProxyType, resolve_env_ref};

/// Why a provider's HTTP client could not be built.
#[derive(Debug, Error)]
pub enum ClientBuildError {
    /// `ca_cert_pem` is not valid PEM.
    #[error("ca_cert_pem is not a valid PEM certificate: {0}")]
    CaCert(String),
    /// The proxy URL is missing or invalid.
    #[error("proxy_config: {0}")]
    Proxy(String),
    /// The HTTP client library refused the settings.
    #[error("cannot build the HTTP client: {0}")]
    Build(String),
}

/// Installs the process-wide TLS crypto provider (ring) once. Safe to call many times.
pub fn ensure_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Another thread may win the race; either way a provider is installed.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

/// A provider's upstream HTTP client: one connection pool per I/O worker
/// ([`crate::workers`]), so that a request and the connection task serving it run on the same
/// thread. Dereferences to the current worker's [`reqwest::Client`].
#[derive(Clone, Debug)]
pub struct HttpClient {
    per_worker: Arc<[reqwest::Client]>,
}

impl HttpClient {
    /// Wraps one client per worker (at least one).
    pub fn new(per_worker: Vec<reqwest::Client>) -> Option<Self> {
        (!per_worker.is_empty()).then(|| Self {
            per_worker: per_worker.into(),
        })
    }

    /// The number of pools.
    pub fn pools(&self) -> usize {
        self.per_worker.len()
    }
}

impl std::ops::Deref for HttpClient {
    type Target = reqwest::Client;

    #[inline]
    fn deref(&self) -> &reqwest::Client {
        let slot = crate::workers::current_slot();
        &self.per_worker[slot % self.per_worker.len()]
    }
}

/// Builds a long-lived, pooled client for one provider (one pool per I/O worker);
/// `default_headers` go on every request (`network_config.extra_headers`).
///
/// Timeouts are not set here: the engine bounds every attempt itself, so that retries, stream
/// idle timeouts and tests on a paused clock all work the same way.
pub fn build_client(
    network: &NetworkConfig,
    proxy: Option<&ProxyConfig>,
    default_headers: http::HeaderMap,
) -> Result<HttpClient, ClientBuildError> {
    let workers = crate::workers::worker_count();
    let mut clients = Vec::with_capacity(workers);
    for _ in 0..workers {
        clients.push(build_one_client(network, proxy, default_headers.clone())?);
    }
    HttpClient::new(clients).ok_or_else(|| ClientBuildError::Build("no worker".to_owned()))
}

fn build_one_client(
    network: &NetworkConfig,
    proxy: Option<&ProxyConfig>,
    default_headers: http::HeaderMap,
) -> Result<reqwest::Client, ClientBuildError> {
    ensure_crypto_provider();
    let idle = network
        .keep_alive_timeout_in_seconds
        .filter(|s| *s > 0)
        .map(Duration::from_secs)
        .unwrap_or(Duration::from_secs(90));
    let mut builder = reqwest::Client::builder()
        .user_agent(concat!("bifrost-rs/", env!("CARGO_PKG_VERSION")))
        .pool_max_idle_per_host(network.max_conns_per_host() as usize)
        .pool_idle_timeout(idle)
        .tcp_nodelay(true)
        .default_headers(default_headers)
        // The engine owns retries and providers never follow redirects: both layers off saves a
        // request clone and a policy check per call.
        .retry(reqwest::retry::never())
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(network.request_timeout().min(Duration::from_secs(10)));
    if network.enforce_http2.unwrap_or(false) {
        builder = builder.http2_prior_knowledge();
    }
    if network.insecure_skip_verify.unwrap_or(false) {
        builder = builder.tls_danger_accept_invalid_certs(true);
    }
    if let Some(pem) = network.ca_cert_pem.as_deref().filter(|p| !p.is_empty()) {
        let pem = resolve_env_ref(pem).map_err(ClientBuildError::CaCert)?;
        let certs = reqwest::Certificate::from_pem_bundle(pem.as_bytes())
            .map_err(|e| ClientBuildError::CaCert(e.to_string()))?;
        if certs.is_empty() {
            return Err(ClientBuildError::CaCert("no certificate found".to_owned()));
        }
        for cert in certs {
            builder = builder.add_root_certificate(cert);
        }
    }
    builder = apply_proxy(builder, proxy)?;
    builder
        .build()
        .map_err(|e| ClientBuildError::Build(e.to_string()))
}

fn apply_proxy(
    builder: reqwest::ClientBuilder,
    proxy: Option<&ProxyConfig>,
) -> Result<reqwest::ClientBuilder, ClientBuildError> {
    let Some(proxy) = proxy else {
        return Ok(builder.no_proxy());
    };
    match proxy.kind {
        ProxyType::None => Ok(builder.no_proxy()),
        // reqwest reads HTTP_PROXY / HTTPS_PROXY / NO_PROXY by default.
        ProxyType::Environment => Ok(builder),
        ProxyType::Http | ProxyType::Socks5 => {
            let url = proxy
                .url
                .as_deref()
                .filter(|u| !u.is_empty())
                .ok_or_else(|| ClientBuildError::Proxy("url is required".to_owned()))?;
            let url = if proxy.kind == ProxyType::Socks5 && !url.contains("://") {
                format!("socks5://{url}")
            } else {
                url.to_owned()
            };
            let mut p = reqwest::Proxy::all(&url)
                .map_err(|e| ClientBuildError::Proxy(format!("invalid url: {e}")))?;
            if let Some(user) = proxy.username.as_deref().filter(|u| !u.is_empty()) {
                let password = proxy
                    .password
                    .as_deref()
                    .map(resolve_env_ref)
                    .transpose()
                    .map_err(ClientBuildError::Proxy)?
                    .unwrap_or_default();
                p = p.basic_auth(user, &password);
            }
            let mut builder = builder.proxy(p);
            if let Some(pem) = proxy.ca_cert_pem.as_deref().filter(|p| !p.is_empty()) {
                let pem = resolve_env_ref(pem).map_err(ClientBuildError::Proxy)?;
                for cert in reqwest::Certificate::from_pem_bundle(pem.as_bytes())
                    .map_err(|e| ClientBuildError::Proxy(format!("ca_cert_pem: {e}")))?
                {
                    builder = builder.add_root_certificate(cert);
                }
            }
            Ok(builder)
        }
    }
}
