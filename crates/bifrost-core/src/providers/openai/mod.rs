//! OpenAI and the OpenAI-compatible family (Groq, Mistral, OpenRouter, Ollama, vLLM, SGLang,
//! Cerebras, xAI, DeepSeek, Perplexity, Fireworks, Nebius, Parasail) and custom providers with
//! `base_provider_type: "openai"`.
//!
//! Requests are already in OpenAI's shape, so translation is serialization: the typed request
//! (with its unknown fields kept) is written as JSON and the answer parsed back.
//!
//! The Responses API is served natively by the profiles that have a `responses_path` (OpenAI,
//! OpenRouter, xAI, custom providers) and over chat completions by the others. Another
//! provider speaking OpenAI's Responses wire format (Azure OpenAI) can reuse the pieces:
//! serialize the [`ResponsesRequest`] as is, parse the answer as a [`ResponsesResponse`], and
//! decode the stream with [`stream::OpenAiResponsesSse`].

pub mod error;
pub mod profile;
pub mod stream;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use serde::de::DeserializeOwned;

use self::profile::Profile;
use self::stream::{OpenAiChatSse, OpenAiResponsesSse, OpenAiTextSse};
use super::common::responses::{responses_over_chat, responses_stream_over_chat};
use super::common::sse::decode_sse;
use super::common::upstream_error::{decode_error, network_error, retry_after, send_error};
use super::common::{ClientBuildError, HttpClient, build_client};
use crate::config::{CustomProviderConfig, ProviderConfig};
use crate::error::{BifrostError, ErrorKind};
use crate::provider::{CallContext, ChunkStream, Provider, unsupported};
use crate::schemas::{
    ChatRequest, ChatResponse, EmbeddingRequest, EmbeddingResponse, ExtraFields, ListModelsRequest,
    ListModelsResponse, PassthroughRequest, PassthroughResponse, RequestType, ResponsesRequest,
    ResponsesResponse, TextCompletionRequest, TextCompletionResponse,
};

/// Why an OpenAI-compatible provider could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum OpenAiSetupError {
    /// The HTTP client could not be built.
    #[error(transparent)]
    Client(#[from] ClientBuildError),
    /// An `extra_headers` entry is not a valid header.
    #[error("network_config.extra_headers: invalid header {0:?}")]
    Header(String),
    /// A request type name in `allowed_requests` or `request_path_overrides` is unknown.
    #[error("custom_provider_config: unknown request type {0:?}")]
    UnknownRequestType(String),
}

/// Request types whose URL is parsed once at construction.
const URL_REQUEST_TYPES: [RequestType; 8] = [
    RequestType::ChatCompletion,
    RequestType::ChatCompletionStream,
    RequestType::TextCompletion,
    RequestType::TextCompletionStream,
    RequestType::Embedding,
    RequestType::ListModels,
    RequestType::Responses,
    RequestType::ResponsesStream,
];

/// An OpenAI-compatible provider.
pub struct OpenAiCompatible {
    name: Arc<str>,
    profile: Profile,
    base_url: Option<String>,
    client: super::common::HttpClient,
    keyless: bool,
    allowed: Option<HashSet<RequestType>>,
    path_overrides: HashMap<RequestType, String>,
    parsed_urls: HashMap<RequestType, reqwest::Url>,
    disable_store: bool,
}

impl std::fmt::Debug for OpenAiCompatible {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenAiCompatible")
            .field("name", &self.name)
            .field("base_url", &self.base_url)
            .finish()
    }
}

