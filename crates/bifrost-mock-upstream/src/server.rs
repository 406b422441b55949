//! Request dispatch: recording, latency, routing, auth and fault handling.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::de::DeserializeOwned;

use crate::chat::ChatRequest;
use crate::completions::CompletionRequest;
use crate::embeddings::EmbeddingRequest;
use crate::error::{ErrorObject, Rejection, error_response, internal, invalid_json, invalid_url};
use crate::faults::{self, Fault, StreamMode};
use crate::responses::ResponsesRequest;
use crate::sse::{SseEvents, stream_response};
use crate::{MockConfig, RecordedRequest, auth, models};

/// Largest request body the mock accepts.
const MAX_BODY: usize = 32 * 1024 * 1024;

/// State shared by every connection of one mock server.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: MockConfig,
    requests: Mutex<VecDeque<RecordedRequest>>,
    received: AtomicUsize,
    flaky: Mutex<HashMap<String, u64>>,
    ids: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    pub(crate) fn new(config: MockConfig) -> Self {
        Self {
            config,
            requests: Mutex::new(VecDeque::new()),
            received: AtomicUsize::new(0),
            flaky: Mutex::new(HashMap::new()),
            ids: AtomicU64::new(0),
        }
    }

    fn record(&self, parts: &Parts, body: &Bytes) {
        self.received.fetch_add(1, Ordering::Relaxed);
        let limit = self.config.max_recorded.unwrap_or(usize::MAX);
        if limit == 0 {
            return;
        }
        let recorded = RecordedRequest {
            method: parts.method.as_str().to_owned(),
            path: parts.uri.path().to_owned(),
            query: parts.uri.query().map(str::to_owned),
            headers: parts
                .headers
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().to_owned(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            body: body.clone(),
        };
        let mut requests = lock(&self.requests);
        while requests.len() >= limit {
            requests.pop_front();
        }
        requests.push_back(recorded);
    }

    pub(crate) fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.requests).iter().cloned().collect()
    }

    pub(crate) fn request_count(&self) -> usize {
        self.received.load(Ordering::Relaxed)
    }

    pub(crate) fn clear(&self) {
        // Hold both locks so a concurrent request can't be half-counted.
        let mut requests = lock(&self.requests);
        let mut flaky = lock(&self.flaky);
        requests.clear();
        flaky.clear();
        self.received.store(0, Ordering::Relaxed);
    }

    fn next_id(&self) -> u64 {
        self.ids.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Counts one request for a `flaky-*` model; true if it must fail.
    pub(crate) fn flaky_should_fail(&self, model: &str, failures: u64) -> bool {
        let mut flaky = lock(&self.flaky);
        let seen = match flaky.get_mut(model) {
            Some(seen) => seen,
            None => flaky.entry(model.to_owned()).or_insert(0),
        };
        *seen += 1;
        *seen <= failures
    }
}

/// Builds the router serving the mock API over `shared`.
pub(crate) fn build_router(shared: Arc<Shared>) -> Router {
    Router::new().fallback(dispatch).with_state(shared)
}

/// The body a generator produced.
pub(crate) enum Output {
    /// A complete JSON document.
    Json(Vec<u8>),
    /// An event stream.
    Stream(SseEvents),
}

/// A parsed request body of one endpoint.
pub(crate) trait Endpoint: DeserializeOwned {
    /// The request's `model`, used to select faults.
    fn model(&self) -> Option<&str>;
    /// Validates the request and produces the normal response body.
    fn generate(&self, id: u64, created: u64) -> Result<Output, Rejection>;
}

/// Maps a (practically impossible) serialization failure to a 500.
pub(crate) fn serialize_error(err: serde_json::Error) -> Rejection {
    Box::new(internal(&format!(
        "mock upstream failed to serialize a response: {err}"
    )))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route<'a> {
    Chat,
    Completions,
    Embeddings,
    Responses,
    Models,
    Model(&'a str),
    AdminHealth,
    AdminRequests,
    AdminReset,
    NotFound,
}

fn route<'a>(method: &Method, path: &'a str) -> Route<'a> {
    let rest = path
        .strip_prefix("/v1")
        .filter(|r| r.starts_with('/'))
        .unwrap_or(path);
    match (method, rest) {
        (&Method::POST, "/chat/completions") => Route::Chat,
        (&Method::POST, "/completions") => Route::Completions,
        (&Method::POST, "/embeddings") => Route::Embeddings,
        (&Method::POST, "/responses") => Route::Responses,
        (&Method::GET, "/models") => Route::Models,
        (&Method::GET, "/__mock/health") => Route::AdminHealth,
        (&Method::GET, "/__mock/requests") => Route::AdminRequests,
        (&Method::POST, "/__mock/reset") => Route::AdminReset,
        (&Method::GET, r) => match r.strip_prefix("/models/") {
            Some(id) if !id.is_empty() => Route::Model(id),
            _ => Route::NotFound,
        },
        _ => Route::NotFound,
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn json_response(body: impl Into<Body>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body.into(),
    )
        .into_response()
}

