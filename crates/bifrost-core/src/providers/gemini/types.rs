//! Native wire types of Google's Generative Language API (`generativelanguage.googleapis.com`),
//! shared with Vertex AI's Gemini endpoints, which use the same JSON shapes.
//!
//! Field names are camelCase on the wire. Every struct keeps fields it does not know in an
//! `extra` map, so a response read here and written back loses nothing.

use serde::{Deserialize, Serialize};

use crate::schemas::ExtraMap;

/// `generateContent` / `streamGenerateContent` / `countTokens.generateContentRequest` body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
#[serde(rename_all = "camelCase")]
pub struct GenerateContentRequest {
    /// `models/{model}`; only inside `countTokens.generateContentRequest`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// The conversation.
    #[serde(default)]
    pub contents: Vec<Content>,
    /// System instructions (text parts only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "system_instruction")]
    pub system_instruction: Option<Content>,
    /// Tools the model may use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<Vec<Tool>>,
    /// How the model uses the tools.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "tool_config")]
    pub tool_config: Option<ToolConfig>,
    /// Sampling and output settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "generation_config")]
    pub generation_config: Option<GenerationConfig>,
    /// Safety thresholds per harm category, passed through unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "safety_settings")]
    pub safety_settings: Option<serde_json::Value>,
    /// Name of a context cache (`cachedContents/...`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "cached_content")]
    pub cached_content: Option<String>,
    /// Billing labels (Vertex AI only; the Generative Language API rejects them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<serde_json::Value>,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// One turn of a conversation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
#[serde(rename_all = "camelCase")]
pub struct Content {
    /// `user` or `model`; absent in `systemInstruction`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// The parts of the turn.
    #[serde(default)]
    pub parts: Vec<Part>,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// One part of a turn; exactly one data field is set.
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
#[serde(rename_all = "camelCase")]
pub struct Part {
    /// Text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// True when the text is the model's thinking.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thought: Option<bool>,
    /// Opaque signature (base64) that thinking models need back on the next turn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "thought_signature")]
    pub thought_signature: Option<String>,
    /// Inline bytes (base64) with their media type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "inline_data")]
    pub inline_data: Option<Blob>,
    /// A file by URI (`https://`, `gs://`, uploaded `files/...`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "file_data")]
    pub file_data: Option<FileData>,
    /// A call the model asks for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "function_call")]
    pub function_call: Option<FunctionCall>,
    /// The result of a call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "function_response")]
    pub function_response: Option<FunctionResponse>,
    /// Code the model generated for the code-execution tool.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "executable_code")]
    pub executable_code: Option<serde_json::Value>,
    /// Result of the code-execution tool.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "code_execution_result")]
    pub code_execution_result: Option<serde_json::Value>,
    /// Fields this type does not know (`videoMetadata`, `mediaResolution`, ...), kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

impl Part {
    /// A text part.
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            text: Some(text.into()),
            ..Self::default()
        }
    }