impl OpenAiCompatible {
    /// Builds the provider `name` from its profile and configuration.
    pub fn new(
        name: &str,
        profile: Profile,
        config: &ProviderConfig,
    ) -> Result<Self, OpenAiSetupError> {
        let network = config.network();
        let client = provider_client(config)?;
        let custom = config.custom_provider_config.as_ref();
        let (allowed, path_overrides) = custom_rules(custom)?;
        let mut provider = Self {
            name: Arc::from(name),
            keyless: profile.keyless || custom.is_some_and(|c| c.is_key_less),
            profile,
            base_url: network.trimmed_base_url().map(str::to_owned),
            client,
            allowed,
            path_overrides,
            disable_store: config
                .openai_config
                .as_ref()
                .and_then(|c| c.disable_store)
                .unwrap_or(false),
            parsed_urls: HashMap::new(),
        };
        for rt in URL_REQUEST_TYPES {
            if let Ok(raw) = provider.raw_url(None, rt)
                && let Ok(url) = reqwest::Url::parse(&raw)
            {
                provider.parsed_urls.insert(rt, url);
            }
        }
        Ok(provider)
    }

    fn check_allowed(&self, rt: RequestType) -> Result<(), BifrostError> {
        if self.supports(rt) {
            Ok(())
        } else {
            Err(unsupported(rt, &self.name))
        }
    }

    /// The upstream URL of `rt`: parsed once at construction unless the key names its own server.
    fn url(&self, cx: &CallContext<'_>, rt: RequestType) -> Result<reqwest::Url, BifrostError> {
        if cx.key.server_url().is_none()
            && let Some(url) = self.parsed_urls.get(&rt)
        {
            return Ok(url.clone());
        }
        let raw = self.raw_url(cx.key.server_url(), rt)?;
        reqwest::Url::parse(&raw).map_err(|e| {
            BifrostError::new(
                ErrorKind::ProviderNotConfigured,
                format!("provider {} has an invalid URL {raw:?}: {e}", self.name),
            )
        })
    }

    fn raw_url(&self, key_server: Option<&str>, rt: RequestType) -> Result<String, BifrostError> {
        let path = match self.path_overrides.get(&rt) {
            Some(p) if p.starts_with("http://") || p.starts_with("https://") => {
                return Ok(p.clone());
            }
            Some(p) => p.as_str(),
            None => self
                .profile
                .path(rt)
                .ok_or_else(|| unsupported(rt, &self.name))?,
        };
        let base = key_server
            .or(self.base_url.as_deref())
            .or(self.profile.default_base_url)
            .ok_or_else(|| {
                BifrostError::new(
                    ErrorKind::ProviderNotConfigured,
                    format!(
                        "provider {} has no base URL: set network_config.base_url (or the key's {}_key_config.url)",
                        self.name, self.name
                    ),
                )
            })?;
        Ok(format!("{base}{path}"))
    }

    fn builder(
        &self,
        cx: &CallContext<'_>,
        method: Method,
        url: reqwest::Url,
    ) -> reqwest::RequestBuilder {
        let mut b = self.client.request(method, url);
        if !cx.key.value.is_empty() {
            b = b.bearer_auth(cx.key.value.expose());
        }
        for (name, value) in cx.extra_headers {
            b = b.header(name, value);
        }
        b
    }

    /// The headers of a JSON `POST`: the key as a bearer token, the caller's forwarded
    /// headers, `Content-Type`, and `Accept` for event streams.
    /// Fails when the key's value cannot travel in a header (the error never quotes it).
    fn post_headers(
        &self,
        cx: &CallContext<'_>,
        event_stream: bool,
    ) -> Result<HeaderMap, BifrostError> {
        let mut headers = HeaderMap::with_capacity(4 + cx.extra_headers.len());
        if !cx.key.value.is_empty() {
            let mut bearer = HeaderValue::try_from(format!("Bearer {}", cx.key.value.expose()))
                .map_err(|_| {
                    BifrostError::new(
                        ErrorKind::ProviderNotConfigured,
                        format!(
                            "the value of key {:?} of provider {} contains characters that \
                             cannot be sent in an HTTP header",
                            cx.key.name, self.name
                        ),
                    )
                })?;
            bearer.set_sensitive(true);
            headers.insert(http::header::AUTHORIZATION, bearer);
        }
        for (name, value) in cx.extra_headers {
            headers.append(name.clone(), value.clone());
        }
        headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if event_stream {
            headers.insert(
                http::header::ACCEPT,
                HeaderValue::from_static("text/event-stream"),
            );
        }
        Ok(headers)
    }

