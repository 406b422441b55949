//! Google's Gemini (Generative Language API) and custom providers with
//! `base_provider_type: "gemini"`.
//!
//! | request | upstream call |
//! |---|---|
//! | chat | `POST {base}/models/{model}:generateContent` |
//! | chat stream | `POST {base}/models/{model}:streamGenerateContent?alt=sse` |
//! | embeddings | `POST {base}/models/{model}:embedContent` (one input) or `:batchEmbedContents` |
//! | count tokens | `POST {base}/models/{model}:countTokens` |
//! | list models | `GET {base}/models?pageSize=1000` (ids without the `models/` prefix) |
//! | passthrough | the caller's path on `{base}` (a path that starts with its own API version, e.g. `/v1beta/models/...`, replaces the base URL's version) |
//!
//! `{base}` is `network_config.base_url`, by default
//! `https://generativelanguage.googleapis.com/v1beta`. The key goes in `x-goog-api-key`. The
//! translation rules are in [`request`], [`response`] and [`stream`]; the schema rewriting for
//! tools and structured output in [`schema`]. The reverse direction, for the gateway's Google
//! GenAI drop-in routes, is in [`inbound`]; what a native request keeps for a lossless round
//! trip is described in [`native`].

pub mod error;
pub mod inbound;
pub mod media;
pub mod native;
pub mod request;
pub mod response;
pub mod schema;
pub mod stream;
pub mod transport;
pub mod types;

use std::collections::HashSet;
use std::sync::Arc;

use async_trait::async_trait;
use serde::de::DeserializeOwned;

use self::request::{Dialect, EmbedBody, model_resource};
use self::response::ResponseMeta;
use self::stream::GeminiChatSse;
use self::transport::{GoogleSetupError, allowed_requests, default_headers};
use self::types::{
    BatchEmbedContentsResponse, CountTokensResponse as NativeCount, EmbedContentResponse,
    GenerateContentResponse, ListModelsResponse as NativeModels,
};
use super::common::build_client;
use super::common::sse::decode_sse;
use crate::config::ProviderConfig;
use crate::error::BifrostError;
use crate::provider::{CallContext, ChunkStream, Provider, unsupported};
use crate::schemas::{
    ChatRequest, ChatResponse, CountTokensRequest, CountTokensResponse, EmbeddingRequest,
    EmbeddingResponse, ExtraFields, ListModelsRequest, ListModelsResponse, PassthroughRequest,
    PassthroughResponse, RequestType,
};

/// The Generative Language API's default base URL.
pub const DEFAULT_BASE_URL: &str = "https://generativelanguage.googleapis.com/v1beta";

/// Page size asked for when listing models (the API's maximum).
const MODELS_PAGE_SIZE: u32 = 1000;

/// The Gemini provider.
pub struct GeminiProvider {
    name: Arc<str>,
    base_url: String,
    client: super::common::HttpClient,
    keyless: bool,
    allowed: Option<HashSet<RequestType>>,
}

impl std::fmt::Debug for GeminiProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GeminiProvider")
            .field("name", &self.name)
            .field("base_url", &self.base_url)
            .finish()
    }
}

/// Request types the Gemini provider serves.
const SERVED: &[RequestType] = &[
    RequestType::ChatCompletion,
    RequestType::ChatCompletionStream,
    RequestType::Embedding,
    RequestType::CountTokens,
    RequestType::ListModels,
    RequestType::Passthrough,
    RequestType::PassthroughStream,
];

