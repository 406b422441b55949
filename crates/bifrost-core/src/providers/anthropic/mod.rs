//! Anthropic's Messages API (`anthropic`, and custom providers with
//! `base_provider_type: "anthropic"`).
//!
//! | request type | upstream call |
//! |---|---|
//! | chat completion (+ stream) | `POST {base}/v1/messages` (SSE with `stream: true`) |
//! | count tokens | `POST {base}/v1/messages/count_tokens` |
//! | list models | `GET {base}/v1/models?limit=1000`, following `after_id` while `has_more` |
//!
//! Every call sends `x-api-key` (when the key has a value), `anthropic-version: 2023-06-01`
//! (a per-request `anthropic-version` extra header replaces it) and the `anthropic-beta` names
//! allowed by `network_config.beta_header_overrides` ([`headers::BetaPolicy`]). The default base
//! URL is `https://api.anthropic.com`. Error statuses keep Anthropic's own status, type and
//! message ([`error`]); `529 overloaded_error` is a 5xx and is retried like one, and
//! `retry-after` is honoured.
//!
//! Translation lives in [`request`], [`response`] and [`stream`] and is pure.

pub mod error;
pub mod headers;
pub mod inbound;
pub mod request;
pub mod response;
pub mod stream;
pub mod types;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use serde::de::DeserializeOwned;

use self::headers::BetaPolicy;
use self::stream::AnthropicChatSse;
use self::types::{ANTHROPIC_VERSION, DEFAULT_BASE_URL, MessagesResponse, ModelList};
use super::common::sse::decode_sse;
use super::common::upstream_error::{decode_error, network_error, retry_after, send_error};
use super::common::{ClientBuildError, build_client};
use crate::config::{CustomProviderConfig, ProviderConfig};
use crate::error::BifrostError;
use crate::provider::{CallContext, ChunkStream, Provider, unsupported};
use crate::schemas::{
    ChatRequest, ChatResponse, CountTokensRequest, CountTokensResponse, ExtraFields,
    ListModelsRequest, ListModelsResponse, RequestType,
};

const BETA_HEADER: &str = "anthropic-beta";
const VERSION_HEADER: &str = "anthropic-version";
const MESSAGES_PATH: &str = "/v1/messages";
const COUNT_TOKENS_PATH: &str = "/v1/messages/count_tokens";
const MODELS_PATH: &str = "/v1/models";
/// Largest page Anthropic serves, and the most pages followed when listing models.
const MODELS_PAGE: u32 = 1000;
const MAX_MODEL_PAGES: usize = 10;

/// Why an Anthropic provider could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum AnthropicSetupError {
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

/// The Anthropic provider.
pub struct AnthropicProvider {
    name: Arc<str>,
    base_url: String,
    client: super::common::HttpClient,
    beta: BetaPolicy,
    keyless: bool,
    allowed: Option<HashSet<RequestType>>,
    path_overrides: HashMap<RequestType, String>,
}

impl std::fmt::Debug for AnthropicProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AnthropicProvider")
            .field("name", &self.name)
            .field("base_url", &self.base_url)
            .finish()
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn serialize<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, BifrostError> {
    crate::schemas::to_json_vec(value)
        .map_err(|e| BifrostError::internal(format!("cannot serialize the request: {e}")))
}

type CustomRules = (Option<HashSet<RequestType>>, HashMap<RequestType, String>);

fn custom_rules(custom: Option<&CustomProviderConfig>) -> Result<CustomRules, AnthropicSetupError> {
    let Some(custom) = custom else {
        return Ok((None, HashMap::new()));
    };
    let parse = |name: &str| {
        RequestType::parse(name)
            .ok_or_else(|| AnthropicSetupError::UnknownRequestType(name.to_owned()))
    };
    let allowed = match &custom.allowed_requests {
        None => None,
        Some(map) => {
            let mut set = HashSet::new();
            for (name, on) in map {
                let rt = parse(name)?;
                if *on {
                    set.insert(rt);
                }
            }
            Some(set)
        }
    };
    let mut overrides = HashMap::new();
    for (name, path) in custom.request_path_overrides.iter().flatten() {
        overrides.insert(parse(name)?, path.clone());
    }
    Ok((allowed, overrides))
}