    /// Sends a JSON `POST` and returns the successful response, or the upstream's error.
    async fn post(
        &self,
        cx: &CallContext<'_>,
        url: reqwest::Url,
        body: Vec<u8>,
        event_stream: bool,
    ) -> Result<reqwest::Response, BifrostError> {
        let headers = self.post_headers(cx, event_stream)?;
        let resp = self
            .client
            .post_bytes(url, headers, body)
            .await
            .map_err(|e| send_error(&self.name, e))?;
        check_status(&self.name, resp).await
    }

    /// Sends a request and returns the successful response, or the upstream's error.
    async fn send(
        &self,
        builder: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, BifrostError> {
        send_request(&self.client, &self.name, builder).await
    }

    async fn post_json<T: DeserializeOwned + HasExtra>(
        &self,
        cx: &CallContext<'_>,
        rt: RequestType,
        body: Vec<u8>,
        what: &str,
    ) -> Result<T, BifrostError> {
        let url = self.url(cx, rt)?;
        let resp = self.post(cx, url, body, false).await?;
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| network_error(&self.name, &e))?;
        self.parse_body(&bytes, what, cx.send_back_raw_response)
    }

    fn parse_body<T: DeserializeOwned + HasExtra>(
        &self,
        bytes: &Bytes,
        what: &str,
        keep_raw: bool,
    ) -> Result<T, BifrostError> {
        parse_json_body(&self.name, bytes, what, keep_raw)
    }

    async fn open_stream(
        &self,
        cx: &CallContext<'_>,
        rt: RequestType,
        body: Vec<u8>,
    ) -> Result<reqwest::Response, BifrostError> {
        let url = self.url(cx, rt)?;
        let resp = self.post(cx, url, body, true).await?;
        expect_event_stream(&self.name, resp).await
    }

    async fn send_passthrough(
        &self,
        cx: &CallContext<'_>,
        req: &PassthroughRequest,
    ) -> Result<reqwest::Response, BifrostError> {
        let base = cx
            .key
            .server_url()
            .or(self.base_url.as_deref())
            .or(self.profile.default_base_url)
            .ok_or_else(|| {
                BifrostError::new(
                    ErrorKind::ProviderNotConfigured,
                    format!(
                        "provider {} has no base URL: set network_config.base_url",
                        self.name
                    ),
                )
            })?;
        let mut url = format!("{base}{}", req.path);
        if let Some(q) = req.query.as_deref().filter(|q| !q.is_empty()) {
            url.push('?');
            url.push_str(q);
        }
        let mut auth = HeaderMap::new();
        if !cx.key.value.is_empty()
            && let Ok(v) = HeaderValue::from_str(&format!("Bearer {}", cx.key.value.expose()))
        {
            let mut v = v;
            v.set_sensitive(true);
            auth.insert(http::header::AUTHORIZATION, v);
        }
        let target = super::common::passthrough::Target {
            client: &self.client,
            provider: &self.name,
            url,
            auth,
        };
        super::common::passthrough::send(target, req, cx.extra_headers).await
    }

    fn serialize<T: serde::Serialize>(&self, value: &T) -> Result<Vec<u8>, BifrostError> {
        crate::schemas::to_json_vec(value)
            .map_err(|e| BifrostError::internal(format!("cannot serialize the request: {e}")))
    }

    /// True when `rt` (a Responses request type) goes to a native endpoint of this provider.
    fn native_responses(&self, rt: RequestType) -> bool {
        self.path_overrides.contains_key(&rt) || self.profile.path(rt).is_some()
    }

    /// Refuses Responses requests that a custom provider's `allowed_requests` leaves out.
    fn check_responses_allowed(&self, rt: RequestType) -> Result<(), BifrostError> {
        match &self.allowed {
            Some(allowed) if !allowed.contains(&rt) => Err(unsupported(rt, &self.name)),
            _ => Ok(()),
        }
    }

    fn responses_body(&self, req: &ResponsesRequest) -> Result<Vec<u8>, BifrostError> {
        if self.disable_store && req.store != Some(false) {
            let mut req = req.clone();
            req.store = Some(false);
            return self.serialize(&req);
        }
        self.serialize(req)
    }

