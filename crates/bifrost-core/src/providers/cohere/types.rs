//! Cohere API v2 wire types: `/v2/chat` (and its event stream), `/v2/embed`, `/v2/rerank`, and
//! the model list of `/v1/models`, as documented in Cohere's API reference.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::schemas::ExtraMap;

/// `POST /v2/chat` request body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChatRequest {
    /// Model name.
    pub model: String,
    /// The conversation.
    pub messages: Vec<Message>,
    /// Stream the answer as server-sent events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<bool>,
    /// Function tools.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<Vec<Tool>>,
    /// `REQUIRED` or `NONE` (absent: the model decides).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<String>,
    /// Force tool calls to follow the tool definitions exactly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strict_tools: Option<bool>,
    /// Documents for grounded answers (strings or `{"id", "data"}` objects).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documents: Option<Value>,
    /// Citation settings (`{"mode": "FAST" | "ACCURATE" | "OFF"}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub citation_options: Option<Value>,
    /// `{"type": "text"}` or `{"type": "json_object", "json_schema": {...}}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_format: Option<ResponseFormat>,
    /// `CONTEXTUAL`, `STRICT` or `OFF`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub safety_mode: Option<Value>,
    /// Output token limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u32>,
    /// Stop sequences.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_sequences: Option<Vec<String>>,
    /// Sampling temperature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    /// Seed for deterministic sampling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<i64>,
    /// Frequency penalty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frequency_penalty: Option<f64>,
    /// Presence penalty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub presence_penalty: Option<f64>,
    /// Top-k sampling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub k: Option<Value>,
    /// Nucleus sampling mass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p: Option<f64>,
    /// Return log probabilities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logprobs: Option<bool>,
    /// Reasoning (`{"type": "enabled" | "disabled", "token_budget": n}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thinking: Option<Value>,
    /// Request priority.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Value>,
}

/// One message.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// `system`, `user`, `assistant` or `tool`.
    pub role: String,
    /// Text or content blocks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<Content>,
    /// Tool calls (assistant).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_calls: Option<Vec<ToolCall>>,
    /// The call a tool message answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
    /// The model's plan before calling tools (assistant).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_plan: Option<String>,
}

/// Message content: a string or blocks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Content {
    /// Plain text.
    Text(String),
    /// Typed blocks.
    Blocks(Vec<ContentBlock>),
}

/// A content block: `text`, `image_url`, `thinking` or `document`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct ContentBlock {
    /// Block type.
    #[serde(rename = "type", default)]
    pub kind: String,
    /// Text of a `text` block.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Image of an `image_url` block (`{"url": ..., "detail": ...}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<Value>,
    /// Reasoning of a `thinking` block.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thinking: Option<String>,
    /// Document of a `document` block (`{"data": {...}, "id": ...}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<Value>,
    /// Fields this build does not know.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

impl ContentBlock {
    /// A text block.
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            kind: "text".to_owned(),
            text: Some(text.into()),
            ..Self::default()
        }
    }
}

/// A tool call.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ToolCall {
    /// Call id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Always `function`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Name and JSON arguments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function: Option<FunctionCall>,
}

/// The function of a tool call.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FunctionCall {
    /// Function name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Arguments as JSON text (or a fragment of it in a stream).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arguments: Option<String>,
}

/// A function tool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tool {
    /// Always `function`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The function.
    pub function: FunctionDefinition,
}

/// A function definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionDefinition {
    /// Function name.
    pub name: String,
    /// What it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// JSON Schema of the arguments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<Value>,
}

/// `response_format`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseFormat {
    /// `text` or `json_object`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The schema the JSON must follow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub json_schema: Option<Value>,
}

/// `POST /v2/chat` answer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChatResponse {
    /// Answer id.
    #[serde(default)]
    pub id: String,
    /// `COMPLETE`, `STOP_SEQUENCE`, `MAX_TOKENS`, `TOOL_CALL`, `ERROR` or `TIMEOUT`.
    #[serde(default)]
    pub finish_reason: Option<String>,
    /// The assistant's message.
    #[serde(default)]
    pub message: Option<ResponseMessage>,
    /// Token counts.
    #[serde(default)]
    pub usage: Option<Usage>,
    /// Log probabilities, when asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logprobs: Option<Value>,
}

/// The assistant's message in an answer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ResponseMessage {
    /// Always `assistant`.
    #[serde(default)]
    pub role: String,
    /// `text` and `thinking` blocks.
    #[serde(default)]
    pub content: Option<Vec<ContentBlock>>,
    /// The plan before tool calls.
    #[serde(default)]
    pub tool_plan: Option<String>,
    /// Tool calls.
    #[serde(default)]
    pub tool_calls: Option<Vec<ToolCall>>,
    /// Citations of documents and tool results.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub citations: Option<Value>,
}

/// Token counts: billed and actual.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Usage {
    /// Billed units.
    #[serde(default)]
    pub billed_units: Option<Units>,
    /// Tokens processed.
    #[serde(default)]
    pub tokens: Option<Units>,
    /// Prompt tokens read from the cache.
    #[serde(default)]
    pub cached_tokens: Option<f64>,
}