impl AnthropicProvider {
    /// Builds the provider `name` from its configuration.
    pub fn new(name: &str, config: &ProviderConfig) -> Result<Self, AnthropicSetupError> {
        let network = config.network();
        let mut default_headers = HeaderMap::new();
        let mut configured_beta = Vec::new();
        for (k, v) in network.extra_headers.iter().flatten() {
            if k.eq_ignore_ascii_case(BETA_HEADER) {
                configured_beta.push(v.as_str());
                continue;
            }
            let name = HeaderName::from_bytes(k.as_bytes())
                .map_err(|_| AnthropicSetupError::Header(k.clone()))?;
            let value =
                HeaderValue::from_str(v).map_err(|_| AnthropicSetupError::Header(k.clone()))?;
            default_headers.insert(name, value);
        }
        let overrides = network
            .beta_header_overrides
            .iter()
            .flatten()
            .map(|(p, allow)| (p.as_str(), *allow));
        let beta = BetaPolicy::new(configured_beta, overrides);
        let client = build_client(&network, config.proxy_config.as_ref(), default_headers)?;
        let custom = config.custom_provider_config.as_ref();
        let (allowed, path_overrides) = custom_rules(custom)?;
        Ok(Self {
            name: Arc::from(name),
            base_url: network
                .trimmed_base_url()
                .unwrap_or(DEFAULT_BASE_URL)
                .to_owned(),
            client,
            beta,
            keyless: custom.is_some_and(|c| c.is_key_less),
            allowed,
            path_overrides,
        })
    }

    fn check_allowed(&self, rt: RequestType) -> Result<(), BifrostError> {
        if self.supports(rt) {
            Ok(())
        } else {
            Err(unsupported(rt, &self.name))
        }
    }

    fn url(&self, rt: RequestType, default_path: &str) -> String {
        match self.path_overrides.get(&rt) {
            Some(p) if p.starts_with("http://") || p.starts_with("https://") => p.clone(),
            Some(p) => format!("{}{p}", self.base_url),
            None => format!("{}{default_path}", self.base_url),
        }
    }

    fn builder(&self, cx: &CallContext<'_>, method: Method, url: &str) -> reqwest::RequestBuilder {
        let mut b = self.client.request(method, url);
        if !cx.key.value.is_empty() {
            b = b.header("x-api-key", cx.key.value.expose());
        }
        let mut version_set = false;
        let mut request_beta = Vec::new();
        for (name, value) in cx.extra_headers {
            if name.as_str() == BETA_HEADER {
                request_beta.extend(value.to_str().ok());
                continue;
            }
            version_set |= name.as_str() == VERSION_HEADER;
            b = b.header(name, value);
        }
        if !version_set {
            b = b.header(VERSION_HEADER, ANTHROPIC_VERSION);
        }
        if let Some(beta) = self.beta.header_value(request_beta) {
            b = b.header(BETA_HEADER, beta);
        }
        b
    }

    /// Sends a request and returns the successful response, or the upstream's error.
    async fn send(
        &self,
        builder: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, BifrostError> {
        let resp = self
            .client
            .send(builder)
            .await
            .map_err(|e| send_error(&self.name, e))?;
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
            error::parse_error_body(&self.name, status.as_u16(), content_type.as_deref(), &body)
                .with_retry_after(after),
        )
    }

    async fn post(
        &self,
        cx: &CallContext<'_>,
        rt: RequestType,
        path: &str,
        body: Vec<u8>,
        event_stream: bool,
    ) -> Result<reqwest::Response, BifrostError> {
        let url = self.url(rt, path);
        let mut builder = self
            .builder(cx, Method::POST, &url)
            .header(http::header::CONTENT_TYPE, "application/json");
        if event_stream {
            builder = builder.header(http::header::ACCEPT, "text/event-stream");
        }
        self.send(builder.body(body)).await
    }

