//! Azure OpenAI: OpenAI's wire format at the key's resource endpoint.
//!
//! The endpoint, the API form (v1 or legacy deployments) and the api-version come from the
//! key's `azure_key_config` (see [`config`]); the key's `value` is sent as the `api-key` header.
//! Bodies, answers, streams and errors are OpenAI's, translated by the OpenAI provider's
//! helpers. Serves chat (and streaming), text completions (and streaming), embeddings, the
//! Responses API (natively, at `/openai/v1/responses` or the legacy
//! `/openai/responses?api-version=...`, the body's `model` naming the deployment), model
//! listing, and passthrough (`/azure_passthrough/...`: the caller's path and body sent to the
//! key's endpoint with its `api-key`; the caller's `api-version` is kept, deployment paths
//! without one get the key's).

pub mod config;
pub mod stream;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use http::{HeaderMap, HeaderValue, Method};
use serde::de::DeserializeOwned;

use self::config::AzureTarget;
use self::stream::AzureChatSse;
use super::common::passthrough;
use super::common::sse::decode_sse;
use super::common::upstream_error::network_error;
use super::openai::stream::{OpenAiResponsesSse, OpenAiTextSse};
use super::openai::{
    HasExtra, OpenAiSetupError, expect_event_stream, parse_json_body, provider_client, send_request,
};
use crate::config::ProviderConfig;
use crate::error::{BifrostError, ErrorKind};
use crate::key::Key;
use crate::provider::{CallContext, ChunkStream, Provider, unsupported};
use crate::schemas::{
    ChatRequest, ChatResponse, EmbeddingRequest, EmbeddingResponse, ListModelsRequest,
    ListModelsResponse, PassthroughRequest, PassthroughResponse, RequestType, ResponsesRequest,
    ResponsesResponse, TextCompletionRequest, TextCompletionResponse,
};

/// The Azure OpenAI provider.
pub struct AzureProvider {
    name: Arc<str>,
    client: super::common::HttpClient,
    /// Resolved `azure_key_config` by key id (a configuration change builds a new provider).
    targets: RwLock<HashMap<Arc<str>, Arc<AzureTarget>>>,
}

impl std::fmt::Debug for AzureProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AzureProvider")
            .field("name", &self.name)
            .finish()
    }
}

impl AzureProvider {
    /// Builds the provider.
    pub fn new(name: &str, config: &ProviderConfig) -> Result<Self, OpenAiSetupError> {
        Ok(Self {
            name: Arc::from(name),
            client: provider_client(config)?,
            targets: RwLock::new(HashMap::new()),
        })
    }

    fn target(&self, key: &Key) -> Result<Arc<AzureTarget>, BifrostError> {
        if let Ok(cache) = self.targets.read()
            && let Some(t) = cache.get(&key.id)
        {
            return Ok(t.clone());
        }
        let target = Arc::new(AzureTarget::resolve(key)?);
        if let Ok(mut cache) = self.targets.write() {
            cache.insert(key.id.clone(), target.clone());
        }
        Ok(target)
    }

    fn request(
        &self,
        cx: &CallContext<'_>,
        method: Method,
        rt: RequestType,
    ) -> Result<reqwest::RequestBuilder, BifrostError> {
        let target = self.target(cx.key)?;
        let url = target
            .url(rt, cx.model)
            .ok_or_else(|| unsupported(rt, &self.name))?;
        if cx.key.value.is_empty() {
            return Err(BifrostError::new(
                ErrorKind::ProviderNotConfigured,
                format!(
                    "key {:?} of {} has no value: set it to the Azure OpenAI resource's API key",
                    cx.key.name, self.name
                ),
            )
            .with_code("invalid_key_config"));
        }
        let mut b = self
            .client
            .request(method, url)
            .header("api-key", cx.key.value.expose());
        for (name, value) in cx.extra_headers {
            b = b.header(name, value);
        }
        Ok(b)
    }

