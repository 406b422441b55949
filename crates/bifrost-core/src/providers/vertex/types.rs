//! Vertex AI wire types that differ from the Gemini API's: text-embedding `:predict` and the
//! Model Garden listing. Chat, streaming and token counting use [`crate::providers::gemini::types`].

use serde::{Deserialize, Serialize};

use crate::schemas::ExtraMap;

/// `:predict` body for text-embedding models.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PredictRequest {
    /// One instance per input.
    pub instances: Vec<EmbeddingInstance>,
    /// Shared settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<EmbeddingParameters>,
}

/// One text to embed (Vertex uses snake_case here).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EmbeddingInstance {
    /// The text.
    pub content: String,
    /// `RETRIEVAL_QUERY`, `RETRIEVAL_DOCUMENT`, `SEMANTIC_SIMILARITY`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_type: Option<String>,
    /// Document title (with `RETRIEVAL_DOCUMENT`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// `parameters` of an embedding `:predict`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmbeddingParameters {
    /// Truncate long inputs instead of failing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_truncate: Option<bool>,
    /// Output dimensions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_dimensionality: Option<u32>,
}

/// `:predict` response for text-embedding models.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PredictResponse {
    /// One prediction per instance, in order.
    #[serde(default)]
    pub predictions: Vec<EmbeddingPrediction>,
    /// Billing metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<serde_json::Value>,
}

/// One prediction.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EmbeddingPrediction {
    /// The embedding.
    pub embeddings: PredictedEmbedding,
}

/// The embedding of one instance.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PredictedEmbedding {
    /// The vector.
    #[serde(default)]
    pub values: Vec<f64>,
    /// Token count and truncation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statistics: Option<EmbeddingStatistics>,
}

/// `statistics` of an embedding.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EmbeddingStatistics {
    /// Input tokens.
    #[serde(default)]
    pub token_count: f64,
    /// True when the input was cut.
    #[serde(default)]
    pub truncated: bool,
}

/// `GET /v1beta1/publishers/{publisher}/models` response.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListPublisherModelsResponse {
    /// The models.
    #[serde(default)]
    pub publisher_models: Vec<PublisherModel>,
    /// Token of the next page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
}

/// One Model Garden model.
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
#[serde(rename_all = "camelCase")]
pub struct PublisherModel {
    /// `publishers/{publisher}/models/{id}`.
    pub name: String,
    /// Version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    /// `GA`, `PUBLIC_PREVIEW`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub launch_stage: Option<String>,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}
