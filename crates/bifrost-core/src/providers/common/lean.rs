//! The lean upstream client: HTTP/1.1 keep-alive connections on `hyper`'s connection API, one
//! pool per I/O worker and origin, plain TCP or TLS (rustls).
//!
//! A provider call is one small request and one response on a connection that is almost always
//! already open, so the per-request work is what counts. Compared with going through
//! `reqwest::Client`, this path skips the `Url` to `Uri` conversion (the request line is written
//! from the already parsed URL's path), the client's service stack and boxed futures, the shared
//! pool's keyed map, and the task that the generic pool spawns per request to wait for the
//! connection to become idle again: a connection goes back to its pool the moment its response
//! body ends.
//!
//! What it does not do falls back to `reqwest` ([`HttpClient`](super::client::HttpClient) decides):
//! proxies, HTTP/2 (`enforce_http2`), and request bodies that are streams.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::{ACCEPT, HOST, HeaderValue, USER_AGENT};
use http::{HeaderMap, Request, Response, Uri};
use http_body::{Body, Frame, SizeHint};
use hyper::body::Incoming;
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use reqwest::ResponseBuilderExt;
use thiserror::Error;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

/// A request that the lean client could not deliver.
#[derive(Debug, Error)]
pub enum LeanError {
    /// No connection could be opened (DNS, refused, unreachable, connect timeout).
    #[error("{0}")]
    Connect(String),
    /// The TLS handshake failed.
    #[error("TLS handshake failed: {0}")]
    Tls(String),
    /// The request could not be written or no response head arrived.
    #[error(transparent)]
    Http(#[from] hyper::Error),
}

/// Whether a failed connection attempt or request is about the connection itself.
impl LeanError {
    /// True when no connection could be established.
    pub fn is_connect(&self) -> bool {
        matches!(self, Self::Connect(_) | Self::Tls(_))
    }
}

/// Where connections go: scheme, host and port.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Origin {
    tls: bool,
    host: String,
    port: u16,
}

impl Origin {
    fn of(url: &reqwest::Url) -> Option<Self> {
        let tls = match url.scheme() {
            "http" => false,
            "https" => true,
            _ => return None,
        };
        Some(Self {
            tls,
            host: url.host_str()?.to_owned(),
            port: url.port_or_known_default()?,
        })
    }

    fn matches(&self, url: &reqwest::Url) -> bool {
        let tls = url.scheme() == "https";
        self.tls == tls
            && url.host_str() == Some(self.host.as_str())
            && url.port_or_known_default() == Some(self.port)
    }
}

/// A keep-alive connection waiting for its next request.
struct IdleConn {
    sender: SendRequest<reqwest::Body>,
    since: Instant,
}

/// The idle connections to one origin, on one worker.
struct OriginPool {
    origin: Origin,
    idle: Vec<IdleConn>,
}

/// One worker's pools, one per origin (usually one).
#[derive(Default)]
struct WorkerPools {
    origins: Mutex<Vec<OriginPool>>,
}

/// Settings shared by every pool of one provider.
#[derive(Debug)]
struct Settings {
    default_headers: HeaderMap,
    user_agent: HeaderValue,
    tls: Option<Arc<rustls::ClientConfig>>,
    connect_timeout: Duration,
    idle_timeout: Duration,
    max_idle: usize,
}

/// A provider's lean client: one set of pools per I/O worker ([`crate::workers`]), and one
/// more for every other thread (start-up, background tasks, tests), so that a connection served
/// by another runtime's task never lands in a worker's pool.
#[derive(Clone)]
pub struct LeanClient {
    settings: Arc<Settings>,
    workers: Arc<[Arc<WorkerPools>]>,
}

impl std::fmt::Debug for LeanClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LeanClient")
            .field("pools", &self.workers.len())
            .finish()
    }
}

/// How a [`LeanClient`] is set up.
#[derive(Debug)]
pub struct LeanConfig {
    /// Headers added to every request that does not set them itself.
    pub default_headers: HeaderMap,
    /// The `User-Agent` sent when the request has none.
    pub user_agent: HeaderValue,
    /// TLS settings for `https` origins; `None` makes `https` requests fall back.
    pub tls: Option<Arc<rustls::ClientConfig>>,
    /// Bound on opening one connection (TCP and TLS).
    pub connect_timeout: Duration,
    /// Idle connections older than this are closed instead of reused.
    pub idle_timeout: Duration,
    /// Most idle connections kept per origin and worker.
    pub max_idle: usize,
}