    fn chat_body(&self, req: &ChatRequest) -> Result<Vec<u8>, BifrostError> {
        if self.disable_store && req.extra.get("store") != Some(&serde_json::Value::Bool(false)) {
            let mut req = req.clone();
            req.extra
                .insert("store".to_owned(), serde_json::Value::Bool(false));
            return self.serialize(&req);
        }
        self.serialize(req)
    }
}

/// Builds a provider's pooled client from its `network_config` (with `extra_headers` sent on
/// every request) and `proxy_config`.
pub(crate) fn provider_client(
    config: &ProviderConfig,
) -> Result<super::common::HttpClient, OpenAiSetupError> {
    let network = config.network();
    let mut default_headers = HeaderMap::new();
    for (k, v) in network.extra_headers.iter().flatten() {
        let name = HeaderName::from_bytes(k.as_bytes())
            .map_err(|_| OpenAiSetupError::Header(k.clone()))?;
        let value = HeaderValue::from_str(v).map_err(|_| OpenAiSetupError::Header(k.clone()))?;
        default_headers.insert(name, value);
    }
    Ok(build_client(
        &network,
        config.proxy_config.as_ref(),
        default_headers,
    )?)
}

/// Sends a request and returns the successful response, or the upstream's error parsed as an
/// OpenAI-style error body (with its `Retry-After`).
pub(crate) async fn send_request(
    client: &HttpClient,
    provider: &str,
    builder: reqwest::RequestBuilder,
) -> Result<reqwest::Response, BifrostError> {
    let resp = client
        .send(builder)
        .await
        .map_err(|e| send_error(provider, e))?;
    check_status(provider, resp).await
}

/// Passes a successful response through; turns an error status into the upstream's error,
/// parsed as an OpenAI-style error body (with its `Retry-After`).
async fn check_status(
    provider: &str,
    resp: reqwest::Response,
) -> Result<reqwest::Response, BifrostError> {
    let status = resp.status();
    if status.is_success() {
        return Ok(resp);
    }
    let after = retry_after(resp.headers());
    let content_type = resp
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = resp.bytes().await.unwrap_or_default();
    Err(
        error::parse_error_body(provider, status.as_u16(), content_type.as_deref(), &body)
            .with_retry_after(after),
    )
}

/// Parses an OpenAI-shaped JSON answer, rejecting in-band errors and bodies without the
/// documented fields; keeps the raw body in `extra_fields.raw_response` when asked.
pub(crate) fn parse_json_body<T: DeserializeOwned + HasExtra>(
    provider: &str,
    bytes: &Bytes,
    what: &str,
    keep_raw: bool,
) -> Result<T, BifrostError> {
    let mut value: T = crate::schemas::from_json_slice(bytes)
        .map_err(|e| decode_error(provider, what, bytes, &e.to_string()))?;
    if let Some(err) = value.in_band_error() {
        // Some compatible servers answer 200 with an error object.
        let detail = error::detail_from_object(&err).unwrap_or_default();
        return Err(BifrostError::upstream(502, detail).with_upstream_body(bytes.clone()));
    }
    if !value.looks_valid() {
        return Err(decode_error(
            provider,
            what,
            bytes,
            "required fields are missing",
        ));
    }
    if keep_raw {
        let raw = crate::schemas::from_json_slice(bytes).ok();
        value
            .extra_fields_mut()
            .get_or_insert_with(ExtraFields::default)
            .raw_response = raw;
    }
    Ok(value)
}

/// Checks that a successful streaming answer really is an event stream.
pub(crate) async fn expect_event_stream(
    provider: &str,
    resp: reqwest::Response,
) -> Result<reqwest::Response, BifrostError> {
    let content_type = resp
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !content_type.is_empty() && !content_type.starts_with("text/event-stream") {
        // The upstream ignored `stream: true` or answered with something else entirely.
        let ct = content_type.to_owned();
        let bytes = resp.bytes().await.unwrap_or_default();
        return Err(decode_error(
            provider,
            "event stream",
            &bytes,
            &format!("content type {ct}"),
        ));
    }
    Ok(resp)
}

