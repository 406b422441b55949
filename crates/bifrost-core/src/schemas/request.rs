//! The request and response envelopes that travel through the engine and the plugins.

use serde::{Deserialize, Serialize};

use super::{
    ChatRequest, ChatResponse, CountTokensRequest, CountTokensResponse, EmbeddingRequest,
    EmbeddingResponse, ExtraFields, ListModelsResponse, PassthroughRequest, PassthroughResponse,
    RerankRequest, RerankResponse, ResponsesRequest, ResponsesResponse, TextCompletionRequest,
    TextCompletionResponse, Usage,
};

/// Bifrost's request type names, as they appear in logs, metrics and `allowed_requests`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestType {
    /// `GET /v1/models`.
    ListModels,
    /// `POST /v1/completions`.
    TextCompletion,
    /// `POST /v1/completions` with `stream: true`.
    TextCompletionStream,
    /// `POST /v1/chat/completions`.
    ChatCompletion,
    /// `POST /v1/chat/completions` with `stream: true`.
    ChatCompletionStream,
    /// `POST /v1/embeddings`.
    Embedding,
    /// `POST /v1/responses`.
    Responses,
    /// `POST /v1/responses` with `stream: true`.
    ResponsesStream,
    /// Token counting.
    CountTokens,
    /// `POST /v1/rerank`.
    Rerank,
    /// A native request forwarded without conversion.
    Passthrough,
    /// A streamed native request forwarded without conversion.
    PassthroughStream,
}

impl RequestType {
    /// The wire name (`chat_completion`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ListModels => "list_models",
            Self::TextCompletion => "text_completion",
            Self::TextCompletionStream => "text_completion_stream",
            Self::ChatCompletion => "chat_completion",
            Self::ChatCompletionStream => "chat_completion_stream",
            Self::Embedding => "embedding",
            Self::Responses => "responses",
            Self::ResponsesStream => "responses_stream",
            Self::CountTokens => "count_tokens",
            Self::Rerank => "rerank",
            Self::Passthrough => "passthrough",
            Self::PassthroughStream => "passthrough_stream",
        }
    }

    /// Parses a wire name.
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "list_models" => Self::ListModels,
            "text_completion" => Self::TextCompletion,
            "text_completion_stream" => Self::TextCompletionStream,
            "chat_completion" => Self::ChatCompletion,
            "chat_completion_stream" => Self::ChatCompletionStream,
            "embedding" => Self::Embedding,
            "responses" => Self::Responses,
            "responses_stream" => Self::ResponsesStream,
            "count_tokens" => Self::CountTokens,
            "rerank" => Self::Rerank,
            "passthrough" => Self::Passthrough,
            "passthrough_stream" => Self::PassthroughStream,
            _ => return None,
        })
    }

    /// The short method label used in metrics (`chat`, `text`, `embedding`, ...).
    pub fn method_label(self) -> &'static str {
        match self {
            Self::ListModels => "list_models",
            Self::TextCompletion | Self::TextCompletionStream => "text",
            Self::ChatCompletion | Self::ChatCompletionStream => "chat",
            Self::Embedding => "embedding",
            Self::Responses | Self::ResponsesStream => "responses",
            Self::CountTokens => "count_tokens",
            Self::Rerank => "rerank",
            Self::Passthrough | Self::PassthroughStream => "passthrough",
        }
    }
}

impl std::fmt::Display for RequestType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A `GET /v1/models` request for one provider.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListModelsRequest {
    /// Page size hint.
    pub page_size: Option<u32>,
    /// Page token from a previous answer.
    pub page_token: Option<String>,
}

/// The typed body of a request.
#[derive(Debug, Clone, PartialEq)]
pub enum RequestBody {
    /// Chat completion.
    Chat(Box<ChatRequest>),
    /// Text completion.
    TextCompletion(Box<TextCompletionRequest>),
    /// Embeddings.
    Embedding(Box<EmbeddingRequest>),
    /// Model listing.
    ListModels(ListModelsRequest),
    /// Token counting.
    CountTokens(Box<CountTokensRequest>),
    /// Reranking.
    Rerank(Box<RerankRequest>),
    /// OpenAI Responses API.
    Responses(Box<ResponsesRequest>),
    /// A native request forwarded without conversion.
    Passthrough(Box<PassthroughRequest>),
}

impl RequestBody {
    /// The request type, taking `stream` into account.
    pub fn request_type(&self) -> RequestType {
        match self {
            Self::Chat(r) if r.is_stream() => RequestType::ChatCompletionStream,
            Self::Chat(_) => RequestType::ChatCompletion,
            Self::TextCompletion(r) if r.is_stream() => RequestType::TextCompletionStream,
            Self::TextCompletion(_) => RequestType::TextCompletion,
            Self::Embedding(_) => RequestType::Embedding,
            Self::ListModels(_) => RequestType::ListModels,
            Self::CountTokens(_) => RequestType::CountTokens,
            Self::Rerank(_) => RequestType::Rerank,
            Self::Responses(r) if r.is_stream() => RequestType::ResponsesStream,
            Self::Responses(_) => RequestType::Responses,
            Self::Passthrough(r) if r.stream => RequestType::PassthroughStream,
            Self::Passthrough(_) => RequestType::Passthrough,
        }
    }

    /// The `model` field of the body.
    pub fn model(&self) -> &str {
        match self {
            Self::Chat(r) => &r.model,
            Self::TextCompletion(r) => &r.model,
            Self::Embedding(r) => &r.model,
            Self::CountTokens(r) => &r.model,
            Self::Rerank(r) => &r.model,
            Self::Responses(r) => &r.model,
            Self::Passthrough(r) => &r.model,
            Self::ListModels(_) => "",
        }
    }