/// The single handler behind every path.
async fn dispatch(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let route = route(&parts.method, parts.uri.path());
    match route {
        Route::AdminHealth => return json_response(r#"{"status":"ok"}"#),
        Route::AdminRequests => return admin_requests(&shared),
        Route::AdminReset => {
            shared.clear();
            return StatusCode::NO_CONTENT.into_response();
        }
        _ => {}
    }
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(body) => body,
        Err(_) => {
            shared.record(&parts, &Bytes::new());
            return error_response(
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorObject {
                    message: "Request body too large or unreadable.",
                    kind: "invalid_request_error",
                    param: None,
                    code: None,
                },
            );
        }
    };
    shared.record(&parts, &body);
    if !shared.config.latency.is_zero() {
        tokio::time::sleep(shared.config.latency).await;
    }
    let id = shared.next_id();
    let mut resp = handle(&shared, route, &parts, &body, id).await;
    if let Ok(value) = HeaderValue::from_str(&format!("req_mock_{id}")) {
        resp.headers_mut().insert("x-request-id", value);
    }
    resp
}

async fn handle(
    shared: &Shared,
    route: Route<'_>,
    parts: &Parts,
    body: &[u8],
    id: u64,
) -> Response {
    if let Some(resp) = crate::google::handle(shared, parts, body, id).await {
        return resp;
    }
    if crate::anthropic::is_anthropic(parts) {
        return crate::anthropic::handle(shared, parts, body, id).await;
    }
    if route == Route::NotFound {
        return invalid_url(parts.method.as_str(), parts.uri.path());
    }
    if let Some(rejection) = auth::check(&parts.headers) {
        return rejection;
    }
    match route {
        Route::Chat => endpoint::<ChatRequest>(shared, body, id).await,
        Route::Completions => endpoint::<CompletionRequest>(shared, body, id).await,
        Route::Embeddings => endpoint::<EmbeddingRequest>(shared, body, id).await,
        Route::Responses => endpoint::<ResponsesRequest>(shared, body, id).await,
        Route::Models => {
            let fault_name = parts
                .uri
                .query()
                .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("fault=")))
                .unwrap_or_default();
            with_faults(shared, Fault::parse(fault_name), fault_name, models::list).await
        }
        Route::Model(model_id) => match models::retrieve(model_id) {
            Ok(output) => deliver(output, Fault::None),
            Err(rejection) => *rejection,
        },
        Route::AdminHealth | Route::AdminRequests | Route::AdminReset | Route::NotFound => {
            invalid_url(parts.method.as_str(), parts.uri.path())
        }
    }
}

async fn endpoint<E: Endpoint>(shared: &Shared, body: &[u8], id: u64) -> Response {
    let req: E = match serde_json::from_slice(body) {
        Ok(req) => req,
        Err(err) => return *invalid_json(&err.to_string()),
    };
    let fault = req.model().map_or(Fault::None, Fault::parse);
    let model = req.model().unwrap_or_default();
    with_faults(shared, fault, model, || req.generate(id, unix_now())).await
}

/// Applies `fault` around `generate`.
async fn with_faults(
    shared: &Shared,
    fault: Fault,
    fault_key: &str,
    generate: impl FnOnce() -> Result<Output, Rejection>,
) -> Response {
    match fault {
        Fault::Error(status) => return crate::error::injected(status),
        Fault::Flaky { count, status } => {
            if shared.flaky_should_fail(fault_key, count) {
                return crate::error::injected(status);
            }
        }
        Fault::Slow(delay) => tokio::time::sleep(delay).await,
        Fault::Garbage => return faults::garbage(),
        Fault::Html => return faults::html(),
        Fault::Empty => return faults::empty(),
        Fault::None | Fault::SlowStream(_) | Fault::Truncated | Fault::StreamError => {}
    }
    match generate() {
        Ok(output) => deliver(output, fault),
        Err(rejection) => *rejection,
    }
}

fn deliver(output: Output, fault: Fault) -> Response {
    match output {
        Output::Json(body) if fault == Fault::Truncated => faults::truncated_json(body),
        Output::Json(body) => json_response(body),
        Output::Stream(events) => stream_response(events, StreamMode::from_fault(fault)),
    }
}

fn admin_requests(shared: &Shared) -> Response {
    let list: Vec<serde_json::Value> = shared
        .requests()
        .iter()
        .map(|r| {
            serde_json::json!({
                "method": r.method,
                "path": r.path,
                "query": r.query,
                "headers": r.headers,
                "body": String::from_utf8_lossy(&r.body),
                "json": r.json(),
            })
        })
        .collect();
    match serde_json::to_vec(&list) {
        Ok(body) => json_response(body),
        Err(err) => *serialize_error(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_with_and_without_v1() {
        for prefix in ["", "/v1"] {
            let p = |s: &str| format!("{prefix}{s}");
            assert_eq!(route(&Method::POST, &p("/chat/completions")), Route::Chat);
            assert_eq!(route(&Method::POST, &p("/completions")), Route::Completions);
            assert_eq!(route(&Method::POST, &p("/embeddings")), Route::Embeddings);
            assert_eq!(route(&Method::POST, &p("/responses")), Route::Responses);
            assert_eq!(route(&Method::GET, &p("/models")), Route::Models);
            let path = p("/models/gpt-4o");
            assert_eq!(route(&Method::GET, &path), Route::Model("gpt-4o"));
            assert_eq!(
                route(&Method::GET, &p("/chat/completions")),
                Route::NotFound
            );
        }
        assert_eq!(
            route(&Method::POST, "/v1x/chat/completions"),
            Route::NotFound
        );
        assert_eq!(
            route(&Method::POST, "/v2/chat/completions"),
            Route::NotFound
        );
        assert_eq!(route(&Method::GET, "/v1"), Route::NotFound);
    }
}