/// The upstream URL of a passthrough request: `base` plus the caller's path, where a path that
/// carries its own API version (`/v1beta/...`, `/v1/...`) replaces the base URL's version. A
/// caller's `key=` query parameter is dropped (the gateway's key is sent instead).
pub fn passthrough_url(base: &str, path: &str, query: Option<&str>) -> String {
    let versioned = path
        .strip_prefix("/v1")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(['/', 'b', 'a']));
    let origin = if versioned {
        match base.rfind('/') {
            Some(i) if base[i + 1..].starts_with("v1") => &base[..i],
            _ => base,
        }
    } else {
        base
    };
    let mut url = format!("{origin}{path}");
    let kept: Vec<&str> = query
        .unwrap_or("")
        .split('&')
        .filter(|kv| !kv.is_empty() && !kv.starts_with("key="))
        .collect();
    if !kept.is_empty() {
        url.push('?');
        url.push_str(&kept.join("&"));
    }
    url
}

impl GeminiProvider {
    /// Builds provider `name` from its configuration.
    pub fn new(name: &str, config: &ProviderConfig) -> Result<Self, GoogleSetupError> {
        let network = config.network();
        let client = build_client(
            &network,
            config.proxy_config.as_ref(),
            default_headers(&network)?,
        )?;
        let custom = config.custom_provider_config.as_ref();
        Ok(Self {
            name: Arc::from(name),
            base_url: network
                .trimmed_base_url()
                .unwrap_or(DEFAULT_BASE_URL)
                .to_owned(),
            client,
            keyless: custom.is_some_and(|c| c.is_key_less),
            allowed: allowed_requests(custom)?,
        })
    }

    fn check(&self, rt: RequestType) -> Result<(), BifrostError> {
        if self.supports(rt) {
            Ok(())
        } else {
            Err(unsupported(rt, &self.name))
        }
    }

    fn request(
        &self,
        cx: &CallContext<'_>,
        method: reqwest::Method,
        url: String,
    ) -> reqwest::RequestBuilder {
        let mut b = self.client.request(method, url);
        if !cx.key.value.is_empty() {
            b = b.header("x-goog-api-key", cx.key.value.expose());
        }
        for (name, value) in cx.extra_headers {
            b = b.header(name, value);
        }
        b
    }

    fn model_url(&self, model: &str, method: &str) -> String {
        format!("{}/{}:{method}", self.base_url, model_resource(model))
    }

    async fn send_passthrough(
        &self,
        cx: &CallContext<'_>,
        req: &PassthroughRequest,
    ) -> Result<reqwest::Response, BifrostError> {
        let mut auth = http::HeaderMap::new();
        if !cx.key.value.is_empty()
            && let Ok(mut v) = http::HeaderValue::from_str(cx.key.value.expose())
        {
            v.set_sensitive(true);
            auth.insert("x-goog-api-key", v);
        }
        let target = super::common::passthrough::Target {
            client: &self.client,
            provider: &self.name,
            url: passthrough_url(&self.base_url, &req.path, req.query.as_deref()),
            auth,
        };
        super::common::passthrough::send(target, req, cx.extra_headers).await
    }

    async fn post<T: DeserializeOwned>(
        &self,
        cx: &CallContext<'_>,
        url: String,
        body: Vec<u8>,
        what: &str,
    ) -> Result<(T, bytes::Bytes), BifrostError> {
        let builder = self
            .request(cx, reqwest::Method::POST, url)
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(body);
        let resp = transport::send(&self.client, &self.name, builder).await?;
        let bytes = transport::body(&self.name, resp).await?;
        let value = transport::decode(&self.name, what, &bytes)?;
        Ok((value, bytes))
    }
}

/// Serializes a request body.
pub(crate) fn to_body<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, BifrostError> {
    serde_json::to_vec(value)
        .map_err(|e| BifrostError::internal(format!("cannot serialize the request: {e}")))
}

/// Puts the raw upstream body in `extra_fields.raw_response`.
pub(crate) fn keep_raw(slot: &mut Option<ExtraFields>, bytes: &bytes::Bytes) {
    slot.get_or_insert_with(ExtraFields::default).raw_response = transport::raw_json(bytes);
}

#[async_trait]
impl Provider for GeminiProvider {
    fn name(&self) -> &str {
        &self.name
    }

    fn is_keyless(&self) -> bool {
        self.keyless
    }