/// Input/output counts (Cohere reports them as JSON numbers, sometimes with a fraction).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Units {
    /// Input tokens.
    #[serde(default)]
    pub input_tokens: Option<f64>,
    /// Output tokens.
    #[serde(default)]
    pub output_tokens: Option<f64>,
    /// Search units (rerank).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search_units: Option<f64>,
}

/// One event of a `/v2/chat` stream.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StreamEvent {
    /// `message-start`, `content-start`, `content-delta`, `content-end`, `tool-plan-delta`,
    /// `tool-call-start`, `tool-call-delta`, `tool-call-end`, `citation-start`, `citation-end`,
    /// `message-end`, `debug`.
    #[serde(rename = "type", default)]
    pub kind: String,
    /// Answer id (`message-start`).
    #[serde(default)]
    pub id: Option<String>,
    /// Position of the content block or tool call.
    #[serde(default)]
    pub index: Option<u32>,
    /// What the event adds.
    #[serde(default)]
    pub delta: Option<StreamDelta>,
}

/// The payload of a stream event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StreamDelta {
    /// Message fragment.
    #[serde(default)]
    pub message: Option<StreamMessage>,
    /// Finish reason (`message-end`).
    #[serde(default)]
    pub finish_reason: Option<String>,
    /// Token counts (`message-end`).
    #[serde(default)]
    pub usage: Option<Usage>,
    /// Error text (`message-end` with `ERROR`).
    #[serde(default)]
    pub error: Option<String>,
}

/// A message fragment.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StreamMessage {
    /// Role (`message-start`).
    #[serde(default)]
    pub role: Option<String>,
    /// A content fragment (`{"type"?, "text"?, "thinking"?}`; an empty list on `message-start`).
    #[serde(default)]
    pub content: Option<Value>,
    /// A tool plan fragment.
    #[serde(default)]
    pub tool_plan: Option<String>,
    /// A tool call (start) or its arguments fragment (delta); a list on `message-start`.
    #[serde(default)]
    pub tool_calls: Option<Value>,
}

/// `POST /v2/embed` request body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EmbedRequest {
    /// Model name.
    pub model: String,
    /// `search_document`, `search_query`, `classification`, `clustering` or `image`.
    pub input_type: String,
    /// Texts to embed.
    pub texts: Vec<String>,
    /// `float`, `int8`, `uint8`, `binary`, `ubinary`, `base64`.
    pub embedding_types: Vec<String>,
    /// Output dimensions (embed v4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_dimension: Option<u32>,
    /// Tokens per input before truncation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u32>,
    /// `NONE`, `START` or `END`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub truncate: Option<String>,
}

/// `POST /v2/embed` answer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EmbedResponse {
    /// Answer id.
    #[serde(default)]
    pub id: String,
    /// Vectors by type.
    #[serde(default)]
    pub embeddings: EmbeddingsByType,
    /// Metadata and billing.
    #[serde(default)]
    pub meta: Option<Meta>,
}

/// Vectors by embedding type.
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct EmbeddingsByType {
    /// Float vectors.
    #[serde(default)]
    pub float: Option<Vec<Vec<f64>>>,
    /// Other types (`int8`, `base64`, ...).
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// `meta` of embed and rerank answers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Meta {
    /// `{"version": "2", ...}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<Value>,
    /// Billed units.
    #[serde(default)]
    pub billed_units: Option<Units>,
    /// Tokens processed.
    #[serde(default)]
    pub tokens: Option<Units>,
    /// Warnings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warnings: Option<Vec<String>>,
}

/// `POST /v2/rerank` request body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RerankRequest {
    /// Model name.
    pub model: String,
    /// The query.
    pub query: String,
    /// The documents, as text.
    pub documents: Vec<String>,
    /// Return only the best `top_n`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_n: Option<u32>,
    /// Tokens per document before truncation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tokens_per_doc: Option<u32>,
}

/// `POST /v2/rerank` answer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RerankResponse {
    /// Answer id.
    #[serde(default)]
    pub id: Option<String>,
    /// Results, best first.
    #[serde(default)]
    pub results: Vec<RerankResult>,
    /// Metadata and billing (`{"api_version", "billed_units": {"search_units"}}`), kept verbatim.
    #[serde(default)]
    pub meta: Option<Value>,
}

/// One ranked document.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RerankResult {
    /// Position in the request.
    pub index: u32,
    /// Relevance, 0..1.
    pub relevance_score: f64,
}

/// `GET /v1/models` answer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelList {
    /// The models.
    #[serde(default)]
    pub models: Vec<Model>,
    /// Token of the next page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
}

/// One model.
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct Model {
    /// Model name.
    pub name: String,
    /// Endpoints the model serves (`chat`, `embed`, `rerank`, ...).
    #[serde(default)]
    pub endpoints: Vec<String>,
    /// Context length in tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_length: Option<f64>,
    /// Fields this build does not know (`finetuned`, `features`, `tokenizer_url`, ...).
    #[serde(flatten)]
    pub extra: ExtraMap,
}