type CustomRules = (Option<HashSet<RequestType>>, HashMap<RequestType, String>);

fn custom_rules(custom: Option<&CustomProviderConfig>) -> Result<CustomRules, OpenAiSetupError> {
    let Some(custom) = custom else {
        return Ok((None, HashMap::new()));
    };
    let allowed = match &custom.allowed_requests {
        None => None,
        Some(map) => {
            let mut set = HashSet::new();
            for (name, on) in map {
                let rt = RequestType::parse(name)
                    .ok_or_else(|| OpenAiSetupError::UnknownRequestType(name.clone()))?;
                if *on {
                    set.insert(rt);
                }
            }
            Some(set)
        }
    };
    let mut overrides = HashMap::new();
    for (name, path) in custom.request_path_overrides.iter().flatten() {
        let rt = RequestType::parse(name)
            .ok_or_else(|| OpenAiSetupError::UnknownRequestType(name.clone()))?;
        overrides.insert(rt, path.clone());
    }
    Ok((allowed, overrides))
}

/// Response types that keep unknown fields and carry `extra_fields`.
pub(crate) trait HasExtra {
    fn extra_mut(&mut self) -> &mut crate::schemas::ExtraMap;
    fn extra_fields_mut(&mut self) -> &mut Option<ExtraFields>;
    fn looks_valid(&self) -> bool;
    /// An error object sent with a success status instead of an answer.
    fn in_band_error(&mut self) -> Option<serde_json::Value> {
        self.extra_mut().get("error").cloned()
    }
}

macro_rules! has_extra {
    ($ty:ty, |$v:ident| $valid:expr) => {
        impl HasExtra for $ty {
            fn extra_mut(&mut self) -> &mut crate::schemas::ExtraMap {
                &mut self.extra
            }
            fn extra_fields_mut(&mut self) -> &mut Option<ExtraFields> {
                &mut self.extra_fields
            }
            fn looks_valid(&self) -> bool {
                let $v = self;
                $valid
            }
        }
    };
}

has_extra!(ChatResponse, |r| !r.choices.is_empty() || !r.id.is_empty());
has_extra!(TextCompletionResponse, |r| !r.choices.is_empty()
    || !r.id.is_empty());
has_extra!(EmbeddingResponse, |r| !r.data.is_empty()
    || r.usage.is_some());
has_extra!(ListModelsResponse, |_r| true);

impl HasExtra for ResponsesResponse {
    fn extra_mut(&mut self) -> &mut crate::schemas::ExtraMap {
        &mut self.extra
    }
    fn extra_fields_mut(&mut self) -> &mut Option<ExtraFields> {
        &mut self.extra_fields
    }
    fn looks_valid(&self) -> bool {
        !self.id.is_empty() || !self.output.is_empty()
    }
    fn in_band_error(&mut self) -> Option<serde_json::Value> {
        // A failed response carries `error` legitimately; a bare error object has no id.
        if self.id.is_empty() {
            self.error.clone().filter(|e| !e.is_null())
        } else {
            None
        }
    }
}

#[async_trait]
impl Provider for OpenAiCompatible {
    fn name(&self) -> &str {
        &self.name
    }

    fn is_keyless(&self) -> bool {
        self.keyless
    }

    fn supports(&self, rt: RequestType) -> bool {
        if matches!(
            rt,
            RequestType::Passthrough | RequestType::PassthroughStream
        ) {
            return self.allowed.as_ref().is_none_or(|a| a.contains(&rt));
        }
        let served = self.path_overrides.contains_key(&rt) || self.profile.path(rt).is_some();
        served && self.allowed.as_ref().is_none_or(|a| a.contains(&rt))
    }

