//! OpenAI-shaped embedding requests → Vertex AI's text-embedding `:predict` body.
//!
//! Chat and token counting reuse [`crate::providers::gemini::request`] with
//! [`Dialect::Vertex`](crate::providers::gemini::request::Dialect::Vertex).
//!
//! | OpenAI | Vertex |
//! |---|---|
//! | `input` (string or strings) | one `instances[].content` per input |
//! | `dimensions` | `parameters.outputDimensionality` |
//! | extra `task_type`, `title` | `instances[].task_type`, `instances[].title` |
//! | extra `auto_truncate` | `parameters.autoTruncate` |

use serde_json::Value;

use super::types::{EmbeddingInstance, EmbeddingParameters, PredictRequest};
use crate::error::BifrostError;
use crate::providers::gemini::request::embedding_texts;
use crate::schemas::EmbeddingRequest;

/// Translates an embedding request.
pub fn embedding_request(req: &EmbeddingRequest) -> Result<PredictRequest, BifrostError> {
    let texts = embedding_texts(req)?;
    let extra_str = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| req.extra.get(*n).and_then(Value::as_str))
            .map(str::to_owned)
    };
    let task_type = extra_str(&["task_type", "taskType"]);
    let title = extra_str(&["title"]);
    let auto_truncate = ["auto_truncate", "autoTruncate"]
        .iter()
        .find_map(|n| req.extra.get(*n).and_then(Value::as_bool));
    let parameters = EmbeddingParameters {
        auto_truncate,
        output_dimensionality: req.dimensions,
    };
    Ok(PredictRequest {
        instances: texts
            .into_iter()
            .map(|t| EmbeddingInstance {
                content: t.to_owned(),
                task_type: task_type.clone(),
                title: title.clone(),
            })
            .collect(),
        parameters: (parameters != EmbeddingParameters::default()).then_some(parameters),
    })
}
