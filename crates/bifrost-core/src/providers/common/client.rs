//! Building the pooled HTTP client of a provider from its `network_config` and `proxy_config`.

use std::sync::Arc;
use std::time::Duration;

use thiserror::Error;

use super::lean::{LeanClient, LeanConfig, LeanError};
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
/// thread. Dereferences to the current worker's [`reqwest::Client`], which builds requests;
/// [`send`](Self::send) delivers them on the [lean client](super::lean) when it can carry
/// them and on `reqwest` otherwise (proxies, HTTP/2, streamed request bodies).
#[derive(Clone, Debug)]
pub struct HttpClient {
    per_worker: Arc<[reqwest::Client]>,
    lean: Option<LeanClient>,
}

/// Why [`HttpClient::send`] got no response.
#[derive(Debug, Error)]
pub enum SendError {
    /// Reported by `reqwest`.
    #[error(transparent)]
    Reqwest(#[from] reqwest::Error),
    /// Reported by the lean client.
    #[error(transparent)]
    Lean(#[from] LeanError),
}

impl SendError {
    /// True when no connection could be established.
    pub fn is_connect(&self) -> bool {
        match self {
            Self::Reqwest(e) => e.is_connect(),
            Self::Lean(e) => e.is_connect(),
        }
    }
}

impl HttpClient {
    /// Wraps one client per worker (at least one), without a lean client.
    pub fn new(per_worker: Vec<reqwest::Client>) -> Option<Self> {
        (!per_worker.is_empty()).then(|| Self {
            per_worker: per_worker.into(),
            lean: None,
        })
    }

    /// The number of pools.
    pub fn pools(&self) -> usize {
        self.per_worker.len()
    }

    /// The lean client, when this provider's settings allow one.
    pub fn lean(&self) -> Option<&LeanClient> {
        self.lean.as_ref()
    }

    /// Sends a `POST` of `body` to `url` with `headers`: on the lean client, built directly
    /// (no request builder), when it can reach `url`; through `reqwest` otherwise.
    pub async fn post_bytes(
        &self,
        url: reqwest::Url,
        headers: http::HeaderMap,
        body: Vec<u8>,
    ) -> Result<reqwest::Response, SendError> {
        match &self.lean {
            Some(lean) if lean.reaches(&url) => Ok(lean.post(&url, headers, body).await?),
            _ => {
                self.send(
                    self.request(http::Method::POST, url)
                        .headers(headers)
                        .body(body),
                )
                .await
            }
        }
    }

    /// Sends a request built from this client.
    pub async fn send(
        &self,
        builder: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, SendError> {
        let (client, request) = builder.build_split();
        let request = request?;
        match &self.lean {
            Some(lean) if lean.accepts(&request) => Ok(lean.execute(request).await?),
            _ => Ok(client.execute(request).await?),
        }
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
    let mut client =
        HttpClient::new(clients).ok_or_else(|| ClientBuildError::Build("no worker".to_owned()))?;
    client.lean = build_lean(network, proxy, default_headers, workers)?;
    Ok(client)
}

/// The user agent sent upstream.
const USER_AGENT: &str = concat!("bifrost-rs/", env!("CARGO_PKG_VERSION"));

fn idle_timeout(network: &NetworkConfig) -> Duration {
    network
        .keep_alive_timeout_in_seconds
        .filter(|s| *s > 0)
        .map(Duration::from_secs)
        .unwrap_or(Duration::from_secs(90))
}

/// The lean client for these settings, or `None` when they need `reqwest` (a proxy, HTTP/2).
fn build_lean(
    network: &NetworkConfig,
    proxy: Option<&ProxyConfig>,
    default_headers: http::HeaderMap,
    workers: usize,
) -> Result<Option<LeanClient>, ClientBuildError> {
    let proxied = proxy.is_some_and(|p| p.kind != ProxyType::None);
    if proxied || network.enforce_http2.unwrap_or(false) {
        return Ok(None);
    }
    let tls = tls_config(network)?;
    Ok(Some(LeanClient::new(
        LeanConfig {
            default_headers,
            user_agent: http::HeaderValue::from_static(USER_AGENT),
            tls: Some(Arc::new(tls)),
            connect_timeout: network.request_timeout().min(Duration::from_secs(10)),
            idle_timeout: idle_timeout(network),
            max_idle: network.max_conns_per_host() as usize,
        },
        workers,
    )))
}

/// The rustls settings of the lean client, equivalent to what `reqwest` does with the same
/// `network_config`: the platform's trust store plus `ca_cert_pem`, or no verification at all
/// with `insecure_skip_verify`; HTTP/1.1 by ALPN.
fn tls_config(network: &NetworkConfig) -> Result<rustls::ClientConfig, ClientBuildError> {
    ensure_crypto_provider();
    let provider = rustls::crypto::CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()));
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| ClientBuildError::Build(format!("TLS settings: {e}")))?;
    let mut config = if network.insecure_skip_verify.unwrap_or(false) {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate(provider)))
            .with_no_client_auth()
    } else {
        let mut extra = Vec::new();
        if let Some(pem) = network.ca_cert_pem.as_deref().filter(|p| !p.is_empty()) {
            let pem = resolve_env_ref(pem).map_err(ClientBuildError::CaCert)?;
            use rustls::pki_types::pem::PemObject;
            for cert in rustls::pki_types::CertificateDer::pem_slice_iter(pem.as_bytes()) {
                extra.push(cert.map_err(|e| ClientBuildError::CaCert(e.to_string()))?);
            }
        }
        let verifier = if extra.is_empty() {
            rustls_platform_verifier::Verifier::new(provider)
        } else {
            rustls_platform_verifier::Verifier::new_with_extra_roots(extra, provider)
        }
        .map_err(|e| ClientBuildError::Build(format!("TLS trust store: {e}")))?;
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth()
    };
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// `insecure_skip_verify`: any certificate is accepted; signatures are still checked so that
/// the handshake itself is sound.
#[derive(Debug)]
struct AcceptAnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

fn build_one_client(
    network: &NetworkConfig,
    proxy: Option<&ProxyConfig>,
    default_headers: http::HeaderMap,
) -> Result<reqwest::Client, ClientBuildError> {
    ensure_crypto_provider();
    let idle = idle_timeout(network);
    let mut builder = reqwest::Client::builder()
        .user_agent(USER_AGENT)
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
