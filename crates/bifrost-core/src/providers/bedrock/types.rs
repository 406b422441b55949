//! Bedrock Runtime wire types: Converse / ConverseStream and the InvokeModel embedding bodies
//! (Amazon Titan text embeddings, Cohere embed), as documented in the Bedrock API reference.
//!
//! Union types of the API (`ContentBlock`, `ToolChoice`, stream deltas) are flat structs of
//! optional members, so that members this build does not know survive a round trip in `extra`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::schemas::ExtraMap;

/// `POST /model/{modelId}/converse` (and `/converse-stream`) request body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConverseRequest {
    /// The conversation, alternating `user` and `assistant`.
    #[serde(default)]
    pub messages: Vec<Message>,
    /// System prompts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub system: Vec<SystemContentBlock>,
    /// `maxTokens`, `temperature`, `topP`, `stopSequences`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inference_config: Option<InferenceConfig>,
    /// Tools and the tool choice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_config: Option<ToolConfig>,
    /// Model-specific parameters (e.g. Anthropic `thinking`, `top_k`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_model_request_fields: Option<Value>,
    /// JSON pointers of model-specific response fields to return.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_model_response_field_paths: Option<Vec<String>>,
    /// Guardrail to apply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guardrail_config: Option<Value>,
    /// Latency-optimized inference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub performance_config: Option<Value>,
    /// Prompt-management variables.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_variables: Option<Value>,
    /// Key-value metadata for invocation logs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_metadata: Option<Value>,
    /// Processing tier (`{"type": "priority" | "default" | "flex"}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_tier: Option<Value>,
}

/// One message of the conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// `user` or `assistant`.
    pub role: String,
    /// Content blocks.
    #[serde(default)]
    pub content: Vec<ContentBlock>,
}

/// A content block: exactly one member is set.
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
#[serde(rename_all = "camelCase")]
pub struct ContentBlock {
    /// Text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// An image given as bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<ImageBlock>,
    /// A document given as bytes or text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<DocumentBlock>,
    /// A tool call made by the assistant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_use: Option<ToolUseBlock>,
    /// The result of a tool call (user messages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_result: Option<ToolResultBlock>,
    /// Model reasoning (visible text with a signature, or redacted bytes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning_content: Option<ReasoningContentBlock>,
    /// A prompt-cache checkpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_point: Option<CachePoint>,
    /// JSON (inside a tool result only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub json: Option<Value>,
    /// Members this build does not know (`guardContent`, `video`, `citationsContent`, ...).
    #[serde(flatten)]
    pub extra: ExtraMap,
}

impl ContentBlock {
    /// A text block.
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            text: Some(text.into()),
            ..Self::default()
        }
    }

    /// A default cache point block.
    pub fn cache_point() -> Self {
        Self {
            cache_point: Some(CachePoint::default()),
            ..Self::default()
        }
    }
}

/// `{"type": "default"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CachePoint {
    /// Always `default`.
    #[serde(rename = "type")]
    pub kind: String,
}

impl Default for CachePoint {
    fn default() -> Self {
        Self {
            kind: "default".to_owned(),
        }
    }
}

/// An image content block.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageBlock {
    /// `png`, `jpeg`, `gif` or `webp`.
    pub format: String,
    /// Where the bytes are.
    pub source: BytesSource,
}

/// Bytes (base64 in JSON) or an S3 location.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BytesSource {
    /// Base64 of the raw bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<String>,
    /// Plain text (documents only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// `{"uri": "s3://...", "bucketOwner": ...}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3_location: Option<Value>,
}

/// A document content block.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentBlock {
    /// `pdf`, `csv`, `doc`, `docx`, `xls`, `xlsx`, `html`, `txt` or `md`.
    pub format: String,
    /// Document name (letters, digits, spaces, hyphens, parentheses, brackets).
    pub name: String,
    /// The document's content.
    pub source: BytesSource,
}

/// A tool call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolUseBlock {
    /// Call id.
    pub tool_use_id: String,
    /// Tool name.
    pub name: String,
    /// Arguments as a JSON document.
    #[serde(default)]
    pub input: Value,
}

