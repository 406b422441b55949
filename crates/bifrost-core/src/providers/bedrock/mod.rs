//! AWS Bedrock: chat through the Converse and ConverseStream APIs, embeddings through
//! InvokeModel (Titan and Cohere embedding models).
//!
//! Endpoint: `https://bedrock-runtime.{region}.amazonaws.com` (or `network_config.base_url`),
//! paths `/model/{modelId}/converse`, `/model/{modelId}/converse-stream` and
//! `/model/{modelId}/invoke`, where the model id (a model id, an inference profile id or an
//! ARN, after the key's `aliases` and `bedrock_key_config.deployments`) is percent-encoded as
//! one path segment. Authentication is described in [`auth`].

pub mod auth;
pub mod embed;
pub mod error;
pub mod inbound;
pub mod request;
pub mod response;
pub mod stream;
pub mod types;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use bytes::Bytes;
use futures::StreamExt as _;
use http::header::{ACCEPT, CONTENT_TYPE};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::de::DeserializeOwned;

use self::auth::{BedrockAuth, ResolvedKey};
use self::embed::EmbedFamily;
use self::stream::{ConverseStreamState, decode_event_stream};
use self::types::{ConverseResponse, TitanEmbedResponse};
use super::common::upstream_error::{decode_error, network_error, retry_after, send_error};
use super::openai::{OpenAiSetupError, provider_client};
use crate::config::ProviderConfig;
use crate::error::BifrostError;
use crate::key::Key;
use crate::provider::{CallContext, ChunkStream, Provider};
use crate::schemas::{
    ChatRequest, ChatResponse, EmbeddingRequest, EmbeddingResponse, ExtraFields,
    PassthroughRequest, PassthroughResponse, RequestType,
};

/// Characters left as they are in a model id path segment (RFC 3986 unreserved), as AWS SDKs
/// encode it.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// The content type of ConverseStream answers.
const EVENT_STREAM: &str = "application/vnd.amazon.eventstream";

/// Percent-encodes a model id (or ARN) as one URL path segment.
pub fn escape_model_id(model_id: &str) -> String {
    utf8_percent_encode(model_id, PATH_SEGMENT).to_string()
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The AWS Bedrock provider.
pub struct BedrockProvider {
    name: Arc<str>,
    client: super::common::HttpClient,
    base_url: Option<String>,
    /// Resolved keys by key id. A configuration change builds a new provider, so entries never
    /// go stale.
    keys: RwLock<HashMap<Arc<str>, Arc<ResolvedKey>>>,
}

impl std::fmt::Debug for BedrockProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BedrockProvider")
            .field("name", &self.name)
            .field("base_url", &self.base_url)
            .finish()
    }
}

impl BedrockProvider {
    /// Builds the provider `name` (`bedrock`, or a custom provider based on it).
    pub fn new(name: &str, config: &ProviderConfig) -> Result<Self, OpenAiSetupError> {
        Ok(Self {
            name: Arc::from(name),
            client: provider_client(config)?,
            base_url: config.network().trimmed_base_url().map(str::to_owned),
            keys: RwLock::new(HashMap::new()),
        })
    }

    fn resolve(&self, key: &Key) -> Result<Arc<ResolvedKey>, BifrostError> {
        if let Ok(cache) = self.keys.read()
            && let Some(k) = cache.get(&key.id)
        {
            return Ok(k.clone());
        }
        let resolved = Arc::new(auth::resolve(key)?);
        if let Ok(mut cache) = self.keys.write() {
            cache.insert(key.id.clone(), resolved.clone());
        }
        Ok(resolved)
    }

    fn url(&self, key: &ResolvedKey, model: &str, operation: &str) -> String {
        let model_id = escape_model_id(&key.model_id(model));
        match &self.base_url {
            Some(base) => format!("{base}/model/{model_id}/{operation}"),
            None => format!(
                "https://bedrock-runtime.{}.amazonaws.com/model/{model_id}/{operation}",
                key.region
            ),
        }
    }

