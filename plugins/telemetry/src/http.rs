//! HTTP metrics (`http_requests_total`, `http_request_duration_seconds`,
//! `http_request_size_bytes`, `http_response_size_bytes` by `path`, `method`, `status` and custom
//! labels) as a tower layer.
//!
//! `path` is the matched route template (`/v1/chat/completions`), never the raw URL, so scanners
//! probing random paths cannot create series: unmatched requests are reported as `other`. The
//! request size is the `Content-Length` header (requests without one are not observed, as in
//! Bifrost); the response size counts the body bytes actually sent. A request is recorded when
//! its response body ends (for a stream: after the last event), or when the body is dropped early.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::extract::MatchedPath;
use http::{Method, Request, Response, StatusCode, header};
use http_body::{Body, Frame, SizeHint};
use pin_project_lite::pin_project;
use prometheus::proto::MetricFamily;
use prometheus::{Histogram, IntCounter};
use tower::{Layer, Service};

use crate::cap::OTHER;
use crate::families::{self, LabelSet};
use crate::keyed::Keyed;
use crate::metrics::Metrics;
use crate::shard::Shards;

/// The HTTP children of one `(path, method, status, custom...)` label set, each kept per
/// worker ([`Shards`]).
#[derive(Debug)]
pub struct HttpSeries {
    names: Box<[String]>,
    values: Box<[Box<str>]>,
    requests: Shards<IntCounter>,
    duration: Shards<Histogram>,
    request_size: Shards<Histogram>,
    response_size: Shards<Histogram>,
}

impl Keyed for HttpSeries {
    fn label_values(&self) -> &[Box<str>] {
        &self.values
    }
}

impl HttpSeries {
    /// The series of `values` (parallel to `names`); children are created on first record.
    pub fn new(names: &[String], values: Box<[Box<str>]>) -> Self {
        Self {
            names: names.into(),
            values,
            requests: Shards::new(),
            duration: Shards::new(),
            request_size: Shards::new(),
            response_size: Shards::new(),
        }
    }

    fn labels(&self) -> LabelSet<'_> {
        LabelSet {
            names: &self.names,
            values: &self.values,
            extra: &[],
        }
    }

    fn histogram<'a>(
        &self,
        shards: &'a Shards<Histogram>,
        spec: families::Spec,
        buckets: &[f64],
    ) -> Option<&'a Histogram> {
        shards.get_or_init(|| families::histogram(spec, buckets, &self.labels()))
    }

    fn record(&self, seconds: f64, request_size: Option<u64>, response_size: u64) {
        let requests = || families::counter(families::HTTP_REQUESTS, &self.labels());
        if let Some(c) = self.requests.get_or_init(requests) {
            c.inc();
        }
        let latency = families::LATENCY_BUCKETS;
        if let Some(h) = self.histogram(&self.duration, families::HTTP_DURATION, latency) {
            h.observe(seconds);
        }
        let sizes = families::SIZE_BUCKETS;
        if let Some(size) = request_size
            && let Some(h) = self.histogram(&self.request_size, families::HTTP_REQUEST_SIZE, sizes)
        {
            h.observe(size as f64);
        }
        if let Some(h) = self.histogram(&self.response_size, families::HTTP_RESPONSE_SIZE, sizes) {
            h.observe(response_size as f64);
        }
    }

    /// Appends the children.
    pub fn collect_into(&self, out: &mut Vec<MetricFamily>) {
        self.requests.collect_into(out);
        for h in [&self.duration, &self.request_size, &self.response_size] {
            h.collect_into(out);
        }
    }
}

/// Tower layer recording the HTTP metrics of every request it wraps.
#[derive(Debug, Clone)]
pub struct HttpMetricsLayer {
    metrics: Arc<Metrics>,
}

impl HttpMetricsLayer {
    /// A layer recording into `metrics`.
    pub fn new(metrics: Arc<Metrics>) -> Self {
        Self { metrics }
    }

    /// Records a request that is answered outside the router, under the route label `path`,
    /// exactly as the layer would: `handler` turns the request into its response's future.
    pub fn track<ReqB, H, F>(&self, path: &str, req: Request<ReqB>, handler: H) -> ResponseFuture<F>
    where
        H: FnOnce(Request<ReqB>) -> F,
    {
        let pending = pending(&self.metrics, self.metrics.paths.get(path), &req);
        ResponseFuture {
            inner: handler(req),
            pending: Some(pending),
        }
    }
}