    async fn list_models(
        &self,
        cx: CallContext<'_>,
        _req: &ListModelsRequest,
    ) -> Result<ListModelsResponse, BifrostError> {
        self.check_allowed(RequestType::ListModels)?;
        let url = self.url(&cx, RequestType::ListModels)?;
        let resp = self.send(self.builder(&cx, Method::GET, url)).await?;
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| network_error(&self.name, &e))?;
        self.parse_body(&bytes, "model list", false)
    }

    async fn chat(
        &self,
        cx: CallContext<'_>,
        req: &ChatRequest,
    ) -> Result<ChatResponse, BifrostError> {
        self.check_allowed(RequestType::ChatCompletion)?;
        let body = self.chat_body(req)?;
        self.post_json(&cx, RequestType::ChatCompletion, body, "chat completion")
            .await
    }

    async fn chat_stream(
        &self,
        cx: CallContext<'_>,
        req: &ChatRequest,
    ) -> Result<ChunkStream, BifrostError> {
        self.check_allowed(RequestType::ChatCompletionStream)?;
        let body = self.chat_body(req)?;
        let resp = self
            .open_stream(&cx, RequestType::ChatCompletionStream, body)
            .await?;
        Ok(decode_sse(
            self.name.clone(),
            resp,
            OpenAiChatSse::new(self.name.clone()),
        ))
    }

    async fn text_completion(
        &self,
        cx: CallContext<'_>,
        req: &TextCompletionRequest,
    ) -> Result<TextCompletionResponse, BifrostError> {
        self.check_allowed(RequestType::TextCompletion)?;
        let body = self.serialize(req)?;
        self.post_json(&cx, RequestType::TextCompletion, body, "text completion")
            .await
    }

    async fn text_completion_stream(
        &self,
        cx: CallContext<'_>,
        req: &TextCompletionRequest,
    ) -> Result<ChunkStream, BifrostError> {
        self.check_allowed(RequestType::TextCompletionStream)?;
        let body = self.serialize(req)?;
        let resp = self
            .open_stream(&cx, RequestType::TextCompletionStream, body)
            .await?;
        Ok(decode_sse(
            self.name.clone(),
            resp,
            OpenAiTextSse::new(self.name.clone()),
        ))
    }

    async fn responses(
        &self,
        cx: CallContext<'_>,
        req: &ResponsesRequest,
    ) -> Result<ResponsesResponse, BifrostError> {
        let rt = RequestType::Responses;
        self.check_responses_allowed(rt)?;
        if !self.native_responses(rt) {
            return responses_over_chat(self, cx, req).await;
        }
        let body = self.responses_body(req)?;
        self.post_json(&cx, rt, body, "response").await
    }

    async fn responses_stream(
        &self,
        cx: CallContext<'_>,
        req: &ResponsesRequest,
    ) -> Result<ChunkStream, BifrostError> {
        let rt = RequestType::ResponsesStream;
        self.check_responses_allowed(rt)?;
        if !self.native_responses(rt) {
            return responses_stream_over_chat(self, cx, req).await;
        }
        let body = self.responses_body(req)?;
        let resp = self.open_stream(&cx, rt, body).await?;
        Ok(decode_sse(
            self.name.clone(),
            resp,
            OpenAiResponsesSse::new(self.name.clone()),
        ))
    }

    async fn embedding(
        &self,
        cx: CallContext<'_>,
        req: &EmbeddingRequest,
    ) -> Result<EmbeddingResponse, BifrostError> {
        self.check_allowed(RequestType::Embedding)?;
        let body = self.serialize(req)?;
        self.post_json(&cx, RequestType::Embedding, body, "embedding response")
            .await
    }

    async fn passthrough(
        &self,
        cx: CallContext<'_>,
        req: &PassthroughRequest,
    ) -> Result<PassthroughResponse, BifrostError> {
        let resp = self.send_passthrough(&cx, req).await?;
        super::common::passthrough::complete(&self.name, resp).await
    }

    async fn passthrough_stream(
        &self,
        cx: CallContext<'_>,
        req: &PassthroughRequest,
    ) -> Result<ChunkStream, BifrostError> {
        let resp = self.send_passthrough(&cx, req).await?;
        Ok(super::common::passthrough::stream(&self.name, resp))
    }
}