    /// Signs (or bearer-authenticates) and sends a POST; returns the successful response or the
    /// upstream's error.
    async fn post(
        &self,
        cx: &CallContext<'_>,
        key: &ResolvedKey,
        url: String,
        body: Vec<u8>,
        accept: &str,
    ) -> Result<reqwest::Response, BifrostError> {
        let mut builder = self
            .client
            .post(&url)
            .header(CONTENT_TYPE, "application/json")
            .header(ACCEPT, accept);
        match &key.auth {
            BedrockAuth::ApiKey(k) => builder = builder.bearer_auth(k.expose()),
            BedrockAuth::SigV4(creds) => {
                let signed = auth::sign_request(
                    creds,
                    &key.region,
                    "POST",
                    &url,
                    &[("content-type", "application/json")],
                    &body,
                    SystemTime::now(),
                )?;
                for (name, value) in signed {
                    builder = builder.header(name, value);
                }
            }
        }
        for (name, value) in cx.extra_headers {
            builder = builder.header(name, value);
        }
        let resp = self
            .client
            .send(builder.body(body))
            .await
            .map_err(|e| send_error(&self.name, e))?;
        if resp.status().is_success() {
            return Ok(resp);
        }
        let status = resp.status().as_u16();
        let after = retry_after(resp.headers());
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await.unwrap_or_default();
        Err(error::parse_error(&self.name, status, &headers, &bytes).with_retry_after(after))
    }

    async fn post_json<T: DeserializeOwned>(
        &self,
        cx: &CallContext<'_>,
        key: &ResolvedKey,
        url: String,
        body: Vec<u8>,
        what: &str,
    ) -> Result<(T, Bytes, http::HeaderMap), BifrostError> {
        let resp = self.post(cx, key, url, body, "application/json").await?;
        let headers = resp.headers().clone();
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| network_error(&self.name, &e))?;
        let value = crate::schemas::from_json_slice(&bytes)
            .map_err(|e| decode_error(&self.name, what, &bytes, &e.to_string()))?;
        Ok((value, bytes, headers))
    }

    fn serialize<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, BifrostError> {
        serde_json::to_vec(value)
            .map_err(|e| BifrostError::internal(format!("cannot serialize the request: {e}")))
    }

    async fn embed_titan(
        &self,
        cx: &CallContext<'_>,
        key: &ResolvedKey,
        req: &EmbeddingRequest,
        v2: bool,
    ) -> Result<EmbeddingResponse, BifrostError> {
        let texts = embed::texts(req)?;
        let calls = texts.iter().map(|text| async move {
            let body = Self::serialize(&embed::titan_request(text, req, v2))?;
            let url = self.url(key, cx.model, "invoke");
            let (answer, _, _): (TitanEmbedResponse, _, _) = self
                .post_json(cx, key, url, body, "Titan embedding")
                .await?;
            Ok::<_, BifrostError>(answer)
        });
        let answers = futures::future::try_join_all(calls).await?;
        Ok(embed::titan_response(answers, cx.model, req))
    }

    async fn embed_cohere(
        &self,
        cx: &CallContext<'_>,
        key: &ResolvedKey,
        req: &EmbeddingRequest,
    ) -> Result<EmbeddingResponse, BifrostError> {
        let body = Self::serialize(&embed::cohere_request(embed::texts(req)?, req))?;
        let url = self.url(key, cx.model, "invoke");
        let (answer, bytes, headers) = self
            .post_json(cx, key, url, body, "Cohere embedding")
            .await?;
        let tokens = headers
            .get("x-amzn-bedrock-input-token-count")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        embed::cohere_response(answer, cx.model, req, tokens)
            .map_err(|cause| decode_error(&self.name, "Cohere embedding", &bytes, &cause))
    }
}

impl BedrockProvider {
    /// Sends a model-native body to `operation` (which `req.path` must name).
    async fn send_invoke(
        &self,
        cx: &CallContext<'_>,
        req: &PassthroughRequest,
        operation: &str,
        accept: &str,
    ) -> Result<reqwest::Response, BifrostError> {
        let key = self.resolve(cx.key)?;
        let asked = req.path.trim_matches('/');
        if asked != operation {
            return Err(BifrostError::invalid_request(format!(
                "{}: only {operation} is forwarded unchanged here, not {asked:?}",
                self.name
            )));
        }
        let url = self.url(&key, cx.model, operation);
        self.post(cx, &key, url, req.body.to_vec(), accept).await
    }
}

