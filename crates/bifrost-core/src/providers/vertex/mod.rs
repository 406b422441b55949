//! Google Vertex AI: Gemini models through the `publishers/google` endpoints, text embeddings
//! through `:predict`, and Anthropic (Claude) models through `publishers/anthropic`.
//!
//! | request | upstream call (`{m}` = `{origin}/v1/projects/{project}/locations/{region}/publishers/google/models/{model}`) |
//! |---|---|
//! | chat | `POST {m}:generateContent` |
//! | chat stream | `POST {m}:streamGenerateContent?alt=sse` |
//! | embeddings | `POST {m}:predict` |
//! | count tokens | `POST {m}:countTokens` |
//! | list models | `GET {origin}/v1beta1/publishers/google/models?pageSize=1000` |
//! | chat, Claude models | `POST .../publishers/anthropic/models/{model}:rawPredict` (`:streamRawPredict`) |
//! | count tokens, Claude models | `POST .../publishers/anthropic/models/count-tokens:rawPredict` |
//!
//! Each key carries a `vertex_key_config` ([`config`]). Authentication: a key with a `value` is
//! an API key sent as `?key=` (as Bifrost does for Gemini models); otherwise the service
//! account in `auth_credentials` (or the file named by `GOOGLE_APPLICATION_CREDENTIALS`) signs a
//! JWT that is exchanged for a cached OAuth access token ([`auth`]), sent as
//! `Authorization: Bearer`. A 401 from Vertex drops the cached token. Claude models (any model
//! name containing `claude`) use the Anthropic Messages format described in [`anthropic`];
//! every other model the Gemini format.

pub mod anthropic;
pub mod auth;
pub mod config;
pub mod request;
pub mod response;
pub mod types;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use serde::de::DeserializeOwned;

use self::auth::{TokenSource, parse_credentials};
use self::config::VertexKeyConfig;
use self::types::{ListPublisherModelsResponse, PredictResponse};
use super::anthropic::response::{to_chat_response, to_count_tokens};
use super::anthropic::stream::AnthropicChatSse;
use super::anthropic::types::{CountTokensResponse as AnthropicCount, MessagesResponse};
use super::common::build_client;
use super::common::sse::decode_sse;
use super::gemini::request::Dialect;
use super::gemini::response::ResponseMeta;
use super::gemini::stream::GeminiChatSse;
use super::gemini::transport::{self, ErrorParser, GoogleSetupError, default_headers};
use super::gemini::types::{CountTokensResponse as NativeCount, GenerateContentResponse};
use super::gemini::{self, keep_raw, to_body};
use crate::config::{ProviderConfig, SecretString};
use crate::error::{BifrostError, ErrorKind};
use crate::key::Key;
use crate::provider::{CallContext, ChunkStream, Provider};
use crate::schemas::{
    ChatRequest, ChatResponse, CountTokensRequest, CountTokensResponse, EmbeddingRequest,
    EmbeddingResponse, ListModelsRequest, ListModelsResponse, RequestType,
};

/// Page size asked for when listing models.
const MODELS_PAGE_SIZE: u32 = 1000;

/// What one key needs: its parsed configuration and, for service accounts, its token source.
#[derive(Debug)]
struct KeyState {
    config: VertexKeyConfig,
    tokens: Option<TokenSource>,
}

impl KeyState {
    fn build(key: &Key) -> Result<Self, BifrostError> {
        let fail = |msg: String| {
            BifrostError::new(
                ErrorKind::ProviderNotConfigured,
                format!("vertex key {:?}: {msg}", &*key.name),
            )
            .with_code("invalid_vertex_key_config")
        };
        let config = VertexKeyConfig::parse(key.config.vertex_key_config.as_ref()).map_err(fail)?;
        let credentials = match config.auth_credentials.clone() {
            Some(c) => Some(c),
            None if !key.value.is_empty() => None,
            None => match std::env::var("GOOGLE_APPLICATION_CREDENTIALS") {
                Ok(path) if !path.is_empty() => {
                    Some(std::fs::read_to_string(&path).map_err(|e| {
                        fail(format!(
                            "cannot read GOOGLE_APPLICATION_CREDENTIALS ({path}): {e}"
                        ))
                    })?)
                }
                _ => {
                    return Err(fail(
                        "set vertex_key_config.auth_credentials to a service-account key (or give the key a value to use an API key)"
                            .to_owned(),
                    ));
                }
            },
        };
        let tokens = match credentials {
            Some(c) => Some(
                parse_credentials(&c)
                    .and_then(TokenSource::new)
                    .map_err(fail)?,
            ),
            None => None,
        };
        Ok(Self { config, tokens })
    }
}