    /// Replaces the `model` field of the body.
    pub fn set_model(&mut self, model: &str) {
        let slot = match self {
            Self::Chat(r) => &mut r.model,
            Self::TextCompletion(r) => &mut r.model,
            Self::Embedding(r) => &mut r.model,
            Self::CountTokens(r) => &mut r.model,
            Self::Rerank(r) => &mut r.model,
            Self::Responses(r) => &mut r.model,
            Self::Passthrough(r) => &mut r.model,
            Self::ListModels(_) => return,
        };
        if slot != model {
            slot.clear();
            slot.push_str(model);
        }
    }

    /// Removes and returns the Bifrost `fallbacks` carried in the body.
    pub fn take_fallbacks(&mut self) -> Vec<String> {
        let slot = match self {
            Self::Chat(r) => &mut r.fallbacks,
            Self::TextCompletion(r) => &mut r.fallbacks,
            Self::Embedding(r) => &mut r.fallbacks,
            Self::CountTokens(r) => &mut r.fallbacks,
            Self::Rerank(r) => &mut r.fallbacks,
            Self::Responses(r) => &mut r.fallbacks,
            Self::ListModels(_) | Self::Passthrough(_) => return Vec::new(),
        };
        slot.take().unwrap_or_default()
    }
}

/// A request addressed to one provider and model, with its fallbacks.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// Provider name (`openai`, `groq`, a custom provider's name, ...).
    pub provider: String,
    /// Model name without the provider prefix.
    pub model: String,
    /// Fallback targets tried in order when this one fails.
    pub fallbacks: Vec<ModelRef>,
    /// The typed body.
    pub body: RequestBody,
}

impl Request {
    /// The request type.
    pub fn request_type(&self) -> RequestType {
        self.body.request_type()
    }

    /// True when the caller asked for a streamed answer.
    pub fn is_stream(&self) -> bool {
        matches!(
            self.request_type(),
            RequestType::ChatCompletionStream
                | RequestType::TextCompletionStream
                | RequestType::ResponsesStream
                | RequestType::PassthroughStream
        )
    }
}

/// A `provider/model` pair.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ModelRef {
    /// Provider name.
    pub provider: String,
    /// Model name without the provider prefix.
    pub model: String,
}

impl std::fmt::Display for ModelRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.provider, self.model)
    }
}

/// The typed answer to a request.
#[derive(Debug, Clone, PartialEq)]
pub enum Response {
    /// Chat completion.
    Chat(Box<ChatResponse>),
    /// Text completion.
    TextCompletion(Box<TextCompletionResponse>),
    /// Embeddings.
    Embedding(Box<EmbeddingResponse>),
    /// Model listing.
    ListModels(Box<ListModelsResponse>),
    /// Token count.
    CountTokens(Box<CountTokensResponse>),
    /// Reranking.
    Rerank(Box<RerankResponse>),
    /// OpenAI Responses API.
    Responses(Box<ResponsesResponse>),
    /// A native answer relayed without conversion.
    Passthrough(Box<PassthroughResponse>),
}

impl Response {
    /// Token usage, when the response carries it.
    pub fn usage(&self) -> Option<&Usage> {
        match self {
            Self::Chat(r) => r.usage.as_ref(),
            Self::TextCompletion(r) => r.usage.as_ref(),
            Self::Embedding(r) => r.usage.as_ref(),
            Self::Rerank(r) => r.usage.as_ref(),
            Self::Responses(r) => r.unified_usage(),
            Self::ListModels(_) | Self::CountTokens(_) | Self::Passthrough(_) => None,
        }
    }

    /// Mutable access to the `extra_fields` slot.
    pub fn extra_fields_mut(&mut self) -> &mut Option<ExtraFields> {
        match self {
            Self::Chat(r) => &mut r.extra_fields,
            Self::TextCompletion(r) => &mut r.extra_fields,
            Self::Embedding(r) => &mut r.extra_fields,
            Self::ListModels(r) => &mut r.extra_fields,
            Self::CountTokens(r) => &mut r.extra_fields,
            Self::Rerank(r) => &mut r.extra_fields,
            Self::Responses(r) => &mut r.extra_fields,
            Self::Passthrough(r) => &mut r.extra_fields,
        }
    }

    /// Serializes the response as JSON.
    pub fn to_json(&self) -> serde_json::Result<Vec<u8>> {
        match self {
            Self::Chat(r) => super::to_json_vec(r),
            Self::TextCompletion(r) => super::to_json_vec(r),
            Self::Embedding(r) => super::to_json_vec(r),
            Self::ListModels(r) => super::to_json_vec(r),
            Self::CountTokens(r) => super::to_json_vec(r),
            Self::Rerank(r) => super::to_json_vec(r),
            Self::Responses(r) => super::to_json_vec(r),
            Self::Passthrough(r) => Ok(r.body.to_vec()),
        }
    }

    /// The first finish reason, for chat and text completions; the status (`completed`,
    /// `incomplete`, `failed`) for Responses API responses.
    pub fn finish_reason(&self) -> Option<&str> {
        match self {
            Self::Chat(r) => r.choices.iter().find_map(|c| c.finish_reason.as_deref()),
            Self::TextCompletion(r) => r.choices.iter().find_map(|c| c.finish_reason.as_deref()),
            Self::Responses(r) => r.status.as_deref(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Requests and answers move through several layers of futures by value; their bodies are
    /// boxed so that each move copies a pointer, not a kilobyte of schema.
    #[test]
    fn request_and_response_bodies_are_boxed() {
        assert!(std::mem::size_of::<ChatRequest>() > 256);
        assert!(std::mem::size_of::<RequestBody>() <= 32);
        assert!(std::mem::size_of::<Response>() <= 16);
        assert!(std::mem::size_of::<Request>() <= 128);
    }
}
