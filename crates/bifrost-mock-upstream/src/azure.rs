//! Azure OpenAI, in both URL forms:
//!
//! * v1 API: `POST /openai/v1/chat/completions`, `/openai/v1/completions`,
//!   `/openai/v1/embeddings`, `GET /openai/v1/models` (the body's `model` is the deployment);
//! * legacy: `POST /openai/deployments/{deployment}/chat/completions|completions|embeddings`
//!   and `GET /openai/models`, each requiring `?api-version=...` (the path's deployment
//!   overrides the body's `model`);
//! * the Responses API: `POST /openai/v1/responses`, or `POST /openai/responses?api-version=...`
//!   (the body's `model` is the deployment).
//!
//! Answers are the OpenAI mock's, with Azure's content-filter annotations
//! (`prompt_filter_results`, and a first stream chunk that carries only them). The `api-key`
//! header (or a bearer token) is required; a key starting with `bad` / `invalid` gets Azure's
//! 401. The deployment name selects faults like the OpenAI mock's model names.

use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::chat::ChatRequest;
use crate::completions::CompletionRequest;
use crate::embeddings::EmbeddingRequest;
use crate::faults::Fault;
use crate::responses::ResponsesRequest;
use crate::server::{Endpoint, Output, Shared, unix_now, with_faults};

/// Azure's 401 for a wrong key.
pub const INVALID_KEY_MESSAGE: &str = "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.";

fn azure_error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        json!({"error": {"code": code, "message": message}}).to_string(),
    )
        .into_response()
}

fn not_found() -> Response {
    azure_error(StatusCode::NOT_FOUND, "404", "Resource not found")
}

/// `Some(response)` rejects the request.
fn check_key(parts: &Parts) -> Option<Response> {
    let key = parts
        .headers
        .get("api-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .or_else(|| {
            parts
                .headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
        });
    match key {
        None | Some("") => Some(azure_error(
            StatusCode::UNAUTHORIZED,
            "401",
            "Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.",
        )),
        Some(k) if k.starts_with("bad") || k.starts_with("invalid") => Some(azure_error(
            StatusCode::UNAUTHORIZED,
            "401",
            INVALID_KEY_MESSAGE,
        )),
        Some(_) => None,
    }
}

fn api_version(parts: &Parts) -> Option<&str> {
    parts
        .uri
        .query()?
        .split('&')
        .find_map(|kv| kv.strip_prefix("api-version="))
        .filter(|v| !v.is_empty())
}

const FILTER_OK: &str = r#"{"hate":{"filtered":false,"severity":"safe"},"self_harm":{"filtered":false,"severity":"safe"},"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":false,"severity":"safe"}}"#;

/// Adds Azure's content-filter annotations to an OpenAI-shaped answer.
fn annotate(output: Output) -> Output {
    let filter: Value = serde_json::from_str(FILTER_OK).unwrap_or(Value::Null);
    let prompt_filter = json!([{"prompt_index": 0, "content_filter_results": filter}]);
    match output {
        Output::Json(bytes) => match serde_json::from_slice::<Value>(&bytes) {
            Ok(mut v) if v.get("choices").is_some() => {
                v["prompt_filter_results"] = prompt_filter;
                if let Some(choices) = v["choices"].as_array_mut() {
                    for c in choices {
                        c["content_filter_results"] = filter.clone();
                    }
                }
                Output::Json(v.to_string().into_bytes())
            }
            _ => Output::Json(bytes),
        },
        Output::Stream(mut sse) => {
            let first = json!({
                "choices": [], "created": 0, "id": "", "model": "", "object": "",
                "prompt_filter_results": prompt_filter,
            });
            sse.events
                .insert(0, Bytes::from(format!("data: {first}\n\n")));
            sse.content_end += 1;
            Output::Stream(sse)
        }
    }
}

async fn generate<E: Endpoint + DeserializeOwned>(
    shared: &Shared,
    body: &[u8],
    deployment: Option<&str>,
    id: u64,
) -> Response {
    generate_with::<E>(shared, body, deployment, id, annotate).await
}

async fn generate_with<E: Endpoint + DeserializeOwned>(
    shared: &Shared,
    body: &[u8],
    deployment: Option<&str>,
    id: u64,
    post: fn(Output) -> Output,
) -> Response {
    let mut value: Value = match serde_json::from_slice(body) {
        Ok(v @ Value::Object(_)) => v,
        _ => {
            return azure_error(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                "The request body is not valid JSON.",
            );
        }
    };
    if let Some(d) = deployment {
        value["model"] = json!(d);
    }
    let req: E = match serde_json::from_value(value) {
        Ok(r) => r,
        Err(e) => return azure_error(StatusCode::BAD_REQUEST, "BadRequest", &e.to_string()),
    };
    let model = req.model().unwrap_or_default().to_owned();
    with_faults(shared, Fault::parse(&model), &model, || {
        req.generate(id, unix_now()).map(post)
    })
    .await
}

/// Answers an Azure OpenAI request.
pub(crate) async fn handle(shared: &Shared, parts: &Parts, body: &[u8], id: u64) -> Response {
    if let Some(resp) = check_key(parts) {
        return resp;
    }
    let path = parts.uri.path();
    if let Some(operation) = path.strip_prefix("/openai/v1/") {
        return match (&parts.method, operation) {
            (&Method::POST, "chat/completions") => {
                generate::<ChatRequest>(shared, body, None, id).await
            }
            (&Method::POST, "completions") => {
                generate::<CompletionRequest>(shared, body, None, id).await
            }
            (&Method::POST, "embeddings") => {
                generate::<EmbeddingRequest>(shared, body, None, id).await
            }
            (&Method::POST, "responses") => responses(shared, body, id).await,
            (&Method::GET, "models") => models(),
            _ => not_found(),
        };
    }
    if path == "/openai/models" && parts.method == Method::GET {
        return if api_version(parts).is_some() {
            models()
        } else {
            not_found()
        };
    }
    if path == "/openai/responses" && parts.method == Method::POST {
        return if api_version(parts).is_some() {
            responses(shared, body, id).await
        } else {
            not_found()
        };
    }
    let Some((deployment, operation)) = path
        .strip_prefix("/openai/deployments/")
        .and_then(|rest| rest.split_once('/'))
    else {
        return not_found();
    };
    if api_version(parts).is_none() || parts.method != Method::POST {
        return not_found();
    }
    let deployment = percent_encoding::percent_decode_str(deployment)
        .decode_utf8_lossy()
        .into_owned();
    match operation {
        "chat/completions" => generate::<ChatRequest>(shared, body, Some(&deployment), id).await,
        "completions" => generate::<CompletionRequest>(shared, body, Some(&deployment), id).await,
        "embeddings" => generate::<EmbeddingRequest>(shared, body, Some(&deployment), id).await,
        _ => not_found(),
    }
}

/// The Responses API (v1 and legacy forms): OpenAI's answer, without chat content filters.
async fn responses(shared: &Shared, body: &[u8], id: u64) -> Response {
    generate_with::<ResponsesRequest>(shared, body, None, id, std::convert::identity).await
}

fn models() -> Response {
    match crate::models::list() {
        Ok(Output::Json(body)) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            body,
        )
            .into_response(),
        Ok(Output::Stream(_)) => not_found(),
        Err(rejection) => *rejection,
    }
}