/// Which wire format a model speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Publisher {
    /// Gemini (`publishers/google`).
    Google,
    /// Anthropic Messages (`publishers/anthropic`).
    Anthropic,
}

impl Publisher {
    fn error_parser(self) -> ErrorParser {
        match self {
            Self::Google => gemini::error::parse_error_body,
            Self::Anthropic => anthropic::parse_error,
        }
    }
}

/// How a request is authenticated.
enum Auth {
    Bearer(SecretString),
    ApiKey,
}

/// The Vertex AI provider.
pub struct VertexProvider {
    name: Arc<str>,
    base_url: Option<String>,
    client: super::common::HttpClient,
    keys: RwLock<HashMap<Arc<str>, Arc<KeyState>>>,
}

impl std::fmt::Debug for VertexProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VertexProvider")
            .field("name", &self.name)
            .field("base_url", &self.base_url)
            .finish()
    }
}

const SERVED: &[RequestType] = &[
    RequestType::ChatCompletion,
    RequestType::ChatCompletionStream,
    RequestType::Embedding,
    RequestType::CountTokens,
    RequestType::ListModels,
];

impl VertexProvider {
    /// Builds provider `name` from its configuration.
    pub fn new(name: &str, config: &ProviderConfig) -> Result<Self, GoogleSetupError> {
        let network = config.network();
        let client = build_client(
            &network,
            config.proxy_config.as_ref(),
            default_headers(&network)?,
        )?;
        Ok(Self {
            name: Arc::from(name),
            base_url: network.trimmed_base_url().map(str::to_owned),
            client,
            keys: RwLock::new(HashMap::new()),
        })
    }

    /// The parsed state of `key`, built on first use.
    fn key_state(&self, key: &Key) -> Result<Arc<KeyState>, BifrostError> {
        {
            let map = self.keys.read().unwrap_or_else(|e| e.into_inner());
            if let Some(state) = map.get(&key.id) {
                return Ok(state.clone());
            }
        }
        let state = Arc::new(KeyState::build(key)?);
        let mut map = self.keys.write().unwrap_or_else(|e| e.into_inner());
        Ok(map.entry(key.id.clone()).or_insert(state).clone())
    }

    async fn auth(&self, key: &Key, state: &KeyState) -> Result<Auth, BifrostError> {
        if !key.value.is_empty() {
            return Ok(Auth::ApiKey);
        }
        match &state.tokens {
            Some(tokens) => Ok(Auth::Bearer(tokens.token(&self.client, &self.name).await?)),
            None => Err(BifrostError::internal("vertex key has no credentials")),
        }
    }

    fn builder(
        &self,
        cx: &CallContext<'_>,
        method: reqwest::Method,
        url: String,
        auth: &Auth,
    ) -> reqwest::RequestBuilder {
        self.builder_with(cx, method, url, auth, Publisher::Google)
    }

    fn builder_with(
        &self,
        cx: &CallContext<'_>,
        method: reqwest::Method,
        url: String,
        auth: &Auth,
        publisher: Publisher,
    ) -> reqwest::RequestBuilder {
        let url = match auth {
            Auth::ApiKey => {
                let sep = if url.contains('?') { '&' } else { '?' };
                format!(
                    "{url}{sep}key={}",
                    transport::encode_query(cx.key.value.expose())
                )
            }
            Auth::Bearer(_) => url,
        };
        let mut b = self.client.request(method, url);
        if let Auth::Bearer(token) = auth {
            b = b.bearer_auth(token.expose());
        }
        match publisher {
            Publisher::Google => {
                for (name, value) in cx.extra_headers {
                    b = b.header(name, value);
                }
            }
            // `anthropic-beta` goes into the body.
            Publisher::Anthropic => {
                for (name, value) in anthropic::forwarded_headers(cx.extra_headers) {
                    b = b.header(name, value);
                }
            }
        }
        b
    }