impl LeanClient {
    /// A client for `workers` I/O workers (at least one).
    pub fn new(config: LeanConfig, workers: usize) -> Self {
        let workers: Vec<Arc<WorkerPools>> = (0..workers.max(1) + 1)
            .map(|_| Arc::new(WorkerPools::default()))
            .collect();
        Self {
            settings: Arc::new(Settings {
                default_headers: config.default_headers,
                user_agent: config.user_agent,
                tls: config.tls,
                connect_timeout: config.connect_timeout,
                idle_timeout: config.idle_timeout,
                max_idle: config.max_idle.max(1),
            }),
            workers: workers.into(),
        }
    }

    /// True when this client can carry `request` (an `http` or `https` URL with a host, a body
    /// that is in memory, and TLS settings for `https`).
    pub fn accepts(&self, request: &reqwest::Request) -> bool {
        self.reaches(request.url()) && request.body().is_none_or(|b| b.as_bytes().is_some())
    }

    /// True when this client can reach `url` (`http`, or `https` with TLS settings, and a host).
    pub fn reaches(&self, url: &reqwest::Url) -> bool {
        let scheme_ok = match url.scheme() {
            "http" => true,
            "https" => self.settings.tls.is_some(),
            _ => false,
        };
        scheme_ok && url.host_str().is_some()
    }

    /// The number of idle connections kept for the calling worker (all origins).
    pub fn idle_connections(&self) -> usize {
        self.pools()
            .origins
            .lock()
            .map(|o| o.iter().map(|p| p.idle.len()).sum())
            .unwrap_or(0)
    }

    /// The calling thread's pools: its worker's, or the shared set outside workers.
    fn pools(&self) -> &Arc<WorkerPools> {
        let shared = self.workers.len() - 1;
        let index = match crate::workers::current_worker() {
            Some(slot) if shared > 0 => slot % shared,
            _ => shared,
        };
        &self.workers[index]
    }

    /// Sends `request` (see [`accepts`](Self::accepts)) and returns the response head; the body
    /// streams from the connection, which returns to its pool when the body has been read to
    /// the end.
    pub async fn execute(&self, request: reqwest::Request) -> Result<reqwest::Response, LeanError> {
        let url = request.url().clone();
        let origin = origin_of(&url)?;
        let http_request = self.to_http(request, &origin)?;
        self.send(http_request, url, origin).await
    }

    /// Sends a `POST` of `body` to `url` (an `http` or `https` URL) with `headers`, built
    /// directly as an `http::Request`; `Host`, the default headers, `User-Agent` and `Accept`
    /// are added as for [`execute`](Self::execute).
    pub async fn post(
        &self,
        url: &reqwest::Url,
        mut headers: HeaderMap,
        body: Vec<u8>,
    ) -> Result<reqwest::Response, LeanError> {
        let origin = origin_of(url)?;
        let uri = origin_form(url)?;
        self.complete_headers(&mut headers, &origin);
        let mut request = Request::new(reqwest::Body::from(body));
        *request.method_mut() = http::Method::POST;
        *request.uri_mut() = uri;
        *request.headers_mut() = headers;
        self.send(request, url.clone(), origin).await
    }

    async fn send(
        &self,
        mut http_request: Request<reqwest::Body>,
        url: reqwest::Url,
        origin: Origin,
    ) -> Result<reqwest::Response, LeanError> {
        let pools = self.pools().clone();
        // A reused connection that the server closed while it sat idle hands the request back
        // unsent; then it goes out again, on the next idle connection or a new one.
        loop {
            let (mut sender, fresh) = match checkout(&pools, &url, self.settings.idle_timeout) {
                Some(sender) => (sender, false),
                None => (self.connect(&origin).await?, true),
            };
            match sender.try_send_request(http_request).await {
                Ok(response) => {
                    return Ok(into_reqwest(
                        response,
                        url,
                        sender,
                        pools,
                        origin,
                        &self.settings,
                    ));
                }
                Err(mut e) => match e.take_message() {
                    Some(unsent) if !fresh => http_request = unsent,
                    _ => return Err(LeanError::Http(e.into_error())),
                },
            }
        }
    }