/// A tool result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolResultBlock {
    /// The call this answers.
    pub tool_use_id: String,
    /// `text`, `json`, `image` or `document` blocks.
    #[serde(default)]
    pub content: Vec<ContentBlock>,
    /// `success` or `error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// Reasoning content: visible text (with a signature) or redacted bytes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReasoningContentBlock {
    /// Visible reasoning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning_text: Option<ReasoningText>,
    /// Encrypted reasoning (base64), to send back unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redacted_content: Option<String>,
}

/// Reasoning text and the signature that authenticates it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReasoningText {
    /// The reasoning.
    pub text: String,
    /// Signature of the reasoning, required when it is sent back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

/// A system prompt block.
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
#[serde(rename_all = "camelCase")]
pub struct SystemContentBlock {
    /// Prompt text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// A prompt-cache checkpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_point: Option<CachePoint>,
    /// Members this build does not know (`guardContent`).
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// Inference parameters common to all models.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InferenceConfig {
    /// Output token limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u32>,
    /// Sampling temperature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    /// Nucleus sampling mass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f64>,
    /// Stop sequences.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_sequences: Option<Vec<String>>,
}

/// Tools and the tool choice.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolConfig {
    /// The tools.
    #[serde(default)]
    pub tools: Vec<Tool>,
    /// How the model chooses; absent means `auto`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<ToolChoice>,
}

/// One tool (or a cache point in the tool list).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tool {
    /// A function the model may call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_spec: Option<ToolSpec>,
    /// A prompt-cache checkpoint after the tools.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_point: Option<CachePoint>,
}

/// A function definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolSpec {
    /// Tool name.
    pub name: String,
    /// What the tool does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `{"json": <JSON Schema>}`.
    pub input_schema: InputSchema,
}

/// The JSON Schema of a tool's input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputSchema {
    /// The schema.
    pub json: Value,
}

/// `{"auto":{}}`, `{"any":{}}` or `{"tool":{"name":...}}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ToolChoice {
    /// The model decides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto: Option<ExtraMap>,
    /// The model must call some tool.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub any: Option<ExtraMap>,
    /// The model must call this tool.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool: Option<NamedTool>,
}

/// A tool name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NamedTool {
    /// Tool name.
    pub name: String,
}

/// Converse response body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConverseResponse {
    /// `{"message": {...}}`.
    #[serde(default)]
    pub output: ConverseOutput,
    /// `end_turn`, `tool_use`, `max_tokens`, `stop_sequence`, `guardrail_intervened`,
    /// `content_filtered`, `malformed_model_output`, `malformed_tool_use`,
    /// `model_context_window_exceeded`.
    #[serde(default)]
    pub stop_reason: String,
    /// Token counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<TokenUsage>,
    /// `{"latencyMs": ...}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics: Option<Value>,
    /// Model-specific response fields that were asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_model_response_fields: Option<Value>,
    /// Guardrail trace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<Value>,
    /// Performance configuration used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub performance_config: Option<Value>,
    /// Processing tier used (`{"type": ...}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_tier: Option<Value>,
}

/// The output of a Converse call.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ConverseOutput {
    /// The assistant's message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<Message>,
}

/// Token counts of one call.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenUsage {
    /// Input tokens not read from or written to the prompt cache.
    #[serde(default)]
    pub input_tokens: u64,
    /// Output tokens.
    #[serde(default)]
    pub output_tokens: u64,
    /// All tokens of the call.
    #[serde(default)]
    pub total_tokens: u64,
    /// Input tokens read from the prompt cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_read_input_tokens: Option<u64>,
    /// Input tokens written to the prompt cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_write_input_tokens: Option<u64>,
}

/// `messageStart` event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MessageStartEvent {
    /// Always `assistant`.
    #[serde(default)]
    pub role: String,
}

/// `contentBlockStart` event (sent for tool calls).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContentBlockStartEvent {
    /// What starts.
    #[serde(default)]
    pub start: ContentBlockStart,
    /// Position of the block in the message.
    #[serde(default)]
    pub content_block_index: u32,
}