    /// Sends the request; drops a cached token Vertex rejected.
    async fn send(
        &self,
        state: &KeyState,
        auth: &Auth,
        builder: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, BifrostError> {
        self.send_with(state, auth, builder, gemini::error::parse_error_body)
            .await
    }

    async fn send_with(
        &self,
        state: &KeyState,
        auth: &Auth,
        builder: reqwest::RequestBuilder,
        parse: ErrorParser,
    ) -> Result<reqwest::Response, BifrostError> {
        let result = transport::send_with(&self.client, &self.name, builder, parse).await;
        if let (Err(e), Auth::Bearer(token), Some(tokens)) = (&result, auth, &state.tokens)
            && e.status() == 401
        {
            tokens.invalidate(token);
        }
        result
    }

    async fn post<T: DeserializeOwned>(
        &self,
        cx: &CallContext<'_>,
        state: &KeyState,
        url: String,
        body: Vec<u8>,
        what: &str,
    ) -> Result<(T, bytes::Bytes), BifrostError> {
        self.post_to(cx, state, Publisher::Google, url, body, what)
            .await
    }

    async fn post_to<T: DeserializeOwned>(
        &self,
        cx: &CallContext<'_>,
        state: &KeyState,
        publisher: Publisher,
        url: String,
        body: Vec<u8>,
        what: &str,
    ) -> Result<(T, bytes::Bytes), BifrostError> {
        let auth = self.auth(cx.key, state).await?;
        let builder = self
            .builder_with(cx, reqwest::Method::POST, url, &auth, publisher)
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(body);
        let resp = self
            .send_with(state, &auth, builder, publisher.error_parser())
            .await?;
        let bytes = transport::body(&self.name, resp).await?;
        let value = transport::decode(&self.name, what, &bytes)?;
        Ok((value, bytes))
    }

    /// The key state, the deployed model and its publisher.
    fn target(
        &self,
        cx: &CallContext<'_>,
    ) -> Result<(Arc<KeyState>, String, Publisher), BifrostError> {
        let state = self.key_state(cx.key)?;
        let model = state.config.deployment(cx.model).to_owned();
        // The requested name or the deployed one may say it is a Claude model.
        let publisher =
            if anthropic::is_anthropic_model(&model) || anthropic::is_anthropic_model(cx.model) {
                Publisher::Anthropic
            } else {
                Publisher::Google
            };
        Ok((state, model, publisher))
    }

    async fn anthropic_chat(
        &self,
        cx: &CallContext<'_>,
        state: &KeyState,
        model: &str,
        req: &ChatRequest,
    ) -> Result<ChatResponse, BifrostError> {
        let body = anthropic::messages_body(req, model, false, cx.extra_headers)?;
        let url =
            state
                .config
                .model_url(self.base_url.as_deref(), "anthropic", model, "rawPredict");
        let (msg, bytes): (MessagesResponse, _) = self
            .post_to(cx, state, Publisher::Anthropic, url, body, "message")
            .await?;
        let mut out = to_chat_response(msg, transport::unix_now());
        if cx.send_back_raw_response {
            keep_raw(&mut out.extra_fields, &bytes);
        }
        Ok(out)
    }

    async fn anthropic_stream(
        &self,
        cx: &CallContext<'_>,
        state: &KeyState,
        model: &str,
        req: &ChatRequest,
    ) -> Result<ChunkStream, BifrostError> {
        let body = anthropic::messages_body(req, model, true, cx.extra_headers)?;
        let url = state.config.model_url(
            self.base_url.as_deref(),
            "anthropic",
            model,
            "streamRawPredict",
        );
        let auth = self.auth(cx.key, state).await?;
        let builder = self
            .builder_with(cx, reqwest::Method::POST, url, &auth, Publisher::Anthropic)
            .header(http::header::CONTENT_TYPE, "application/json")
            .header(http::header::ACCEPT, "text/event-stream")
            .body(body);
        let resp = self
            .send_with(state, &auth, builder, anthropic::parse_error)
            .await?;
        let resp = transport::expect_event_stream(&self.name, resp).await?;
        let handler = AnthropicChatSse::new(
            self.name.clone(),
            req.include_usage(),
            transport::unix_now(),
        );
        Ok(decode_sse(self.name.clone(), resp, handler))
    }
}

#[async_trait]
impl Provider for VertexProvider {
    fn name(&self) -> &str {
        &self.name
    }

    fn supports(&self, rt: RequestType) -> bool {
        SERVED.contains(&rt)
    }

    async fn list_models(
        &self,
        cx: CallContext<'_>,
        req: &ListModelsRequest,
    ) -> Result<ListModelsResponse, BifrostError> {
        let state = self.key_state(cx.key)?;
        let mut url = format!(
            "{}?pageSize={}",
            state
                .config
                .publisher_models_url(self.base_url.as_deref(), "google"),
            req.page_size.unwrap_or(MODELS_PAGE_SIZE)
        );
        if let Some(token) = req.page_token.as_deref() {
            url.push_str("&pageToken=");
            url.push_str(&transport::encode_query(token));
        }
        let auth = self.auth(cx.key, &state).await?;
        let builder = self.builder(&cx, reqwest::Method::GET, url, &auth);
        let resp = self.send(&state, &auth, builder).await?;
        let bytes = transport::body(&self.name, resp).await?;
        let native: ListPublisherModelsResponse =
            transport::decode(&self.name, "model list", &bytes)?;
        Ok(response::list_models_response(native, "google"))
    }

