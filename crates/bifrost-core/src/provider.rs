//! The provider trait: one implementation per wire format.
//!
//! A provider translates unified requests into its native format, calls the upstream, and
//! translates the answer back. It does not retry, time out or choose keys: the engine does, so
//! that every provider gets the same semantics. Request kinds a provider does not serve keep the
//! default methods, which answer with a typed "unsupported operation" error.
//!
//! Calls go through `dyn Provider` (one boxed future per upstream call, tens of nanoseconds next
//! to the HTTP exchange) so that providers can be chosen from configuration at run time.

use std::pin::Pin;

use async_trait::async_trait;
use futures::Stream;
use http::{HeaderName, HeaderValue};

use crate::error::{BifrostError, ErrorKind};
use crate::key::Key;
use crate::schemas::{
    ChatRequest, ChatResponse, CountTokensRequest, CountTokensResponse, EmbeddingRequest,
    EmbeddingResponse, ListModelsRequest, ListModelsResponse, PassthroughRequest,
    PassthroughResponse, RequestType, RerankRequest, RerankResponse, ResponsesRequest,
    ResponsesResponse, StreamChunk, TextCompletionRequest, TextCompletionResponse,
};

/// A stream of chunks from the upstream. Ends after the last chunk; an `Err` item ends it too.
pub type ChunkStream = Pin<Box<dyn Stream<Item = Result<StreamChunk, BifrostError>> + Send>>;

/// What a provider needs to know about one upstream call besides the request body.
#[derive(Debug, Clone, Copy)]
pub struct CallContext<'a> {
    /// The key chosen for this attempt.
    pub key: &'a Key,
    /// The upstream model name (after the key's aliases).
    pub model: &'a str,
    /// The gateway's request id (sent upstream as `x-request-id`).
    pub request_id: &'a str,
    /// Extra headers for this request (`x-bf-eh-*` from the caller, already filtered).
    pub extra_headers: &'a [(HeaderName, HeaderValue)],
    /// Keep the upstream's raw body in `extra_fields.raw_response`.
    pub send_back_raw_response: bool,
}

/// A provider family's implementation.
#[async_trait]
pub trait Provider: Send + Sync + 'static {
    /// The configured provider name (`openai`, `groq`, a custom provider's name).
    fn name(&self) -> &str;

    /// True when calls need no key.
    fn is_keyless(&self) -> bool {
        false
    }

    /// Whether this provider serves `request_type` at all (used for clear errors before dispatch).
    fn supports(&self, request_type: RequestType) -> bool;

    /// `GET /v1/models`.
    async fn list_models(
        &self,
        cx: CallContext<'_>,
        req: &ListModelsRequest,
    ) -> Result<ListModelsResponse, BifrostError> {
        let _ = (cx, req);
        Err(unsupported(RequestType::ListModels, self.name()))
    }

    /// Chat completion.
    async fn chat(
        &self,
        cx: CallContext<'_>,
        req: &ChatRequest,
    ) -> Result<ChatResponse, BifrostError> {
        let _ = (cx, req);
        Err(unsupported(RequestType::ChatCompletion, self.name()))
    }

    /// Streamed chat completion. Returns once the upstream accepted the request.
    async fn chat_stream(
        &self,
        cx: CallContext<'_>,
        req: &ChatRequest,
    ) -> Result<ChunkStream, BifrostError> {
        let _ = (cx, req);
        Err(unsupported(RequestType::ChatCompletionStream, self.name()))
    }

    /// Text completion.
    async fn text_completion(
        &self,
        cx: CallContext<'_>,
        req: &TextCompletionRequest,
    ) -> Result<TextCompletionResponse, BifrostError> {
        let _ = (cx, req);
        Err(unsupported(RequestType::TextCompletion, self.name()))
    }

    /// Streamed text completion.
    async fn text_completion_stream(
        &self,
        cx: CallContext<'_>,
        req: &TextCompletionRequest,
    ) -> Result<ChunkStream, BifrostError> {
        let _ = (cx, req);
        Err(unsupported(RequestType::TextCompletionStream, self.name()))
    }

    /// Embeddings.
    async fn embedding(
        &self,
        cx: CallContext<'_>,
        req: &EmbeddingRequest,
    ) -> Result<EmbeddingResponse, BifrostError> {
        let _ = (cx, req);
        Err(unsupported(RequestType::Embedding, self.name()))
    }

    /// Token counting.
    async fn count_tokens(
        &self,
        cx: CallContext<'_>,
        req: &CountTokensRequest,
    ) -> Result<CountTokensResponse, BifrostError> {
        let _ = (cx, req);
        Err(unsupported(RequestType::CountTokens, self.name()))
    }

    /// OpenAI Responses API. By default served over [`Provider::chat`]: the request is
    /// translated into a chat completion and the answer back (see
    /// [`crate::providers::common::responses`]). Providers with a native endpoint override it.
    async fn responses(
        &self,
        cx: CallContext<'_>,
        req: &ResponsesRequest,
    ) -> Result<ResponsesResponse, BifrostError> {
        crate::providers::common::responses::responses_over_chat(self, cx, req).await
    }

    /// Streamed Responses API. By default served over [`Provider::chat_stream`], with the chat
    /// chunks translated into Responses events. Providers with a native endpoint override it.
    async fn responses_stream(
        &self,
        cx: CallContext<'_>,
        req: &ResponsesRequest,
    ) -> Result<ChunkStream, BifrostError> {
        crate::providers::common::responses::responses_stream_over_chat(self, cx, req).await
    }

    /// Reranking.
    async fn rerank(
        &self,
        cx: CallContext<'_>,
        req: &RerankRequest,
    ) -> Result<RerankResponse, BifrostError> {
        let _ = (cx, req);
        Err(unsupported(RequestType::Rerank, self.name()))
    }

    /// Forwards a native request without body conversion, with this provider's credentials.
    /// A non-success status is returned as an upstream error carrying the upstream's body.
    async fn passthrough(
        &self,
        cx: CallContext<'_>,
        req: &PassthroughRequest,
    ) -> Result<PassthroughResponse, BifrostError> {
        let _ = (cx, req);
        Err(unsupported(RequestType::Passthrough, self.name()))
    }

    /// Streamed passthrough: the first item is [`StreamChunk::RawHead`], then
    /// [`StreamChunk::Raw`] body bytes.
    async fn passthrough_stream(
        &self,
        cx: CallContext<'_>,
        req: &PassthroughRequest,
    ) -> Result<ChunkStream, BifrostError> {
        let _ = (cx, req);
        Err(unsupported(RequestType::PassthroughStream, self.name()))
    }
}

/// The error for a request type a provider does not serve (Bifrost's wording).
pub fn unsupported(request_type: RequestType, provider: &str) -> BifrostError {
    BifrostError::new(
        ErrorKind::UnsupportedOperation,
        format!("{request_type} is not supported by {provider} provider"),
    )
    .with_code("unsupported_operation")
}