fn request_id(headers: &http::HeaderMap) -> String {
    headers
        .get("x-amzn-requestid")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

#[async_trait]
impl Provider for BedrockProvider {
    fn name(&self) -> &str {
        &self.name
    }

    fn supports(&self, rt: RequestType) -> bool {
        matches!(
            rt,
            RequestType::ChatCompletion
                | RequestType::ChatCompletionStream
                | RequestType::Embedding
                | RequestType::Passthrough
                | RequestType::PassthroughStream
        )
    }

    /// InvokeModel with the caller's model-native body: `req.path` names the operation
    /// (`/invoke`), the model id comes from the request; the body is sent unchanged, signed
    /// with the gateway's credentials.
    async fn passthrough(
        &self,
        cx: CallContext<'_>,
        req: &PassthroughRequest,
    ) -> Result<PassthroughResponse, BifrostError> {
        let resp = self
            .send_invoke(&cx, req, "invoke", "application/json")
            .await?;
        super::common::passthrough::complete(&self.name, resp).await
    }

    /// InvokeModelWithResponseStream with the caller's model-native body (`req.path`
    /// `/invoke-with-response-stream`); the event stream is relayed unchanged.
    async fn passthrough_stream(
        &self,
        cx: CallContext<'_>,
        req: &PassthroughRequest,
    ) -> Result<ChunkStream, BifrostError> {
        let resp = self
            .send_invoke(&cx, req, "invoke-with-response-stream", EVENT_STREAM)
            .await?;
        Ok(super::common::passthrough::stream(&self.name, resp))
    }

    async fn chat(
        &self,
        cx: CallContext<'_>,
        req: &ChatRequest,
    ) -> Result<ChatResponse, BifrostError> {
        let key = self.resolve(cx.key)?;
        let (native, opts) = request::to_converse_request(req, cx.model)?;
        let body = Self::serialize(&native)?;
        let url = self.url(&key, cx.model, "converse");
        let (answer, bytes, headers): (ConverseResponse, _, _) = self
            .post_json(&cx, &key, url, body, "Converse response")
            .await?;
        if answer.output.message.is_none() && answer.stop_reason.is_empty() {
            return Err(decode_error(
                &self.name,
                "Converse response",
                &bytes,
                "output and stopReason are missing",
            ));
        }
        let mut resp =
            response::to_chat_response(answer, cx.model, request_id(&headers), now_secs(), &opts);
        if cx.send_back_raw_response {
            resp.extra_fields = Some(ExtraFields {
                raw_response: crate::schemas::from_json_slice(&bytes).ok(),
                ..ExtraFields::default()
            });
        }
        Ok(resp)
    }

    async fn chat_stream(
        &self,
        cx: CallContext<'_>,
        req: &ChatRequest,
    ) -> Result<ChunkStream, BifrostError> {
        let key = self.resolve(cx.key)?;
        let (native, opts) = request::to_converse_request(req, cx.model)?;
        let body = Self::serialize(&native)?;
        let url = self.url(&key, cx.model, "converse-stream");
        let resp = self.post(&cx, &key, url, body, EVENT_STREAM).await?;
        let content_type = resp
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        if !content_type.is_empty() && !content_type.starts_with(EVENT_STREAM) {
            let bytes = resp.bytes().await.unwrap_or_default();
            return Err(decode_error(
                &self.name,
                "event stream",
                &bytes,
                &format!("content type {content_type}"),
            ));
        }
        let state = ConverseStreamState::new(
            self.name.clone(),
            request_id(resp.headers()),
            cx.model.to_owned(),
            now_secs(),
            req.include_usage(),
            opts,
        );
        Ok(decode_event_stream(resp.bytes_stream().boxed(), state))
    }

    async fn embedding(
        &self,
        cx: CallContext<'_>,
        req: &EmbeddingRequest,
    ) -> Result<EmbeddingResponse, BifrostError> {
        let key = self.resolve(cx.key)?;
        match embed::family(&key.model_id(cx.model)) {
            Some(EmbedFamily::Titan { v2 }) => self.embed_titan(&cx, &key, req, v2).await,
            Some(EmbedFamily::Cohere) => self.embed_cohere(&cx, &key, req).await,
            None => Err(BifrostError::invalid_request(format!(
                "{}: model {:?} is not a supported Bedrock embedding model (Amazon Titan text \
                 embeddings or Cohere embed)",
                self.name, cx.model
            ))
            .with_code("unsupported_model")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_ids_are_one_path_segment() {
        assert_eq!(
            escape_model_id("anthropic.claude-3-5-sonnet-20240620-v1:0"),
            "anthropic.claude-3-5-sonnet-20240620-v1%3A0"
        );
        assert_eq!(
            escape_model_id(
                "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc"
            ),
            "arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Aapplication-inference-profile%2Fabc"
        );
    }
}
