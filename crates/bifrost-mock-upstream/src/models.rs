//! `GET /v1/models` and `GET /v1/models/{id}`.

use axum::http::StatusCode;
use serde::Serialize;

use crate::error::{ErrorObject, Rejection, error_response};
use crate::server::{Output, serialize_error};

/// The models the mock advertises, as `(id, created)`.
pub const MODELS: [(&str, u64); 3] = [
    ("gpt-4o", 1_715_367_049),
    ("gpt-4o-mini", 1_721_172_741),
    ("text-embedding-3-small", 1_705_948_997),
];

#[derive(Serialize)]
struct Model {
    id: &'static str,
    object: &'static str,
    created: u64,
    owned_by: &'static str,
}

#[derive(Serialize)]
struct ModelList {
    object: &'static str,
    data: Vec<Model>,
}

fn model(id: &'static str, created: u64) -> Model {
    Model {
        id,
        object: "model",
        created,
        owned_by: "system",
    }
}

/// The `list` body.
pub(crate) fn list() -> Result<Output, Rejection> {
    let data = MODELS
        .iter()
        .map(|&(id, created)| model(id, created))
        .collect();
    serde_json::to_vec(&ModelList {
        object: "list",
        data,
    })
    .map(Output::Json)
    .map_err(serialize_error)
}

/// A single model, or OpenAI's `model_not_found` 404.
pub(crate) fn retrieve(id: &str) -> Result<Output, Rejection> {
    match MODELS.iter().find(|(m, _)| *m == id) {
        Some(&(id, created)) => serde_json::to_vec(&model(id, created))
            .map(Output::Json)
            .map_err(serialize_error),
        None => {
            let message = format!("The model '{id}' does not exist");
            Err(Box::new(error_response(
                StatusCode::NOT_FOUND,
                ErrorObject {
                    message: &message,
                    kind: "invalid_request_error",
                    param: Some("model"),
                    code: Some("model_not_found"),
                },
            )))
        }
    }
}
