//! Model listings: the Gemini API's `GET /v1beta/models` (paged with `pageSize` / `pageToken`)
//! and `GET /v1beta/models/{model}`, and Vertex AI's Model Garden
//! `GET /v1beta1/publishers/google/models`.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::error::{Rejection, google_error};

/// `(id, display name, input limit, output limit, methods)`.
const GEMINI_MODELS: &[(&str, &str, u64, u64, &[&str])] = &[
    (
        "gemini-2.5-pro",
        "Gemini 2.5 Pro",
        1_048_576,
        65_536,
        &[
            "generateContent",
            "countTokens",
            "createCachedContent",
            "batchGenerateContent",
        ],
    ),
    (
        "gemini-2.5-flash",
        "Gemini 2.5 Flash",
        1_048_576,
        65_536,
        &[
            "generateContent",
            "countTokens",
            "createCachedContent",
            "batchGenerateContent",
        ],
    ),
    (
        "gemini-2.0-flash",
        "Gemini 2.0 Flash",
        1_048_576,
        8_192,
        &[
            "generateContent",
            "countTokens",
            "createCachedContent",
            "batchGenerateContent",
        ],
    ),
    (
        "text-embedding-004",
        "Text Embedding 004",
        2_048,
        1,
        &["embedContent"],
    ),
    (
        "gemini-embedding-001",
        "Gemini Embedding 001",
        2_048,
        1,
        &["embedContent", "countTextTokens", "countTokens"],
    ),
];

fn model(entry: &(&str, &str, u64, u64, &[&str])) -> Value {
    let (id, display, input, output, methods) = entry;
    json!({
        "name": format!("models/{id}"),
        "version": "001",
        "displayName": display,
        "description": format!("Mock of {display}"),
        "inputTokenLimit": input,
        "outputTokenLimit": output,
        "supportedGenerationMethods": methods,
    })
}

fn query_param<'a>(query: Option<&'a str>, name: &str) -> Option<&'a str> {
    query?.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == name).then_some(v)
    })
}

/// `GET /models` with paging.
pub(crate) fn list(query: Option<&str>) -> Value {
    let size = query_param(query, "pageSize")
        .and_then(|s| s.parse::<usize>().ok())
        .filter(|s| *s > 0)
        .unwrap_or(50);
    let start = query_param(query, "pageToken")
        .and_then(|t| t.strip_prefix("page-"))
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(0);
    let page: Vec<Value> = GEMINI_MODELS
        .iter()
        .skip(start)
        .take(size)
        .map(model)
        .collect();
    let mut out = json!({ "models": page });
    if start + size < GEMINI_MODELS.len()
        && let Some(obj) = out.as_object_mut()
    {
        obj.insert(
            "nextPageToken".to_owned(),
            json!(format!("page-{}", start + size)),
        );
    }
    out
}

/// `GET /models/{id}`.
pub(crate) fn get(id: &str) -> Result<Value, Rejection> {
    GEMINI_MODELS
        .iter()
        .find(|m| m.0 == id)
        .map(model)
        .ok_or_else(|| {
            Box::new(google_error(
                StatusCode::NOT_FOUND,
                &format!("models/{id} is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods."),
                None,
            ))
        })
}

/// Vertex AI `GET /v1beta1/publishers/google/models`.
pub(crate) fn publisher_models() -> Value {
    let models: Vec<Value> = GEMINI_MODELS
        .iter()
        .map(|(id, ..)| {
            json!({
                "name": format!("publishers/google/models/{id}"),
                "versionId": "default",
                "openSourceCategory": "PROPRIETARY",
                "launchStage": "GA",
            })
        })
        .collect();
    json!({ "publisherModels": models })
}
