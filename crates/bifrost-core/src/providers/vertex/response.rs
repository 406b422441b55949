//! Vertex AI `:predict` embeddings and Model Garden listings → OpenAI shapes.
//!
//! Embedding usage is the sum of `statistics.token_count` over the predictions. Listed model
//! ids are the last segment of `publishers/{publisher}/models/{id}`.

use serde_json::json;

use super::types::{ListPublisherModelsResponse, PredictResponse};
use crate::providers::gemini::request::bare_model;
use crate::providers::gemini::types::ContentEmbedding;
use crate::schemas::{EmbeddingResponse, ExtraMap, ListModelsResponse, Model, Usage};

/// Translates a `:predict` embedding response.
pub fn embedding_response(native: PredictResponse, model: &str, base64: bool) -> EmbeddingResponse {
    let tokens: f64 = native
        .predictions
        .iter()
        .filter_map(|p| p.embeddings.statistics.as_ref())
        .map(|s| s.token_count)
        .sum();
    let embeddings = native
        .predictions
        .into_iter()
        .map(|p| ContentEmbedding {
            values: p.embeddings.values,
        })
        .collect();
    let mut out =
        crate::providers::gemini::response::embedding_response(embeddings, None, model, base64);
    out.usage = Some(Usage::new(tokens.max(0.0).round() as u64, 0));
    out
}

/// Translates a Model Garden listing.
pub fn list_models_response(
    native: ListPublisherModelsResponse,
    owner: &str,
) -> ListModelsResponse {
    let data = native
        .publisher_models
        .into_iter()
        .map(|m| {
            let mut extra = ExtraMap::new();
            if let Some(v) = m.version_id {
                extra.insert("version".to_owned(), json!(v));
            }
            if let Some(v) = m.launch_stage {
                extra.insert("launch_stage".to_owned(), json!(v));
            }
            Model {
                id: bare_model(&m.name).to_owned(),
                object: "model".to_owned(),
                created: 0,
                owned_by: owner.to_owned(),
                extra,
            }
        })
        .collect();
    let mut extra = ExtraMap::new();
    if let Some(token) = native.next_page_token.filter(|t| !t.is_empty()) {
        extra.insert("next_page_token".to_owned(), json!(token));
    }
    ListModelsResponse {
        object: "list".to_owned(),
        data,
        extra_fields: None,
        extra,
    }
}