/// Starts recording `req` under the route label `path`.
fn pending<ReqB>(metrics: &Arc<Metrics>, path: Arc<str>, req: &Request<ReqB>) -> Pending {
    let request_size = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    Pending {
        metrics: metrics.clone(),
        started: Instant::now(),
        path,
        method: req.method().clone(),
        dims: metrics.dims(req.headers()),
        request_size,
    }
}

impl<S> Layer<S> for HttpMetricsLayer {
    type Service = HttpMetricsService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        HttpMetricsService {
            inner,
            metrics: self.metrics.clone(),
        }
    }
}

/// The service produced by [`HttpMetricsLayer`].
#[derive(Debug, Clone)]
pub struct HttpMetricsService<S> {
    inner: S,
    metrics: Arc<Metrics>,
}

/// What is known about a request until its response body ends.
#[derive(Debug)]
struct Pending {
    metrics: Arc<Metrics>,
    started: Instant,
    path: Arc<str>,
    method: Method,
    dims: Vec<Arc<str>>,
    request_size: Option<u64>,
}

impl Pending {
    fn finish(self, status: StatusCode, response_size: u64) {
        let series = self.metrics.http_series(
            &self.path,
            method_label(&self.method),
            status.as_str(),
            &self.dims,
        );
        if let Some(series) = series {
            series.record(
                self.started.elapsed().as_secs_f64(),
                self.request_size,
                response_size,
            );
        }
    }
}

/// Standard methods as themselves; extension methods (unbounded) as `other`.
fn method_label(method: &Method) -> &str {
    match *method {
        Method::GET
        | Method::POST
        | Method::PUT
        | Method::DELETE
        | Method::PATCH
        | Method::HEAD
        | Method::OPTIONS
        | Method::CONNECT
        | Method::TRACE => method.as_str(),
        _ => OTHER,
    }
}

impl<S, ReqB, ResB> Service<Request<ReqB>> for HttpMetricsService<S>
where
    S: Service<Request<ReqB>, Response = Response<ResB>>,
    ResB: Body,
{
    type Response = Response<CountingBody<ResB>>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<ReqB>) -> Self::Future {
        let path = match req.extensions().get::<MatchedPath>() {
            Some(p) => self.metrics.paths.get(p.as_str()),
            None => self.metrics.paths.get(OTHER),
        };
        let pending = pending(&self.metrics, path, &req);
        ResponseFuture {
            inner: self.inner.call(req),
            pending: Some(pending),
        }
    }
}

pin_project! {
    /// Response future of [`HttpMetricsService`].
    #[derive(Debug)]
    pub struct ResponseFuture<F> {
        #[pin]
        inner: F,
        pending: Option<Pending>,
    }
}

impl<F, ResB, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<ResB>, E>>,
    ResB: Body,
{
    type Output = Result<Response<CountingBody<ResB>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = std::task::ready!(this.inner.poll(cx));
        let pending = this.pending.take();
        Poll::Ready(result.map(|resp| {
            let status = resp.status();
            let mut resp = resp.map(|body| CountingBody {
                inner: body,
                bytes: 0,
                status,
                pending,
            });
            // A body that is already complete may never be polled: record it now.
            if resp.body().inner.is_end_stream() {
                resp.body_mut().finish();
            }
            resp
        }))
    }
}

pin_project! {
    /// A response body that counts its bytes and records the request when it ends.
    #[derive(Debug)]
    pub struct CountingBody<B> {
        #[pin]
        inner: B,
        bytes: u64,
        status: StatusCode,
        pending: Option<Pending>,
    }

    impl<B> PinnedDrop for CountingBody<B> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if let Some(p) = this.pending.take() {
                p.finish(*this.status, *this.bytes);
            }
        }
    }
}

impl<B> CountingBody<B> {
    fn finish(&mut self) {
        if let Some(p) = self.pending.take() {
            p.finish(self.status, self.bytes);
        }
    }
}

impl<B: Body> Body for CountingBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.project();
        let mut inner = this.inner;
        let frame = std::task::ready!(inner.as_mut().poll_frame(cx));
        match &frame {
            Some(Ok(f)) => {
                if let Some(data) = f.data_ref() {
                    *this.bytes += bytes::Buf::remaining(data) as u64;
                }
                // Record before handing out the last frame, so that a client that has read the
                // whole response already sees it counted.
                if inner.is_end_stream()
                    && let Some(p) = this.pending.take()
                {
                    p.finish(*this.status, *this.bytes);
                }
            }
            Some(Err(_)) | None => {
                if let Some(p) = this.pending.take() {
                    p.finish(*this.status, *this.bytes);
                }
            }
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