    /// True when this part is thinking text.
    pub fn is_thought(&self) -> bool {
        self.thought.unwrap_or(false)
    }
}

/// Inline data.
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
#[serde(rename_all = "camelCase")]
pub struct Blob {
    /// IANA media type.
    #[serde(alias = "mime_type")]
    pub mime_type: String,
    /// Base64 bytes.
    pub data: String,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// Data referenced by URI.
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
#[serde(rename_all = "camelCase")]
pub struct FileData {
    /// IANA media type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "mime_type")]
    pub mime_type: Option<String>,
    /// The URI.
    #[serde(alias = "file_uri")]
    pub file_uri: String,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// A function call predicted by the model.
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
#[serde(rename_all = "camelCase")]
pub struct FunctionCall {
    /// Call id (not always sent by the model).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Function name.
    pub name: String,
    /// Arguments as a JSON object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub args: Option<serde_json::Value>,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// The result of a function call.
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
#[serde(rename_all = "camelCase")]
pub struct FunctionResponse {
    /// Id of the call this answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Function name.
    pub name: String,
    /// The result as a JSON object.
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub response: serde_json::Value,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// A tool: function declarations or a built-in tool (`googleSearch`, `codeExecution`, ...).
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
#[serde(rename_all = "camelCase")]
pub struct Tool {
    /// Functions the model may call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "function_declarations")]
    pub function_declarations: Option<Vec<FunctionDeclaration>>,
    /// Built-in tools, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// A function the model may call.
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
#[serde(rename_all = "camelCase")]
pub struct FunctionDeclaration {
    /// Function name.
    pub name: String,
    /// What it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Arguments schema (Gemini's OpenAPI subset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<serde_json::Value>,
    /// Arguments schema as JSON Schema (instead of `parameters`).
    #[serde(alias = "parameters_json_schema")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters_json_schema: Option<serde_json::Value>,
    /// Result schema as JSON Schema.
    #[serde(alias = "response_json_schema")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_json_schema: Option<serde_json::Value>,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// `toolConfig`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
#[serde(rename_all = "camelCase")]
pub struct ToolConfig {
    /// Function calling mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "function_calling_config")]
    pub function_calling_config: Option<FunctionCallingConfig>,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// `toolConfig.functionCallingConfig`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
#[serde(rename_all = "camelCase")]
pub struct FunctionCallingConfig {
    /// `AUTO`, `ANY`, `NONE` (or `VALIDATED`); empty when not given.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub mode: String,
    /// With `ANY`: the functions the model may call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "allowed_function_names")]
    pub allowed_function_names: Option<Vec<String>>,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// `generationConfig`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
#[serde(rename_all = "camelCase")]
pub struct GenerationConfig {
    /// Sampling temperature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    /// Nucleus sampling mass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "top_p")]
    pub top_p: Option<f64>,
    /// Top-k sampling (an integer on the Gemini API, a number on Vertex AI: kept as given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "top_k")]
    pub top_k: Option<serde_json::Number>,
    /// Output token limit (thinking tokens excluded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "max_output_tokens")]
    pub max_output_tokens: Option<u32>,
    /// Stop sequences (at most 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "stop_sequences")]
    pub stop_sequences: Option<Vec<String>>,
    /// Number of candidates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "candidate_count")]
    pub candidate_count: Option<u32>,
    /// Sampling seed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<i64>,
    /// Presence penalty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "presence_penalty")]
    pub presence_penalty: Option<f64>,
    /// Frequency penalty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "frequency_penalty")]
    pub frequency_penalty: Option<f64>,
    /// Return log probabilities of the chosen tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "response_logprobs")]
    pub response_logprobs: Option<bool>,
    /// Number of top alternatives per position.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logprobs: Option<u32>,
    /// `text/plain` or `application/json`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "response_mime_type")]
    pub response_mime_type: Option<String>,
    /// Output schema (Gemini's OpenAPI subset) with `application/json`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "response_schema")]
    pub response_schema: Option<serde_json::Value>,
    /// Output schema as JSON Schema (instead of `responseSchema`).
    #[serde(alias = "response_json_schema")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_json_schema: Option<serde_json::Value>,
    /// Thinking settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "thinking_config")]
    pub thinking_config: Option<ThinkingConfig>,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// `generationConfig.thinkingConfig`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
#[serde(rename_all = "camelCase")]
pub struct ThinkingConfig {
    /// Return thought summaries as `thought: true` parts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "include_thoughts")]
    pub include_thoughts: Option<bool>,
    /// Thinking token budget (0 turns thinking off, -1 lets the model decide).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "thinking_budget")]
    pub thinking_budget: Option<i64>,
    /// Gemini 3 thinking level (`low`, `high`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "thinking_level")]
    pub thinking_level: Option<String>,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// `generateContent` response (and every streamed chunk).
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
#[serde(rename_all = "camelCase")]
pub struct GenerateContentResponse {
    /// The candidates.
    #[serde(default)]
    pub candidates: Vec<Candidate>,
    /// Why the prompt was blocked, if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "prompt_feedback")]
    pub prompt_feedback: Option<PromptFeedback>,
    /// Token usage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "usage_metadata")]
    pub usage_metadata: Option<UsageMetadata>,
    /// The model version that answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "model_version")]
    pub model_version: Option<String>,
    /// Response id (the same on every chunk of a stream).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "response_id")]
    pub response_id: Option<String>,
    /// RFC 3339 creation time (Vertex AI).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "create_time")]
    pub create_time: Option<String>,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// One candidate answer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
#[serde(rename_all = "camelCase")]
pub struct Candidate {
    /// The generated content (absent when nothing was generated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<Content>,
    /// Why generation stopped (`STOP`, `MAX_TOKENS`, `SAFETY`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "finish_reason")]
    pub finish_reason: Option<String>,
    /// Position of the candidate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<u32>,
    /// Details of the finish reason (Vertex AI).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "finish_message")]
    pub finish_message: Option<String>,
    /// Log probabilities, when requested.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "logprobs_result")]
    pub logprobs_result: Option<LogprobsResult>,
    /// Fields this type does not know (`safetyRatings`, `citationMetadata`, ...), kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// `candidate.logprobsResult`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogprobsResult {
    /// The most likely alternatives per position.
    #[serde(default)]
    #[serde(alias = "top_candidates")]
    pub top_candidates: Vec<TopCandidates>,
    /// The chosen token per position.
    #[serde(default)]
    #[serde(alias = "chosen_candidates")]
    pub chosen_candidates: Vec<LogprobCandidate>,
}

/// Alternatives at one position.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TopCandidates {
    /// Alternatives, most likely first.
    #[serde(default)]
    pub candidates: Vec<LogprobCandidate>,
}

/// A token with its log probability.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogprobCandidate {
    /// Token text.
    #[serde(default)]
    pub token: String,
    /// Log probability.
    #[serde(default)]
    #[serde(alias = "log_probability")]
    pub log_probability: f64,
}

/// `promptFeedback`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
#[serde(rename_all = "camelCase")]
pub struct PromptFeedback {
    /// Set when the prompt was blocked (`SAFETY`, `BLOCKLIST`, `PROHIBITED_CONTENT`, `OTHER`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "block_reason")]
    pub block_reason: Option<String>,
    /// Readable explanation (Vertex AI).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "block_reason_message")]
    pub block_reason_message: Option<String>,
    /// Fields this type does not know (`safetyRatings`), kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// `usageMetadata`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
#[serde(rename_all = "camelCase")]
pub struct UsageMetadata {
    /// Prompt tokens, cached ones included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "prompt_token_count")]
    pub prompt_token_count: Option<u64>,
    /// Tokens of all candidates (thinking excluded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "candidates_token_count")]
    pub candidates_token_count: Option<u64>,
    /// Everything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "total_token_count")]
    pub total_token_count: Option<u64>,
    /// Prompt tokens read from the context cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "cached_content_token_count")]
    pub cached_content_token_count: Option<u64>,
    /// Thinking tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "thoughts_token_count")]
    pub thoughts_token_count: Option<u64>,
    /// Tokens of tool-use prompts (e.g. search results fed to the model).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "tool_use_prompt_token_count")]
    pub tool_use_prompt_token_count: Option<u64>,
    /// Prompt tokens per modality.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "prompt_tokens_details")]
    pub prompt_tokens_details: Option<Vec<ModalityTokenCount>>,
    /// Candidate tokens per modality.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "candidates_tokens_details")]
    pub candidates_tokens_details: Option<Vec<ModalityTokenCount>>,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// Tokens of one modality.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModalityTokenCount {
    /// `TEXT`, `IMAGE`, `AUDIO`, `VIDEO`, `DOCUMENT`.
    #[serde(default)]
    pub modality: String,
    /// Token count.
    #[serde(default)]
    #[serde(alias = "token_count")]
    pub token_count: u64,
}

/// `embedContent` body, and one entry of `batchEmbedContents.requests`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
#[serde(rename_all = "camelCase")]
pub struct EmbedContentRequest {
    /// `models/{model}` (required inside a batch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// The text to embed.
    pub content: Content,
    /// `RETRIEVAL_QUERY`, `RETRIEVAL_DOCUMENT`, `SEMANTIC_SIMILARITY`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "task_type")]
    pub task_type: Option<String>,
    /// Document title (with `RETRIEVAL_DOCUMENT`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Truncate the embedding to this many dimensions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "output_dimensionality")]
    pub output_dimensionality: Option<u32>,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// `batchEmbedContents` body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
#[serde(rename_all = "camelCase")]
pub struct BatchEmbedContentsRequest {
    /// One request per input.
    pub requests: Vec<EmbedContentRequest>,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// One embedding.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContentEmbedding {
    /// The vector.
    #[serde(default)]
    pub values: Vec<f64>,
}

/// `embedContent` response.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmbedContentResponse {
    /// The embedding.
    pub embedding: ContentEmbedding,
    /// Token usage, when reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "usage_metadata")]
    pub usage_metadata: Option<UsageMetadata>,
}

/// `batchEmbedContents` response.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchEmbedContentsResponse {
    /// One embedding per request, in order.
    #[serde(default)]
    pub embeddings: Vec<ContentEmbedding>,
    /// Token usage, when reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "usage_metadata")]
    pub usage_metadata: Option<UsageMetadata>,
}

/// `countTokens` body (Generative Language API form).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CountTokensRequest {
    /// The full request whose prompt is counted (system instruction and tools included).
    #[serde(alias = "generate_content_request")]
    pub generate_content_request: GenerateContentRequest,
}

/// `countTokens` response.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CountTokensResponse {
    /// Prompt tokens.
    #[serde(default)]
    #[serde(alias = "total_tokens")]
    pub total_tokens: u64,
    /// Tokens served from the context cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "cached_content_token_count")]
    pub cached_content_token_count: Option<u64>,
    /// Billable characters (Vertex AI).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "total_billable_characters")]
    pub total_billable_characters: Option<u64>,
    /// Prompt tokens per modality.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "prompt_tokens_details")]
    pub prompt_tokens_details: Option<Vec<ModalityTokenCount>>,
}

/// `GET /models` response.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListModelsResponse {
    /// The models.
    #[serde(default)]
    pub models: Vec<Model>,
    /// Token of the next page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "next_page_token")]
    pub next_page_token: Option<String>,
}

/// One model of `GET /models`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
#[serde(rename_all = "camelCase")]
pub struct Model {
    /// `models/{id}`.
    pub name: String,
    /// Human-readable name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "display_name")]
    pub display_name: Option<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Context window (input tokens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "input_token_limit")]
    pub input_token_limit: Option<u64>,
    /// Longest output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "output_token_limit")]
    pub output_token_limit: Option<u64>,
    /// `generateContent`, `countTokens`, `embedContent`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "supported_generation_methods")]
    pub supported_generation_methods: Option<Vec<String>>,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// Google's error envelope: `{"error":{"code":400,"message":"...","status":"INVALID_ARGUMENT"}}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GoogleErrorEnvelope {
    /// The error.
    pub error: GoogleError,
}

/// The `error` object of Google APIs (`google.rpc.Status` in JSON).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GoogleError {
    /// HTTP status code.
    #[serde(default)]
    pub code: Option<u16>,
    /// Message.
    #[serde(default)]
    pub message: String,
    /// Canonical status name (`INVALID_ARGUMENT`, `RESOURCE_EXHAUSTED`, ...).
    #[serde(default)]
    pub status: Option<String>,
    /// Typed details (`ErrorInfo`, `RetryInfo`, `BadRequest`, ...).
    #[serde(default)]
    pub details: Option<Vec<serde_json::Value>>,
}