    fn supports(&self, rt: RequestType) -> bool {
        SERVED.contains(&rt) && self.allowed.as_ref().is_none_or(|a| a.contains(&rt))
    }

    async fn list_models(
        &self,
        cx: CallContext<'_>,
        req: &ListModelsRequest,
    ) -> Result<ListModelsResponse, BifrostError> {
        self.check(RequestType::ListModels)?;
        let mut url = format!(
            "{}/models?pageSize={}",
            self.base_url,
            req.page_size.unwrap_or(MODELS_PAGE_SIZE)
        );
        if let Some(token) = req.page_token.as_deref() {
            url.push_str("&pageToken=");
            url.push_str(&transport::encode_query(token));
        }
        let resp = transport::send(
            &self.client,
            &self.name,
            self.request(&cx, reqwest::Method::GET, url),
        )
        .await?;
        let bytes = transport::body(&self.name, resp).await?;
        let native: NativeModels = transport::decode(&self.name, "model list", &bytes)?;
        Ok(response::list_models_response(native))
    }

    async fn chat(
        &self,
        cx: CallContext<'_>,
        req: &ChatRequest,
    ) -> Result<ChatResponse, BifrostError> {
        self.check(RequestType::ChatCompletion)?;
        let body = to_body(&request::chat_request(req, Dialect::Gemini)?)?;
        let url = self.model_url(cx.model, "generateContent");
        let (native, bytes): (GenerateContentResponse, _) =
            self.post(&cx, url, body, "chat completion").await?;
        let fallback_id = transport::new_completion_id();
        let meta = ResponseMeta {
            fallback_id: &fallback_id,
            created: transport::unix_now(),
            model: cx.model,
        };
        let mut out = response::chat_response(&self.name, native, meta)?;
        if cx.send_back_raw_response {
            keep_raw(&mut out.extra_fields, &bytes);
        }
        Ok(out)
    }

    async fn chat_stream(
        &self,
        cx: CallContext<'_>,
        req: &ChatRequest,
    ) -> Result<ChunkStream, BifrostError> {
        self.check(RequestType::ChatCompletionStream)?;
        let body = to_body(&request::chat_request(req, Dialect::Gemini)?)?;
        let url = format!(
            "{}?alt=sse",
            self.model_url(cx.model, "streamGenerateContent")
        );
        let builder = self
            .request(&cx, reqwest::Method::POST, url)
            .header(http::header::CONTENT_TYPE, "application/json")
            .header(http::header::ACCEPT, "text/event-stream")
            .body(body);
        let resp = transport::send(&self.client, &self.name, builder).await?;
        let resp = transport::expect_event_stream(&self.name, resp).await?;
        let handler = GeminiChatSse::new(
            self.name.clone(),
            transport::new_completion_id(),
            cx.model.to_owned(),
            transport::unix_now(),
        );
        Ok(decode_sse(self.name.clone(), resp, handler))
    }

    async fn embedding(
        &self,
        cx: CallContext<'_>,
        req: &EmbeddingRequest,
    ) -> Result<EmbeddingResponse, BifrostError> {
        self.check(RequestType::Embedding)?;
        let base64 = req.encoding_format.as_deref() == Some("base64");
        let (embeddings, usage, bytes) = match request::embedding_request(req, cx.model)? {
            EmbedBody::Single(one) => {
                let url = self.model_url(cx.model, "embedContent");
                let (r, bytes): (EmbedContentResponse, _) = self
                    .post(&cx, url, to_body(&one)?, "embedding response")
                    .await?;
                (vec![r.embedding], r.usage_metadata, bytes)
            }
            EmbedBody::Batch(batch) => {
                let url = self.model_url(cx.model, "batchEmbedContents");
                let (r, bytes): (BatchEmbedContentsResponse, _) = self
                    .post(&cx, url, to_body(&batch)?, "embedding response")
                    .await?;
                (r.embeddings, r.usage_metadata, bytes)
            }
        };
        let mut out = response::embedding_response(embeddings, usage.as_ref(), cx.model, base64);
        if cx.send_back_raw_response {
            keep_raw(&mut out.extra_fields, &bytes);
        }
        Ok(out)
    }

