//! Routing of the native (non-OpenAI) provider APIs the mock serves: AWS Bedrock Runtime
//! (`/model/{modelId}/...`), Azure OpenAI (`/openai/...`) and Cohere v2 (`/v2/chat`, `/v2/embed`, `/v2/rerank`, and every
//! Cohere path under `/cohere`, which is how `GET /cohere/v1/models` is told apart from
//! OpenAI's `GET /v1/models`).

use axum::http::request::Parts;
use axum::response::Response;

use crate::server::Shared;

/// Answers the request when it belongs to a native API, else `None`.
pub(crate) async fn handle(
    shared: &Shared,
    parts: &Parts,
    body: &[u8],
    id: u64,
) -> Option<Response> {
    let path = parts.uri.path();
    if path.starts_with("/model/") {
        return Some(crate::bedrock::handle(shared, parts, body, id).await);
    }
    if path.starts_with("/openai/") {
        return Some(crate::azure::handle(shared, parts, body, id).await);
    }
    if let Some(rest) = path.strip_prefix("/cohere") {
        return Some(crate::cohere::handle(shared, parts, rest, body, id).await);
    }
    if matches!(path, "/v2/chat" | "/v2/embed" | "/v2/rerank") {
        return Some(crate::cohere::handle(shared, parts, path, body, id).await);
    }
    None
}

/// Applies the faults that happen before an answer is generated (`error-*`, `flaky-*`,
/// `slow-*`, `garbage`, `html`, `empty`); `Some(response)` means answer with it. `injected`
/// builds the provider's own error body for a status.
pub(crate) async fn pre_faults(
    shared: &Shared,
    fault: crate::faults::Fault,
    fault_key: &str,
    injected: impl Fn(axum::http::StatusCode) -> Response,
) -> Option<Response> {
    use crate::faults::{self, Fault};
    match fault {
        Fault::Error(status) => Some(injected(status)),
        Fault::Flaky { count, status } => shared
            .flaky_should_fail(fault_key, count)
            .then(|| injected(status)),
        Fault::Slow(delay) => {
            tokio::time::sleep(delay).await;
            None
        }
        Fault::Garbage => Some(faults::garbage()),
        Fault::Html => Some(faults::html()),
        Fault::Empty => Some(faults::empty()),
        Fault::None | Fault::SlowStream(_) | Fault::Truncated | Fault::StreamError => None,
    }
}