    /// Sends a passthrough request to the key's endpoint plus the caller's path, with the key
    /// as `api-key`.
    async fn send_passthrough(
        &self,
        cx: &CallContext<'_>,
        req: &PassthroughRequest,
    ) -> Result<reqwest::Response, BifrostError> {
        let target = self.target(cx.key)?;
        if cx.key.value.is_empty() {
            return Err(BifrostError::new(
                ErrorKind::ProviderNotConfigured,
                format!(
                    "key {:?} of {} has no value: set it to the Azure OpenAI resource's API key",
                    cx.key.name, self.name
                ),
            )
            .with_code("invalid_key_config"));
        }
        let mut url = format!("{}/{}", target.endpoint, req.path.trim_start_matches('/'));
        if let Some(q) = passthrough_query(req, &target) {
            url.push('?');
            url.push_str(&q);
        }
        let mut auth = HeaderMap::new();
        if let Ok(mut v) = HeaderValue::from_str(cx.key.value.expose()) {
            v.set_sensitive(true);
            auth.insert("api-key", v);
        }
        let target = passthrough::Target {
            client: &self.client,
            provider: &self.name,
            url,
            auth,
        };
        passthrough::send(target, req, cx.extra_headers).await
    }

    async fn post<T: DeserializeOwned + HasExtra>(
        &self,
        cx: &CallContext<'_>,
        rt: RequestType,
        body: Vec<u8>,
        what: &str,
    ) -> Result<T, BifrostError> {
        let builder = self
            .request(cx, Method::POST, rt)?
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(body);
        let resp = send_request(&self.client, &self.name, builder).await?;
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| network_error(&self.name, &e))?;
        parse_json_body(&self.name, &bytes, what, cx.send_back_raw_response)
    }

    async fn open_stream(
        &self,
        cx: &CallContext<'_>,
        rt: RequestType,
        body: Vec<u8>,
    ) -> Result<reqwest::Response, BifrostError> {
        let builder = self
            .request(cx, Method::POST, rt)?
            .header(http::header::CONTENT_TYPE, "application/json")
            .header(http::header::ACCEPT, "text/event-stream")
            .body(body);
        let resp = send_request(&self.client, &self.name, builder).await?;
        expect_event_stream(&self.name, resp).await
    }
}

/// A Responses API body whose `model` is the deployment serving `cx.model`.
fn responses_body(
    target: &AzureTarget,
    cx: &CallContext<'_>,
    req: &ResponsesRequest,
) -> Result<Vec<u8>, BifrostError> {
    let deployment = target.deployment(cx.model);
    if req.model == deployment {
        return serialize(req);
    }
    let mut req = req.clone();
    deployment.clone_into(&mut req.model);
    serialize(&req)
}

/// The query of a passthrough request: the caller's, plus the key's `api-version` (or the
/// default one) for deployment paths that name none.
fn passthrough_query(req: &PassthroughRequest, target: &AzureTarget) -> Option<String> {
    let query = req.query.clone().filter(|q| !q.is_empty());
    let has_version = query
        .as_deref()
        .is_some_and(|q| q.split('&').any(|kv| kv.starts_with("api-version=")));
    if has_version || !req.path.contains("/deployments/") {
        return query;
    }
    let version = target
        .legacy_api_version
        .as_deref()
        .unwrap_or(config::DEFAULT_API_VERSION);
    Some(match query {
        Some(q) => format!("{q}&api-version={version}"),
        None => format!("api-version={version}"),
    })
}

fn serialize<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, BifrostError> {
    serde_json::to_vec(value)
        .map_err(|e| BifrostError::internal(format!("cannot serialize the request: {e}")))
}

#[async_trait]
impl Provider for AzureProvider {
    fn name(&self) -> &str {
        &self.name
    }

