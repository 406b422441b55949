//! Cohere (API v2): chat (and streaming) on `/v2/chat`, embeddings on `/v2/embed`, reranking on
//! `/v2/rerank`, model listing on `/v1/models`.
//!
//! Base URL `https://api.cohere.ai` (Bifrost's default) or `network_config.base_url`; the key's
//! value is sent as `Authorization: Bearer`. Errors (`{"id", "message"}`) become upstream errors
//! with Cohere's status and message.

pub mod inbound;
pub mod request;
pub mod response;
pub mod stream;
pub mod types;

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use bytes::Bytes;
use http::Method;
use serde::de::DeserializeOwned;

use self::stream::{CohereChatSse, split_usage};
use super::common::sse::decode_sse;
use super::common::upstream_error::{decode_error, network_error};
use super::openai::{OpenAiSetupError, expect_event_stream, provider_client, send_request};
use crate::config::ProviderConfig;
use crate::error::BifrostError;
use crate::provider::{CallContext, ChunkStream, Provider};
use crate::schemas::{
    ChatRequest, ChatResponse, EmbeddingRequest, EmbeddingResponse, ExtraFields, ListModelsRequest,
    ListModelsResponse, RequestType, RerankRequest, RerankResponse,
};

/// Bifrost's default Cohere base URL.
pub const DEFAULT_BASE_URL: &str = "https://api.cohere.ai";

/// Models listed per page when the caller names no page size.
const DEFAULT_PAGE_SIZE: u32 = 1000;

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The Cohere provider.
pub struct CohereProvider {
    name: Arc<str>,
    client: super::common::HttpClient,
    base_url: String,
}

impl std::fmt::Debug for CohereProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CohereProvider")
            .field("name", &self.name)
            .field("base_url", &self.base_url)
            .finish()
    }
}

impl CohereProvider {
    /// Builds the provider `name` (`cohere`, or a custom provider based on it).
    pub fn new(name: &str, config: &ProviderConfig) -> Result<Self, OpenAiSetupError> {
        Ok(Self {
            name: Arc::from(name),
            client: provider_client(config)?,
            base_url: config
                .network()
                .trimmed_base_url()
                .unwrap_or(DEFAULT_BASE_URL)
                .to_owned(),
        })
    }

    fn builder(&self, cx: &CallContext<'_>, method: Method, path: &str) -> reqwest::RequestBuilder {
        let mut b = self
            .client
            .request(method, format!("{}{path}", self.base_url));
        if !cx.key.value.is_empty() {
            b = b.bearer_auth(cx.key.value.expose());
        }
        for (name, value) in cx.extra_headers {
            b = b.header(name, value);
        }
        b
    }

    async fn post<T: DeserializeOwned>(
        &self,
        cx: &CallContext<'_>,
        path: &str,
        body: Vec<u8>,
        what: &str,
    ) -> Result<(T, Bytes), BifrostError> {
        let builder = self
            .builder(cx, Method::POST, path)
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(body);
        let resp = send_request(&self.client, &self.name, builder).await?;
        self.read(resp, what).await
    }

    async fn read<T: DeserializeOwned>(
        &self,
        resp: reqwest::Response,
        what: &str,
    ) -> Result<(T, Bytes), BifrostError> {
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| network_error(&self.name, &e))?;
        let value = crate::schemas::from_json_slice(&bytes)
            .map_err(|e| decode_error(&self.name, what, &bytes, &e.to_string()))?;
        Ok((value, bytes))
    }
}

fn serialize<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, BifrostError> {
    serde_json::to_vec(value)
        .map_err(|e| BifrostError::internal(format!("cannot serialize the request: {e}")))
}

fn raw(keep: bool, bytes: &Bytes) -> Option<ExtraFields> {
    keep.then(|| ExtraFields {
        raw_response: crate::schemas::from_json_slice(bytes).ok(),
        ..ExtraFields::default()
    })
}

#[async_trait]
impl Provider for CohereProvider {
    fn name(&self) -> &str {
        &self.name
    }