    /// The `http::Request` for `request`: origin-form target, `Host`, default headers.
    fn to_http(
        &self,
        mut request: reqwest::Request,
        origin: &Origin,
    ) -> Result<Request<reqwest::Body>, LeanError> {
        let uri = origin_form(request.url())?;
        let mut headers = std::mem::take(request.headers_mut());
        self.complete_headers(&mut headers, origin);
        let body = request.body_mut().take().unwrap_or_default();
        let mut out = Request::new(body);
        *out.method_mut() = request.method().clone();
        *out.uri_mut() = uri;
        *out.headers_mut() = headers;
        Ok(out)
    }

    /// Adds `Host`, the default headers, `User-Agent` and `Accept` where the request has none.
    fn complete_headers(&self, headers: &mut HeaderMap, origin: &Origin) {
        if !headers.contains_key(HOST) {
            let host = if origin.port == if origin.tls { 443 } else { 80 } {
                HeaderValue::from_str(&origin.host)
            } else {
                HeaderValue::from_str(&format!("{}:{}", origin.host, origin.port))
            };
            if let Ok(host) = host {
                headers.insert(HOST, host);
            }
        }
        for (name, value) in &self.settings.default_headers {
            if !headers.contains_key(name) {
                headers.insert(name.clone(), value.clone());
            }
        }
        if !headers.contains_key(USER_AGENT) {
            headers.insert(USER_AGENT, self.settings.user_agent.clone());
        }
        if !headers.contains_key(ACCEPT) {
            headers.insert(ACCEPT, HeaderValue::from_static("*/*"));
        }
    }

    /// Opens a connection to `origin` and starts its connection task on the current runtime.
    async fn connect(&self, origin: &Origin) -> Result<SendRequest<reqwest::Body>, LeanError> {
        tracing::debug!(
            host = %origin.host,
            port = origin.port,
            tls = origin.tls,
            "opening an upstream connection"
        );
        let timeout = self.settings.connect_timeout;
        let open = async {
            let tcp = open_tcp(&origin.host, origin.port).await?;
            let _ = tcp.set_nodelay(true);
            let stream = if origin.tls {
                let config = self
                    .settings
                    .tls
                    .clone()
                    .ok_or_else(|| LeanError::Tls("no TLS settings".to_owned()))?;
                let name = rustls::pki_types::ServerName::try_from(origin.host.clone())
                    .map_err(|e| LeanError::Tls(format!("invalid server name: {e}")))?;
                let tls = TlsConnector::from(config)
                    .connect(name, tcp)
                    .await
                    .map_err(|e| LeanError::Tls(e.to_string()))?;
                Conn::Tls(Box::new(tls))
            } else {
                Conn::Plain(tcp)
            };
            let (sender, connection) = http1::Builder::new()
                .handshake::<_, reqwest::Body>(TokioIo::new(stream))
                .await?;
            tokio::spawn(async move {
                if let Err(e) = connection.await {
                    tracing::debug!(error = %e, "upstream connection ended");
                }
            });
            Ok(sender)
        };
        match tokio::time::timeout(timeout, open).await {
            Ok(result) => result,
            Err(_) => Err(LeanError::Connect(format!(
                "connecting to {}:{} timed out after {timeout:?}",
                origin.host, origin.port
            ))),
        }
    }
}

/// The origin of `url`, when the lean client can reach it.
fn origin_of(url: &reqwest::Url) -> Result<Origin, LeanError> {
    // The URL is not quoted: some carry an API key in their query string.
    Origin::of(url).ok_or_else(|| {
        LeanError::Connect(format!(
            "unsupported URL scheme {} or no host",
            url.scheme()
        ))
    })
}

/// The request target of `url` in origin form (`/path?query`).
fn origin_form(url: &reqwest::Url) -> Result<Uri, LeanError> {
    let target = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    };
    Uri::try_from(target).map_err(|e| LeanError::Connect(format!("invalid request path: {e}")))
}