    fn supports(&self, rt: RequestType) -> bool {
        matches!(
            rt,
            RequestType::ChatCompletion
                | RequestType::ChatCompletionStream
                | RequestType::TextCompletion
                | RequestType::TextCompletionStream
                | RequestType::Embedding
                | RequestType::ListModels
                | RequestType::Responses
                | RequestType::ResponsesStream
                | RequestType::Passthrough
                | RequestType::PassthroughStream
        )
    }

    async fn passthrough(
        &self,
        cx: CallContext<'_>,
        req: &PassthroughRequest,
    ) -> Result<PassthroughResponse, BifrostError> {
        let resp = self.send_passthrough(&cx, req).await?;
        passthrough::complete(&self.name, resp).await
    }

    async fn passthrough_stream(
        &self,
        cx: CallContext<'_>,
        req: &PassthroughRequest,
    ) -> Result<ChunkStream, BifrostError> {
        let resp = self.send_passthrough(&cx, req).await?;
        Ok(passthrough::stream(&self.name, resp))
    }

    async fn list_models(
        &self,
        cx: CallContext<'_>,
        _req: &ListModelsRequest,
    ) -> Result<ListModelsResponse, BifrostError> {
        let builder = self.request(&cx, Method::GET, RequestType::ListModels)?;
        let resp = send_request(&self.client, &self.name, builder).await?;
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| network_error(&self.name, &e))?;
        parse_json_body(&self.name, &bytes, "model list", false)
    }

    async fn chat(
        &self,
        cx: CallContext<'_>,
        req: &ChatRequest,
    ) -> Result<ChatResponse, BifrostError> {
        self.post(
            &cx,
            RequestType::ChatCompletion,
            serialize(req)?,
            "chat completion",
        )
        .await
    }

    async fn chat_stream(
        &self,
        cx: CallContext<'_>,
        req: &ChatRequest,
    ) -> Result<ChunkStream, BifrostError> {
        let resp = self
            .open_stream(&cx, RequestType::ChatCompletionStream, serialize(req)?)
            .await?;
        Ok(decode_sse(
            self.name.clone(),
            resp,
            AzureChatSse::new(self.name.clone()),
        ))
    }

    async fn text_completion(
        &self,
        cx: CallContext<'_>,
        req: &TextCompletionRequest,
    ) -> Result<TextCompletionResponse, BifrostError> {
        self.post(
            &cx,
            RequestType::TextCompletion,
            serialize(req)?,
            "text completion",
        )
        .await
    }

    async fn text_completion_stream(
        &self,
        cx: CallContext<'_>,
        req: &TextCompletionRequest,
    ) -> Result<ChunkStream, BifrostError> {
        let resp = self
            .open_stream(&cx, RequestType::TextCompletionStream, serialize(req)?)
            .await?;
        Ok(decode_sse(
            self.name.clone(),
            resp,
            OpenAiTextSse::new(self.name.clone()),
        ))
    }

    async fn embedding(
        &self,
        cx: CallContext<'_>,
        req: &EmbeddingRequest,
    ) -> Result<EmbeddingResponse, BifrostError> {
        self.post(
            &cx,
            RequestType::Embedding,
            serialize(req)?,
            "embedding response",
        )
        .await
    }

    async fn responses(
        &self,
        cx: CallContext<'_>,
        req: &ResponsesRequest,
    ) -> Result<ResponsesResponse, BifrostError> {
        let body = responses_body(&*self.target(cx.key)?, &cx, req)?;
        self.post(&cx, RequestType::Responses, body, "response")
            .await
    }

    async fn responses_stream(
        &self,
        cx: CallContext<'_>,
        req: &ResponsesRequest,
    ) -> Result<ChunkStream, BifrostError> {
        let body = responses_body(&*self.target(cx.key)?, &cx, req)?;
        let resp = self
            .open_stream(&cx, RequestType::ResponsesStream, body)
            .await?;
        Ok(decode_sse(
            self.name.clone(),
            resp,
            OpenAiResponsesSse::new(self.name.clone()),
        ))
    }
}
