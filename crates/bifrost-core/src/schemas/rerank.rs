//! Document reranking (`POST /v1/rerank`; Cohere, Vertex, Bedrock, vLLM).

use serde::{Deserialize, Serialize};

use super::{ExtraFields, ExtraMap, Usage};

/// Rank documents by relevance to a query.
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct RerankRequest {
    /// `provider/model` from the caller, the bare model name once dispatched.
    pub model: String,
    /// The query.
    pub query: String,
    /// Documents: strings or objects with a `text` field.
    pub documents: Vec<serde_json::Value>,
    /// Return only the best `top_n`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_n: Option<u32>,
    /// Include the documents in the results.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_documents: Option<bool>,
    /// Truncate each document to this many tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tokens_per_doc: Option<u32>,
    /// Bifrost fallbacks. Never sent upstream.
    #[serde(default, skip_serializing)]
    pub fallbacks: Option<Vec<String>>,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// Ranked results.
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct RerankResponse {
    /// Result id.
    #[serde(default)]
    pub id: String,
    /// Results, best first.
    #[serde(default)]
    pub results: Vec<RerankResult>,
    /// The model that answered.
    #[serde(default)]
    pub model: String,
    /// Usage, when reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
    /// Bifrost's metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_fields: Option<ExtraFields>,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// One ranked document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RerankResult {
    /// Position of the document in the request.
    pub index: u32,
    /// Relevance score.
    pub relevance_score: f64,
    /// The document, when `return_documents` is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<serde_json::Value>,
}