    async fn send_passthrough(
        &self,
        cx: &CallContext<'_>,
        req: &crate::schemas::PassthroughRequest,
    ) -> Result<reqwest::Response, BifrostError> {
        let mut url = format!("{}{}", self.base_url, req.path);
        if let Some(q) = req.query.as_deref().filter(|q| !q.is_empty()) {
            url.push('?');
            url.push_str(q);
        }
        let mut auth = HeaderMap::new();
        if !cx.key.value.is_empty()
            && let Ok(mut v) = HeaderValue::from_str(cx.key.value.expose())
        {
            v.set_sensitive(true);
            auth.insert("x-api-key", v);
        }
        if !req
            .headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case(VERSION_HEADER))
        {
            auth.insert(VERSION_HEADER, HeaderValue::from_static(ANTHROPIC_VERSION));
        }
        let target = crate::providers::common::passthrough::Target {
            client: &self.client,
            provider: &self.name,
            url,
            auth,
        };
        crate::providers::common::passthrough::send(target, req, cx.extra_headers).await
    }

    async fn read_json<T: DeserializeOwned>(
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

#[async_trait]
impl Provider for AnthropicProvider {
    fn name(&self) -> &str {
        &self.name
    }

    fn is_keyless(&self) -> bool {
        self.keyless
    }

    fn supports(&self, rt: RequestType) -> bool {
        let served = matches!(
            rt,
            RequestType::ChatCompletion
                | RequestType::ChatCompletionStream
                | RequestType::CountTokens
                | RequestType::ListModels
                | RequestType::Passthrough
                | RequestType::PassthroughStream
        );
        served && self.allowed.as_ref().is_none_or(|a| a.contains(&rt))
    }

    async fn list_models(
        &self,
        cx: CallContext<'_>,
        _req: &ListModelsRequest,
    ) -> Result<ListModelsResponse, BifrostError> {
        self.check_allowed(RequestType::ListModels)?;
        let base = self.url(RequestType::ListModels, MODELS_PATH);
        let mut all = ModelList::default();
        let mut after: Option<String> = None;
        for _ in 0..MAX_MODEL_PAGES {
            let mut url = format!("{base}?limit={MODELS_PAGE}");
            if let Some(id) = &after {
                url.push_str("&after_id=");
                url.push_str(id);
            }
            let resp = self.send(self.builder(&cx, Method::GET, &url)).await?;
            let (page, _) = self.read_json::<ModelList>(resp, "model list").await?;
            all.data.extend(page.data);
            match page.last_id {
                Some(last) if page.has_more => after = Some(last),
                _ => break,
            }
        }
        Ok(response::to_models(all))
    }

    async fn chat(
        &self,
        cx: CallContext<'_>,
        req: &ChatRequest,
    ) -> Result<ChatResponse, BifrostError> {
        self.check_allowed(RequestType::ChatCompletion)?;
        let body = serialize(&request::to_messages_request(req, cx.model, false)?)?;
        let resp = self
            .post(&cx, RequestType::ChatCompletion, MESSAGES_PATH, body, false)
            .await?;
        let (msg, bytes) = self.read_json::<MessagesResponse>(resp, "message").await?;
        if msg.kind != "message" && msg.content.is_empty() {
            return Err(decode_error(
                &self.name,
                "message",
                &bytes,
                "required fields are missing",
            ));
        }
        let mut out = response::to_chat_response(msg, unix_now());
        if cx.send_back_raw_response {
            out.extra_fields
                .get_or_insert_with(ExtraFields::default)
                .raw_response = crate::schemas::from_json_slice(&bytes).ok();
        }
        Ok(out)
    }

    async fn chat_stream(
        &self,
        cx: CallContext<'_>,
        req: &ChatRequest,
    ) -> Result<ChunkStream, BifrostError> {
        self.check_allowed(RequestType::ChatCompletionStream)?;
        let body = serialize(&request::to_messages_request(req, cx.model, true)?)?;
        let resp = self
            .post(
                &cx,
                RequestType::ChatCompletionStream,
                MESSAGES_PATH,
                body,
                true,
            )
            .await?;
        let content_type = resp
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !content_type.is_empty() && !content_type.starts_with("text/event-stream") {
            let ct = content_type.to_owned();
            let bytes = resp.bytes().await.unwrap_or_default();
            return Err(decode_error(
                &self.name,
                "event stream",
                &bytes,
                &format!("content type {ct}"),
            ));
        }
        let handler = AnthropicChatSse::new(self.name.clone(), req.include_usage(), unix_now());
        Ok(decode_sse(self.name.clone(), resp, handler))
    }

    async fn passthrough(
        &self,
        cx: CallContext<'_>,
        req: &crate::schemas::PassthroughRequest,
    ) -> Result<crate::schemas::PassthroughResponse, BifrostError> {
        self.check_allowed(RequestType::Passthrough)?;
        let resp = self.send_passthrough(&cx, req).await?;
        crate::providers::common::passthrough::complete(&self.name, resp).await
    }

    async fn passthrough_stream(
        &self,
        cx: CallContext<'_>,
        req: &crate::schemas::PassthroughRequest,
    ) -> Result<ChunkStream, BifrostError> {
        self.check_allowed(RequestType::PassthroughStream)?;
        let resp = self.send_passthrough(&cx, req).await?;
        Ok(crate::providers::common::passthrough::stream(
            &self.name, resp,
        ))
    }

    async fn count_tokens(
        &self,
        cx: CallContext<'_>,
        req: &CountTokensRequest,
    ) -> Result<CountTokensResponse, BifrostError> {
        self.check_allowed(RequestType::CountTokens)?;
        let body = serialize(&request::to_count_tokens_request(req, cx.model)?)?;
        let resp = self
            .post(
                &cx,
                RequestType::CountTokens,
                COUNT_TOKENS_PATH,
                body,
                false,
            )
            .await?;
        let (count, _) = self.read_json(resp, "token count").await?;
        Ok(response::to_count_tokens(count))
    }
}

#[cfg(test)]
mod tests {
    use indexmap::IndexMap;

    use super::*;
    use crate::providers::{build_provider, is_implemented};

    #[test]
    fn registered_as_a_standard_provider_and_a_custom_base() {
        assert!(is_implemented("anthropic"));
        let p = build_provider("anthropic", &ProviderConfig::default()).unwrap();
        assert!(p.supports(RequestType::ChatCompletionStream));
        assert!(p.supports(RequestType::CountTokens));
        assert!(!p.supports(RequestType::Embedding));
        let mut allowed = IndexMap::new();
        allowed.insert("chat_completion".to_owned(), true);
        allowed.insert("list_models".to_owned(), false);
        let custom = ProviderConfig {
            custom_provider_config: Some(CustomProviderConfig {
                base_provider_type: "anthropic".to_owned(),
                allowed_requests: Some(allowed),
                ..CustomProviderConfig::default()
            }),
            ..ProviderConfig::default()
        };
        let p = build_provider("my-claude", &custom).unwrap();
        assert_eq!(p.name(), "my-claude");
        assert!(p.supports(RequestType::ChatCompletion));
        assert!(!p.supports(RequestType::ListModels));
    }

    #[test]
    fn path_overrides_and_default_base() {
        let mut overrides = IndexMap::new();
        overrides.insert("chat_completion".to_owned(), "/proxy/messages".to_owned());
        overrides.insert(
            "count_tokens".to_owned(),
            "https://other.example/count".to_owned(),
        );
        let config = ProviderConfig {
            custom_provider_config: Some(CustomProviderConfig {
                base_provider_type: "anthropic".to_owned(),
                request_path_overrides: Some(overrides),
                ..CustomProviderConfig::default()
            }),
            ..ProviderConfig::default()
        };
        let p = AnthropicProvider::new("c", &config).unwrap();
        assert_eq!(
            p.url(RequestType::ChatCompletion, MESSAGES_PATH),
            "https://api.anthropic.com/proxy/messages"
        );
        assert_eq!(
            p.url(RequestType::CountTokens, COUNT_TOKENS_PATH),
            "https://other.example/count"
        );
        assert_eq!(
            p.url(RequestType::ListModels, MODELS_PATH),
            "https://api.anthropic.com/v1/models"
        );
    }
}