    fn supports(&self, rt: RequestType) -> bool {
        matches!(
            rt,
            RequestType::ChatCompletion
                | RequestType::ChatCompletionStream
                | RequestType::Embedding
                | RequestType::Rerank
                | RequestType::ListModels
        )
    }

    async fn list_models(
        &self,
        cx: CallContext<'_>,
        req: &ListModelsRequest,
    ) -> Result<ListModelsResponse, BifrostError> {
        let mut path = format!(
            "/v1/models?page_size={}",
            req.page_size.unwrap_or(DEFAULT_PAGE_SIZE)
        );
        if let Some(token) = &req.page_token {
            path.push_str("&page_token=");
            path.push_str(
                &percent_encoding::utf8_percent_encode(token, percent_encoding::NON_ALPHANUMERIC)
                    .to_string(),
            );
        }
        let resp = send_request(
            &self.client,
            &self.name,
            self.builder(&cx, Method::GET, &path),
        )
        .await?;
        let (list, _) = self.read(resp, "model list").await?;
        Ok(response::to_models(list))
    }

    async fn chat(
        &self,
        cx: CallContext<'_>,
        req: &ChatRequest,
    ) -> Result<ChatResponse, BifrostError> {
        let body = serialize(&request::to_chat_request(req, cx.model, false)?)?;
        let (answer, bytes): (types::ChatResponse, _) =
            self.post(&cx, "/v2/chat", body, "chat response").await?;
        if answer.message.is_none() && answer.finish_reason.is_none() {
            return Err(decode_error(
                &self.name,
                "chat response",
                &bytes,
                "message and finish_reason are missing",
            ));
        }
        let mut resp = response::to_chat_response(answer, cx.model, now_secs());
        resp.extra_fields = raw(cx.send_back_raw_response, &bytes);
        Ok(resp)
    }

    async fn chat_stream(
        &self,
        cx: CallContext<'_>,
        req: &ChatRequest,
    ) -> Result<ChunkStream, BifrostError> {
        let body = serialize(&request::to_chat_request(req, cx.model, true)?)?;
        let builder = self
            .builder(&cx, Method::POST, "/v2/chat")
            .header(http::header::CONTENT_TYPE, "application/json")
            .header(http::header::ACCEPT, "text/event-stream")
            .body(body);
        let resp = send_request(&self.client, &self.name, builder).await?;
        let resp = expect_event_stream(&self.name, resp).await?;
        let handler = CohereChatSse::new(
            self.name.clone(),
            cx.model.to_owned(),
            now_secs(),
            req.include_usage(),
        );
        Ok(split_usage(decode_sse(self.name.clone(), resp, handler)))
    }

    async fn embedding(
        &self,
        cx: CallContext<'_>,
        req: &EmbeddingRequest,
    ) -> Result<EmbeddingResponse, BifrostError> {
        let body = serialize(&request::to_embed_request(req, cx.model)?)?;
        let (answer, bytes) = self
            .post(&cx, "/v2/embed", body, "embedding response")
            .await?;
        let mut resp = response::to_embedding_response(answer, cx.model, req)
            .map_err(|cause| decode_error(&self.name, "embedding response", &bytes, cause))?;
        resp.extra_fields = raw(cx.send_back_raw_response, &bytes);
        Ok(resp)
    }

    async fn rerank(
        &self,
        cx: CallContext<'_>,
        req: &RerankRequest,
    ) -> Result<RerankResponse, BifrostError> {
        if req.documents.is_empty() {
            return Err(BifrostError::invalid_request(
                "documents is required for rerank",
            ));
        }
        let body = serialize(&request::to_rerank_request(req, cx.model))?;
        let (answer, bytes) = self
            .post(&cx, "/v2/rerank", body, "rerank response")
            .await?;
        let mut resp = response::to_rerank_response(answer, cx.model, req);
        resp.extra_fields = raw(cx.send_back_raw_response, &bytes);
        Ok(resp)
    }
}