async fn open_tcp(host: &str, port: u16) -> Result<TcpStream, LeanError> {
    let describe = |e: std::io::Error| LeanError::Connect(format!("{host}:{port}: {e}"));
    // IP literals (bracketed for IPv6 in URLs) skip the resolver.
    let literal = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = literal.parse::<std::net::IpAddr>() {
        return TcpStream::connect(SocketAddr::new(ip, port))
            .await
            .map_err(describe);
    }
    TcpStream::connect((host, port)).await.map_err(describe)
}

/// Takes the most recently used live connection to `url`'s origin, dropping closed and expired
/// ones on the way.
fn checkout(
    pools: &WorkerPools,
    url: &reqwest::Url,
    idle_timeout: Duration,
) -> Option<SendRequest<reqwest::Body>> {
    let mut origins = pools.origins.lock().ok()?;
    let pool = origins.iter_mut().find(|p| p.origin.matches(url))?;
    let now = Instant::now();
    let mut busy = Vec::new();
    let mut found = None;
    while let Some(conn) = pool.idle.pop() {
        if conn.sender.is_closed() || now.duration_since(conn.since) > idle_timeout {
            continue;
        }
        if conn.sender.is_ready() {
            found = Some(conn.sender);
            break;
        }
        busy.push(conn);
    }
    pool.idle.append(&mut busy);
    found
}

/// Returns a connection whose response has been read to the end.
fn checkin(
    pools: &WorkerPools,
    origin: Origin,
    sender: SendRequest<reqwest::Body>,
    max_idle: usize,
) {
    if sender.is_closed() {
        return;
    }
    let Ok(mut origins) = pools.origins.lock() else {
        return;
    };
    let conn = IdleConn {
        sender,
        since: Instant::now(),
    };
    match origins.iter_mut().find(|p| p.origin == origin) {
        Some(pool) => {
            if pool.idle.len() >= max_idle {
                // The oldest goes: its connection closes when its sender drops.
                pool.idle.remove(0);
            }
            pool.idle.push(conn);
        }
        None => origins.push(OriginPool {
            origin,
            idle: vec![conn],
        }),
    }
}

fn into_reqwest(
    response: Response<Incoming>,
    url: reqwest::Url,
    sender: SendRequest<reqwest::Body>,
    pools: Arc<WorkerPools>,
    origin: Origin,
    settings: &Settings,
) -> reqwest::Response {
    let (mut parts, incoming) = response.into_parts();
    let body = PooledBody {
        inner: incoming,
        release: Some(Release {
            sender,
            pools,
            origin,
            max_idle: settings.max_idle,
        }),
    };
    // `reqwest::Response` records its URL in an extension that only its builder can set.
    if let Ok(marker) = http::Response::builder().url(url).body(()) {
        parts.extensions = marker.into_parts().0.extensions;
    }
    reqwest::Response::from(Response::from_parts(parts, reqwest::Body::wrap(body)))
}

/// What a response body needs to hand its connection back.
struct Release {
    sender: SendRequest<reqwest::Body>,
    pools: Arc<WorkerPools>,
    origin: Origin,
    max_idle: usize,
}

/// A response body that returns its connection to the pool once read to the end, or when it
/// is dropped: then hyper drains what is left of the response if it has already arrived (an
/// event stream read up to `[DONE]`, say) and keeps the connection, or closes it. Checkout
/// skips connections that are closed or not idle yet.
struct PooledBody {
    inner: Incoming,
    release: Option<Release>,
}

impl Drop for PooledBody {
    fn drop(&mut self) {
        self.release();
    }
}

impl PooledBody {
    fn release(&mut self) {
        if let Some(r) = self.release.take() {
            checkin(&r.pools, r.origin, r.sender, r.max_idle);
        }
    }
}

impl Body for PooledBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        match &polled {
            Poll::Ready(None) => self.release(),
            Poll::Ready(Some(Ok(_))) if self.inner.is_end_stream() => self.release(),
            Poll::Ready(Some(Err(_))) => self.release = None,
            _ => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// A plain or TLS connection.
enum Conn {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl AsyncRead for Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Conn::Plain(s) => s.is_write_vectored(),
            Conn::Tls(s) => s.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_flush(cx),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}