    async fn chat(
        &self,
        cx: CallContext<'_>,
        req: &ChatRequest,
    ) -> Result<ChatResponse, BifrostError> {
        let (state, model, publisher) = self.target(&cx)?;
        if publisher == Publisher::Anthropic {
            return self.anthropic_chat(&cx, &state, &model, req).await;
        }
        let body = to_body(&gemini::request::chat_request(req, Dialect::Vertex)?)?;
        let url = state.config.model_url(
            self.base_url.as_deref(),
            "google",
            &model,
            "generateContent",
        );
        let (native, bytes): (GenerateContentResponse, _) =
            self.post(&cx, &state, url, body, "chat completion").await?;
        let fallback_id = transport::new_completion_id();
        let meta = ResponseMeta {
            fallback_id: &fallback_id,
            created: transport::unix_now(),
            model: &model,
        };
        let mut out = gemini::response::chat_response(&self.name, native, meta)?;
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
        let (state, model, publisher) = self.target(&cx)?;
        if publisher == Publisher::Anthropic {
            return self.anthropic_stream(&cx, &state, &model, req).await;
        }
        let body = to_body(&gemini::request::chat_request(req, Dialect::Vertex)?)?;
        let url = format!(
            "{}?alt=sse",
            state.config.model_url(
                self.base_url.as_deref(),
                "google",
                &model,
                "streamGenerateContent"
            )
        );
        let auth = self.auth(cx.key, &state).await?;
        let builder = self
            .builder(&cx, reqwest::Method::POST, url, &auth)
            .header(http::header::CONTENT_TYPE, "application/json")
            .header(http::header::ACCEPT, "text/event-stream")
            .body(body);
        let resp = self.send(&state, &auth, builder).await?;
        let resp = transport::expect_event_stream(&self.name, resp).await?;
        let handler = GeminiChatSse::new(
            self.name.clone(),
            transport::new_completion_id(),
            model,
            transport::unix_now(),
        );
        Ok(decode_sse(self.name.clone(), resp, handler))
    }

    async fn embedding(
        &self,
        cx: CallContext<'_>,
        req: &EmbeddingRequest,
    ) -> Result<EmbeddingResponse, BifrostError> {
        let (state, model, publisher) = self.target(&cx)?;
        if publisher == Publisher::Anthropic {
            return Err(anthropic::unsupported(&self.name, &model, "embedding"));
        }
        let body = to_body(&request::embedding_request(req)?)?;
        let url = state
            .config
            .model_url(self.base_url.as_deref(), "google", &model, "predict");
        let (native, bytes): (PredictResponse, _) = self
            .post(&cx, &state, url, body, "embedding response")
            .await?;
        let base64 = req.encoding_format.as_deref() == Some("base64");
        let mut out = response::embedding_response(native, &model, base64);
        if cx.send_back_raw_response {
            keep_raw(&mut out.extra_fields, &bytes);
        }
        Ok(out)
    }

    async fn count_tokens(
        &self,
        cx: CallContext<'_>,
        req: &CountTokensRequest,
    ) -> Result<CountTokensResponse, BifrostError> {
        let (state, model, publisher) = self.target(&cx)?;
        if publisher == Publisher::Anthropic {
            let body = anthropic::count_tokens_body(req, &model, cx.extra_headers)?;
            let url = state.config.model_url(
                self.base_url.as_deref(),
                "anthropic",
                anthropic::COUNT_TOKENS_MODEL,
                "rawPredict",
            );
            let (count, _): (AnthropicCount, _) = self
                .post_to(&cx, &state, Publisher::Anthropic, url, body, "token count")
                .await?;
            return Ok(to_count_tokens(count));
        }
        let body = gemini::request::count_tokens_request(req, &model, Dialect::Vertex)?;
        let url = state
            .config
            .model_url(self.base_url.as_deref(), "google", &model, "countTokens");
        let (native, _): (NativeCount, _) = self
            .post(&cx, &state, url, to_body(&body)?, "token count")
            .await?;
        Ok(gemini::response::count_tokens_response(native))
    }
}