/// The start of a content block.
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
#[serde(rename_all = "camelCase")]
pub struct ContentBlockStart {
    /// A tool call starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_use: Option<ToolUseStart>,
    /// Members this build does not know.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// Id and name of a starting tool call.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolUseStart {
    /// Call id.
    pub tool_use_id: String,
    /// Tool name.
    pub name: String,
}

/// `contentBlockDelta` event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContentBlockDeltaEvent {
    /// The fragment.
    #[serde(default)]
    pub delta: ContentBlockDelta,
    /// Position of the block in the message.
    #[serde(default)]
    pub content_block_index: u32,
}

/// A fragment of a content block.
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
#[serde(rename_all = "camelCase")]
pub struct ContentBlockDelta {
    /// Text fragment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Tool input fragment (`{"input": "<partial JSON>"}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_use: Option<ToolUseDelta>,
    /// Reasoning fragment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning_content: Option<ReasoningDelta>,
    /// Members this build does not know (`citation`, ...).
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// A piece of a tool call's JSON input.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ToolUseDelta {
    /// Partial JSON text.
    #[serde(default)]
    pub input: String,
}

/// A reasoning fragment: text, the signature, or redacted bytes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReasoningDelta {
    /// Reasoning text fragment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Signature of the reasoning block.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    /// Redacted reasoning (base64).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redacted_content: Option<String>,
}

/// `contentBlockStop` event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContentBlockStopEvent {
    /// Position of the block in the message.
    #[serde(default)]
    pub content_block_index: u32,
}

/// `messageStop` event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageStopEvent {
    /// Why the model stopped.
    #[serde(default)]
    pub stop_reason: String,
    /// Model-specific response fields that were asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_model_response_fields: Option<Value>,
}

/// `metadata` event: usage and metrics, the last event of a stream.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MetadataEvent {
    /// Token counts.
    #[serde(default)]
    pub usage: TokenUsage,
    /// `{"latencyMs": ...}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics: Option<Value>,
    /// Guardrail trace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<Value>,
}

/// Bedrock's error body (`{"message": ...}`; some services capitalise `Message`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct ErrorBody {
    /// Lower-case form.
    #[serde(default)]
    pub message: Option<String>,
    /// Capitalised form.
    #[serde(default, rename = "Message")]
    pub message_upper: Option<String>,
    /// Exception name, when the body carries it.
    #[serde(default, rename = "__type")]
    pub kind: Option<String>,
}

/// Amazon Titan text embeddings (v1 and v2) request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TitanEmbedRequest {
    /// The text to embed.
    pub input_text: String,
    /// Output dimensions (v2: 256, 512 or 1024).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimensions: Option<u32>,
    /// Normalize the vector (v2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub normalize: Option<bool>,
}

/// Amazon Titan text embeddings response.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TitanEmbedResponse {
    /// The vector.
    #[serde(default)]
    pub embedding: Vec<f64>,
    /// Tokens in the input.
    #[serde(default)]
    pub input_text_token_count: u64,
}

/// Cohere embed (on Bedrock) request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CohereEmbedRequest {
    /// Texts to embed.
    pub texts: Vec<String>,
    /// `search_document`, `search_query`, `classification` or `clustering`.
    pub input_type: String,
    /// `NONE`, `START` or `END`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub truncate: Option<String>,
    /// Embedding types to return (`float`, `int8`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embedding_types: Option<Vec<String>>,
    /// Output dimensions (embed v4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_dimension: Option<u32>,
}

/// Cohere embed (on Bedrock) response.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CohereEmbedResponse {
    /// `[[f32]]` (`embeddings_floats`) or `{"float": [[f32]], ...}` (`embeddings_by_type`).
    #[serde(default)]
    pub embeddings: Value,
    /// Response id.
    #[serde(default)]
    pub id: String,
    /// `embeddings_floats` or `embeddings_by_type`.
    #[serde(default)]
    pub response_type: Option<String>,
}