    async fn passthrough(
        &self,
        cx: CallContext<'_>,
        req: &PassthroughRequest,
    ) -> Result<PassthroughResponse, BifrostError> {
        self.check(RequestType::Passthrough)?;
        let resp = self.send_passthrough(&cx, req).await?;
        super::common::passthrough::complete(&self.name, resp).await
    }

    async fn passthrough_stream(
        &self,
        cx: CallContext<'_>,
        req: &PassthroughRequest,
    ) -> Result<ChunkStream, BifrostError> {
        self.check(RequestType::PassthroughStream)?;
        let resp = self.send_passthrough(&cx, req).await?;
        Ok(super::common::passthrough::stream(&self.name, resp))
    }

    async fn count_tokens(
        &self,
        cx: CallContext<'_>,
        req: &CountTokensRequest,
    ) -> Result<CountTokensResponse, BifrostError> {
        self.check(RequestType::CountTokens)?;
        let body = request::count_tokens_request(req, cx.model, Dialect::Gemini)?;
        let url = self.model_url(cx.model, "countTokens");
        let (native, _): (NativeCount, _) =
            self.post(&cx, url, to_body(&body)?, "token count").await?;
        Ok(response::count_tokens_response(native))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::config::ProviderConfig;
    use crate::providers::{ProviderBuildError, build_provider, is_implemented};
    use crate::schemas::RequestType;

    fn config(v: serde_json::Value) -> ProviderConfig {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn passthrough_urls_follow_the_callers_version() {
        let base = super::DEFAULT_BASE_URL;
        assert_eq!(
            super::passthrough_url(base, "/v1beta/models/m:generateContent", Some("key=caller")),
            "https://generativelanguage.googleapis.com/v1beta/models/m:generateContent"
        );
        assert_eq!(
            super::passthrough_url(
                base,
                "/v1/models/m:streamGenerateContent",
                Some("alt=sse&key=x")
            ),
            "https://generativelanguage.googleapis.com/v1/models/m:streamGenerateContent?alt=sse"
        );
        assert_eq!(
            super::passthrough_url(base, "/models/m:countTokens", None),
            "https://generativelanguage.googleapis.com/v1beta/models/m:countTokens"
        );
        assert_eq!(
            super::passthrough_url("http://127.0.0.1:9", "/v1beta/models", Some("pageSize=5")),
            "http://127.0.0.1:9/v1beta/models?pageSize=5"
        );
    }

    #[test]
    fn gemini_vertex_and_custom_gemini_providers_are_registered() {
        assert!(is_implemented("gemini"));
        assert!(is_implemented("vertex"));
        let g = build_provider("gemini", &config(json!({}))).unwrap();
        assert_eq!(g.name(), "gemini");
        assert!(g.supports(RequestType::ChatCompletionStream));
        assert!(!g.supports(RequestType::TextCompletion));
        let v = build_provider("vertex", &config(json!({}))).unwrap();
        assert!(v.supports(RequestType::Embedding));
        let custom = build_provider(
            "my-gemini",
            &config(json!({"custom_provider_config": {
                "base_provider_type": "gemini",
                "is_key_less": true,
                "allowed_requests": {"chat_completion": true, "embedding": false}
            }})),
        )
        .unwrap();
        assert_eq!(custom.name(), "my-gemini");
        assert!(custom.is_keyless());
        assert!(custom.supports(RequestType::ChatCompletion));
        assert!(!custom.supports(RequestType::Embedding));
        let bad = build_provider(
            "my-gemini",
            &config(json!({"custom_provider_config": {
                "base_provider_type": "gemini",
                "allowed_requests": {"teleport": true}
            }})),
        );
        assert!(matches!(bad, Err(ProviderBuildError::Setup { .. })));
    }
}
