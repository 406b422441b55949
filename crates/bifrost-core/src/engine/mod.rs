//! The engine: plugins, fallbacks, dispatch.
//!
//! ```text
//! request -> [for primary, then each fallback]
//!              pre-hooks -> (short-circuit | admission -> key -> upstream, retries) -> post-hooks
//!         -> first success, or the primary's error
//! ```
//!
//! The configuration lives in an immutable [`Snapshot`] behind an `ArcSwap`: the hot path loads it
//! without a lock, and a configuration change swaps in a new one while in-flight requests finish
//! on the old.

pub mod admission;
mod calls;
pub mod dispatch;
pub mod keys;
pub mod model_ref;
pub mod retry;
pub mod snapshot;
pub mod stream;

use std::sync::{Arc, Mutex};

use arc_swap::ArcSwap;

use self::dispatch::{PeekedStream, with_retries};
pub use self::snapshot::{BuildNotice, ProviderFactory, ProviderState, Snapshot};
pub use self::stream::ResponseStream;
use self::stream::{StreamSetup, pipeline, stream_from_response};
use crate::config::EngineConfig;
use crate::context::{HookPhase, RequestContext};
use crate::error::{BifrostError, ErrorKind};
use crate::plugin::{Outcome, Plugin, PreHookOutcome, ShortCircuit};
use crate::provider::ChunkStream;
use crate::providers::ProviderBuildError;
use crate::schemas::{
    ChatRequest, ChatResponse, EmbeddingRequest, EmbeddingResponse, ExtraFields, ListModelsRequest,
    ListModelsResponse, ModelRef, Request, RequestBody, RequestType, Response, ResponsesRequest,
    ResponsesResponse, TextCompletionRequest, TextCompletionResponse,
};

/// What a target produced.
enum Answer {
    Response(Response),
    Stream {
        first: Option<Box<crate::schemas::StreamChunk>>,
        rest: ChunkStream,
        ran: usize,
        provider: String,
        model: String,
        idle_timeout: std::time::Duration,
    },
}

/// The configuration and plugins currently applied (kept to rebuild snapshots).
type Applied = (EngineConfig, Arc<[Arc<dyn Plugin>]>);

/// The Bifrost engine. Cheap to share (`Arc<Bifrost>`); every method takes `&self`.
pub struct Bifrost {
    snapshot: ArcSwap<Snapshot>,
    config: Mutex<Applied>,
    factory: Option<ProviderFactory>,
}

impl std::fmt::Debug for Bifrost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bifrost")
            .field("snapshot", &self.snapshot.load())
            .finish()
    }
}

impl Bifrost {
    /// Builds the engine. Providers this build does not implement are reported in
    /// [`Bifrost::notices`] and skipped; unknown or invalid providers are an error.
    pub fn new(
        config: EngineConfig,
        plugins: Vec<Arc<dyn Plugin>>,
    ) -> Result<Self, ProviderBuildError> {
        Self::build(config, plugins, None)
    }

    /// Like [`Bifrost::new`], with a factory that supplies provider implementations of your own
    /// (for providers the registry does not know, or to replace a built-in one).
    pub fn with_provider_factory(
        config: EngineConfig,
        plugins: Vec<Arc<dyn Plugin>>,
        factory: ProviderFactory,
    ) -> Result<Self, ProviderBuildError> {
        Self::build(config, plugins, Some(factory))
    }

    fn build(
        config: EngineConfig,
        plugins: Vec<Arc<dyn Plugin>>,
        factory: Option<ProviderFactory>,
    ) -> Result<Self, ProviderBuildError> {
        let plugins: Arc<[Arc<dyn Plugin>]> = plugins.into();
        let snapshot = Snapshot::build(&config, plugins.clone(), None, factory.as_ref())?;
        Ok(Self {
            snapshot: ArcSwap::from_pointee(snapshot),
            config: Mutex::new((config, plugins)),
            factory,
        })
    }

    /// The current configuration snapshot.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.snapshot.load_full()
    }

    /// Notices from the last configuration build (skipped keys, unsupported providers).
    pub fn notices(&self) -> Vec<BuildNotice> {
        self.snapshot.load().notices.clone()
    }

    /// The engine configuration currently applied.
    pub fn config(&self) -> EngineConfig {
        self.lock_config().0.clone()
    }

    fn lock_config(&self) -> std::sync::MutexGuard<'_, Applied> {
        // A poisoned lock only means a panic happened while building; the data is still valid.
        self.config.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Applies a new configuration: requests in flight finish on the old snapshot, new requests
    /// use the new one. Providers whose configuration did not change keep their state.
    pub fn update_config(&self, config: EngineConfig) -> Result<(), ProviderBuildError> {
        let mut guard = self.lock_config();
        let previous = self.snapshot.load_full();
        let snapshot = Snapshot::build(
            &config,
            guard.1.clone(),
            Some(&previous),
            self.factory.as_ref(),
        )?;
        self.snapshot.store(Arc::new(snapshot));
        guard.0 = config;
        Ok(())
    }

    /// Replaces the plugin list.
    pub fn set_plugins(&self, plugins: Vec<Arc<dyn Plugin>>) -> Result<(), ProviderBuildError> {
        let mut guard = self.lock_config();
        let plugins: Arc<[Arc<dyn Plugin>]> = plugins.into();
        let previous = self.snapshot.load_full();
        let snapshot = Snapshot::build(
            &guard.0,
            plugins.clone(),
            Some(&previous),
            self.factory.as_ref(),
        )?;
        self.snapshot.store(Arc::new(snapshot));
        guard.1 = plugins;
        Ok(())
    }

    /// Calls every plugin's `cleanup`.
    pub async fn shutdown(&self) {
        let plugins = self.snapshot.load().plugins.clone();
        for p in plugins.iter() {
            p.cleanup().await;
        }
    }

    /// Builds a [`Request`] from a typed body: parses `provider/model` and the body's `fallbacks`.
    pub fn request(&self, body: RequestBody) -> Result<Request, BifrostError> {
        self.request_with_default(body, None)
    }

    /// Like [`Bifrost::request`], with the provider a bare model name (no `provider/` prefix)
    /// goes to, as the drop-in routes do (`/anthropic` defaults to `anthropic`, ...).
    pub fn request_with_default(
        &self,
        mut body: RequestBody,
        default_provider: Option<&str>,
    ) -> Result<Request, BifrostError> {
        let snapshot = self.snapshot.load();
        let (target, mut fallbacks) =
            model_ref::parse_model_with_default(&snapshot, body.model(), default_provider)?;
        for entry in body.take_fallbacks() {
            if let Some(f) = model_ref::parse_fallback(&snapshot, &entry) {
                fallbacks.push(f);
            } else {
                tracing::debug!(fallback = %entry, "ignoring malformed fallback");
            }
        }
        body.set_model(&target.model);
        Ok(Request {
            provider: target.provider,
            model: target.model,
            fallbacks,
            body,
        })
    }

    /// Chat completion with a fresh context.
    pub async fn chat(&self, request: ChatRequest) -> Result<ChatResponse, BifrostError> {
        let mut ctx = RequestContext {
            model_requested: request.model.clone(),
            ..RequestContext::default()
        };
        let req = self.request(RequestBody::Chat(Box::new(request)))?;
        match self.execute(&mut ctx, req).await? {
            Response::Chat(r) => Ok(*r),
            _ => Err(BifrostError::internal(
                "unexpected response type for a chat request",
            )),
        }
    }

    /// Streamed chat completion with a fresh context.
    pub async fn chat_stream(
        &self,
        mut request: ChatRequest,
    ) -> Result<ResponseStream, BifrostError> {
        request.stream = Some(true);
        let ctx = RequestContext {
            model_requested: request.model.clone(),
            ..RequestContext::default()
        };
        let req = self.request(RequestBody::Chat(Box::new(request)))?;
        self.execute_stream(ctx, req).await
    }

    /// Text completion with a fresh context.
    pub async fn text_completion(
        &self,
        request: TextCompletionRequest,
    ) -> Result<TextCompletionResponse, BifrostError> {
        let mut ctx = RequestContext {
            model_requested: request.model.clone(),
            ..RequestContext::default()
        };
        let req = self.request(RequestBody::TextCompletion(Box::new(request)))?;
        match self.execute(&mut ctx, req).await? {
            Response::TextCompletion(r) => Ok(*r),
            _ => Err(BifrostError::internal(
                "unexpected response type for a text completion",
            )),
        }
    }

    /// Embeddings with a fresh context.
    pub async fn embedding(
        &self,
        request: EmbeddingRequest,
    ) -> Result<EmbeddingResponse, BifrostError> {
        let mut ctx = RequestContext {
            model_requested: request.model.clone(),
            ..RequestContext::default()
        };
        let req = self.request(RequestBody::Embedding(Box::new(request)))?;
        match self.execute(&mut ctx, req).await? {
            Response::Embedding(r) => Ok(*r),
            _ => Err(BifrostError::internal(
                "unexpected response type for embeddings",
            )),
        }
    }

    /// OpenAI Responses API request with a fresh context (native for providers that serve it,
    /// over chat completions for the others).
    pub async fn responses(
        &self,
        mut request: ResponsesRequest,
    ) -> Result<ResponsesResponse, BifrostError> {
        request.stream = None;
        let mut ctx = RequestContext {
            model_requested: request.model.clone(),
            ..RequestContext::default()
        };
        let req = self.request(RequestBody::Responses(Box::new(request)))?;
        match self.execute(&mut ctx, req).await? {
            Response::Responses(r) => Ok(*r),
            _ => Err(BifrostError::internal(
                "unexpected response type for a responses request",
            )),
        }
    }

    /// Streamed Responses API request with a fresh context: yields Responses events.
    pub async fn responses_stream(
        &self,
        mut request: ResponsesRequest,
    ) -> Result<ResponseStream, BifrostError> {
        request.stream = Some(true);
        let ctx = RequestContext {
            model_requested: request.model.clone(),
            ..RequestContext::default()
        };
        let req = self.request(RequestBody::Responses(Box::new(request)))?;
        self.execute_stream(ctx, req).await
    }

    /// Runs a non-streamed request through plugins, dispatch and fallbacks.
    pub async fn execute(
        &self,
        ctx: &mut RequestContext,
        req: Request,
    ) -> Result<Response, BifrostError> {
        if req.is_stream() {
            return Err(BifrostError::invalid_request(
                "a streamed request must go through execute_stream",
            ));
        }
        // Boxed, like every large future on this path: callers' futures stay small, so the
        // transport's layers move a pointer instead of the engine's whole state.
        match Box::pin(self.run(ctx, req)).await? {
            Answer::Response(r) => Ok(r),
            Answer::Stream { .. } => Err(BifrostError::internal("unexpected stream")),
        }
    }

    /// Runs a streamed request. Returns once the first chunk arrived (so that failures before
    /// it could still retry and fall back); later failures end the stream with an error item.
    pub async fn execute_stream(
        &self,
        mut ctx: RequestContext,
        req: Request,
    ) -> Result<ResponseStream, BifrostError> {
        let request_type = req.request_type();
        match Box::pin(self.run(&mut ctx, req)).await? {
            Answer::Stream {
                first,
                rest,
                ran,
                provider,
                model,
                idle_timeout,
            } => {
                let plugins = self.snapshot.load().plugins.clone();
                Ok(pipeline(StreamSetup {
                    first,
                    upstream: rest,
                    ctx,
                    plugins,
                    ran,
                    provider,
                    model,
                    request_type,
                    idle_timeout,
                }))
            }
            Answer::Response(_) => Err(BifrostError::internal("unexpected non-stream answer")),
        }
    }

    /// Lists models: of one provider, or of every serving provider merged (ids are
    /// `provider/model`). With no provider, a provider that fails is left out.
    pub async fn list_models(
        &self,
        ctx: &mut RequestContext,
        provider: Option<&str>,
    ) -> Result<ListModelsResponse, BifrostError> {
        let snapshot = self.snapshot.load_full();
        let names: Vec<String> = match provider {
            Some(p) => vec![p.to_owned()],
            None => snapshot
                .provider_names()
                .into_iter()
                .map(str::to_owned)
                .collect(),
        };
        if let Some(p) = provider
            && snapshot.provider(p).is_none()
        {
            return Err(self.missing_provider(&snapshot, p));
        }
        let request_id = ctx.request_id.clone();
        let calls = names.iter().map(|name| {
            let snapshot = snapshot.clone();
            let request_id = request_id.clone();
            async move {
                let Some(state) = snapshot.provider(name) else {
                    return Err(BifrostError::internal("provider vanished"));
                };
                if !state.provider.supports(RequestType::ListModels) {
                    return Ok(ListModelsResponse::default());
                }
                let mut ctx = RequestContext::new(request_id);
                let mut req = ListModelsRequest::default();
                let mut resp = with_retries(
                    state,
                    &mut ctx,
                    keys::ANY_MODEL,
                    &mut req,
                    calls::list_models,
                )
                .await?;
                for m in &mut resp.data {
                    if !m.id.starts_with(&format!("{name}/")) {
                        m.id = format!("{name}/{}", m.id);
                    }
                }
                Ok(resp)
            }
        });
        let results = futures::future::join_all(calls).await;
        let mut merged = ListModelsResponse {
            object: "list".to_owned(),
            ..ListModelsResponse::default()
        };
        for (name, result) in names.iter().zip(results) {
            match result {
                Ok(r) => merged.data.extend(r.data),
                Err(e) if provider.is_some() => {
                    return Err(e.with_context(name, "", RequestType::ListModels));
                }
                Err(e) => {
                    tracing::warn!(request_id = %ctx.request_id, provider = %name, error = %e, "listing models failed")
                }
            }
        }
        merged.extra_fields = Some(ExtraFields {
            provider: provider.unwrap_or_default().to_owned(),
            request_type: Some(RequestType::ListModels),
            latency: Some(ctx.started_at.elapsed().as_millis() as u64),
            ..ExtraFields::default()
        });
        Ok(merged)
    }

    fn missing_provider(&self, snapshot: &Snapshot, name: &str) -> BifrostError {
        if let Some(reason) = snapshot.unavailable.get(name) {
            return BifrostError::new(ErrorKind::ProviderNotSupported, reason.clone())
                .with_code("provider_not_supported");
        }
        let configured = snapshot.provider_names();
        let hint = if configured.is_empty() {
            "no provider is configured yet: add one to config.json under \"providers\"".to_owned()
        } else {
            format!("configured providers: {}", configured.join(", "))
        };
        BifrostError::new(
            ErrorKind::ProviderNotConfigured,
            format!("provider {name:?} is not configured ({hint})"),
        )
        .with_code("provider_not_configured")
    }

    /// The primary target, then each fallback, until one succeeds.
    async fn run(
        &self,
        ctx: &mut RequestContext,
        mut req: Request,
    ) -> Result<Answer, BifrostError> {
        let snapshot = self.snapshot.load_full();
        let request_type = req.request_type();
        if ctx.model_requested.is_empty() {
            ctx.model_requested = format!("{}/{}", req.provider, req.model);
        }
        let fallbacks = std::mem::take(&mut req.fallbacks);
        let original = (!fallbacks.is_empty()).then(|| req.clone());
        let primary = ModelRef {
            provider: req.provider.clone(),
            model: req.model.clone(),
        };
        // Boxed: the target future is large, and keeping it out of line keeps every caller's
        // future small (futures are moved by value, so their size is copied on each move).
        let mut result = Box::pin(self.run_target(&snapshot, ctx, req)).await;
        let mut primary_error = match result {
            Ok(answer) => return Ok(answer),
            Err(e) => e,
        };
        primary_error.set_context(&primary.provider, &ctx.model_requested, request_type);
        if !primary_error.allow_fallbacks() {
            return Err(primary_error);
        }
        for (i, target) in fallbacks.iter().enumerate() {
            if snapshot.provider(&target.provider).is_none() {
                tracing::warn!(request_id = %ctx.request_id, fallback = %target, "skipping fallback: provider not configured");
                continue;
            }
            let Some(base) = original.as_ref() else { break };
            let mut attempt = base.clone();
            attempt.provider.clone_from(&target.provider);
            attempt.model.clone_from(&target.model);
            attempt.body.set_model(&target.model);
            ctx.fallback_index = i + 1;
            tracing::debug!(fallback = %target, index = i + 1, "trying fallback");
            result = Box::pin(self.run_target(&snapshot, ctx, attempt)).await;
            match result {
                Ok(answer) => return Ok(answer),
                Err(mut e) => {
                    if !e.allow_fallbacks() || e.kind() == ErrorKind::Cancelled {
                        e.set_context(&target.provider, &ctx.model_requested, request_type);
                        return Err(e);
                    }
                }
            }
        }
        Err(primary_error)
    }

    /// One target: pre-hooks, dispatch (unless short-circuited), post-hooks.
    async fn run_target(
        &self,
        snapshot: &Arc<Snapshot>,
        ctx: &mut RequestContext,
        mut req: Request,
    ) -> Result<Answer, BifrostError> {
        let plugins = snapshot.plugins.clone();
        let request_type = req.request_type();
        let stream = req.is_stream();
        let mut ran = 0;
        let mut short = None;
        for p in plugins.iter() {
            ran += 1;
            let clock = ctx.hook_clock();
            let outcome = p.pre_hook(ctx, &mut req).await;
            ctx.record_hook(p.name(), HookPhase::Pre, clock);
            match outcome {
                Ok(PreHookOutcome::Continue) => {}
                Ok(PreHookOutcome::ShortCircuit(s)) => {
                    short = Some(s);
                    break;
                }
                Err(e) => {
                    tracing::warn!(request_id = %ctx.request_id, plugin = p.name(), error = %e, "plugin pre-hook failed")
                }
            }
        }
        let provider_name = req.provider.clone();
        let result: Result<Answer, BifrostError> = match short {
            Some(ShortCircuit::Response(r)) if stream => Ok(Answer::Stream {
                first: None,
                rest: stream_from_response(r),
                ran,
                provider: provider_name.clone(),
                model: req.model.clone(),
                idle_timeout: std::time::Duration::from_secs(60),
            }),
            Some(ShortCircuit::Response(r)) => Ok(Answer::Response(r)),
            Some(ShortCircuit::Stream(s)) if stream => Ok(Answer::Stream {
                first: None,
                rest: s,
                ran,
                provider: provider_name.clone(),
                model: req.model.clone(),
                idle_timeout: std::time::Duration::from_secs(60),
            }),
            Some(ShortCircuit::Stream(_)) => Err(BifrostError::internal(
                "a plugin answered a non-streamed request with a stream",
            )),
            Some(ShortCircuit::Error(e)) => Err(e),
            None => match snapshot.provider(&req.provider) {
                None => Err(self.missing_provider(snapshot, &req.provider)),
                Some(state) => Box::pin(self.dispatch(state, ctx, &mut req, ran)).await,
            },
        };
        let served_model = req.model.clone();
        match result {
            Ok(answer @ Answer::Stream { .. }) => Ok(answer),
            Ok(Answer::Response(r)) => {
                let mut outcome = Outcome::Response(r);
                run_post_hooks(&plugins[..ran], ctx, &mut outcome).await;
                self.finish(ctx, outcome, &provider_name, request_type)
            }
            Err(e) => {
                let mut outcome = Outcome::Error(e);
                run_post_hooks(&plugins[..ran], ctx, &mut outcome).await;
                if stream && let Outcome::Response(r) = outcome {
                    // A plugin recovered a failed stream with a complete response: stream it.
                    return Ok(Answer::Stream {
                        first: None,
                        rest: stream_from_response(r),
                        ran,
                        provider: provider_name,
                        model: served_model,
                        idle_timeout: std::time::Duration::from_secs(60),
                    });
                }
                self.finish(ctx, outcome, &provider_name, request_type)
            }
        }
    }

    fn finish(
        &self,
        ctx: &RequestContext,
        outcome: Outcome,
        provider: &str,
        request_type: RequestType,
    ) -> Result<Answer, BifrostError> {
        match outcome {
            Outcome::Response(mut r) => {
                let slot = r.extra_fields_mut();
                let fields = slot.get_or_insert_with(ExtraFields::default);
                fields.provider = provider.to_owned();
                fields.request_type = Some(request_type);
                fields.model_requested.clone_from(&ctx.model_requested);
                fields.latency = Some(ctx.started_at.elapsed().as_millis() as u64);
                fields.fallback_index = Some(ctx.fallback_index);
                Ok(Answer::Response(r))
            }
            Outcome::Error(mut e) => {
                e.set_context(provider, &ctx.model_requested, request_type);
                Err(e)
            }
            Outcome::StreamEnded(_) => Err(BifrostError::internal("unexpected stream outcome")),
        }
    }

    async fn dispatch(
        &self,
        state: &ProviderState,
        ctx: &mut RequestContext,
        req: &mut Request,
        ran: usize,
    ) -> Result<Answer, BifrostError> {
        let provider = state.provider.clone();
        let rt = req.request_type();
        if !serves(&*provider, rt) {
            return Err(crate::provider::unsupported(rt, &state.name));
        }
        let model = req.model.clone();
        let name = state.name.to_string();
        let into_stream = |p: PeekedStream| Answer::Stream {
            first: Some(p.first),
            rest: p.rest,
            ran,
            provider: name.clone(),
            model: model.clone(),
            idle_timeout: state.stream_idle_timeout,
        };
        match &mut req.body {
            RequestBody::Chat(body) if body.is_stream() => {
                let peeked =
                    with_retries(state, ctx, &model, &mut **body, calls::chat_stream).await?;
                Ok(into_stream(peeked))
            }
            RequestBody::Chat(body) => {
                let r = with_retries(state, ctx, &model, &mut **body, calls::chat).await?;
                Ok(Answer::Response(Response::Chat(Box::new(r))))
            }
            RequestBody::TextCompletion(body) if body.is_stream() => {
                let peeked =
                    with_retries(state, ctx, &model, &mut **body, calls::text_stream).await?;
                Ok(into_stream(peeked))
            }
            RequestBody::TextCompletion(body) => {
                let r = with_retries(state, ctx, &model, &mut **body, calls::text).await?;
                Ok(Answer::Response(Response::TextCompletion(Box::new(r))))
            }
            RequestBody::Responses(body) if body.is_stream() => {
                let peeked =
                    with_retries(state, ctx, &model, &mut **body, calls::responses_stream).await?;
                Ok(into_stream(peeked))
            }
            RequestBody::Responses(body) => {
                let r = with_retries(state, ctx, &model, &mut **body, calls::responses).await?;
                Ok(Answer::Response(Response::Responses(Box::new(r))))
            }
            RequestBody::Embedding(body) => {
                let r = with_retries(state, ctx, &model, &mut **body, calls::embedding).await?;
                Ok(Answer::Response(Response::Embedding(Box::new(r))))
            }
            RequestBody::CountTokens(body) => {
                let r = with_retries(state, ctx, &model, &mut **body, calls::count_tokens).await?;
                Ok(Answer::Response(Response::CountTokens(Box::new(r))))
            }
            RequestBody::Rerank(body) => {
                let r = with_retries(state, ctx, &model, &mut **body, calls::rerank).await?;
                Ok(Answer::Response(Response::Rerank(Box::new(r))))
            }
            RequestBody::Passthrough(body) if body.stream => {
                let peeked =
                    with_retries(state, ctx, &model, &mut **body, calls::passthrough_stream)
                        .await?;
                Ok(into_stream(peeked))
            }
            RequestBody::Passthrough(body) => {
                let r = with_retries(state, ctx, &model, &mut **body, calls::passthrough).await?;
                Ok(Answer::Response(Response::Passthrough(Box::new(r))))
            }
            RequestBody::ListModels(body) => {
                let r = with_retries(state, ctx, &model, body, calls::list_models).await?;
                Ok(Answer::Response(Response::ListModels(Box::new(r))))
            }
        }
    }
}

/// Whether `provider` can serve `rt`. The Responses API is served over chat completions by
/// default, so a provider that chats serves it too (unless its own `responses` refuses).
fn serves(provider: &dyn crate::provider::Provider, rt: RequestType) -> bool {
    provider.supports(rt)
        || match rt {
            RequestType::Responses => provider.supports(RequestType::ChatCompletion),
            RequestType::ResponsesStream => provider.supports(RequestType::ChatCompletionStream),
            _ => false,
        }
}

async fn run_post_hooks(
    plugins: &[Arc<dyn Plugin>],
    ctx: &mut RequestContext,
    outcome: &mut Outcome,
) {
    for p in plugins.iter().rev() {
        let clock = ctx.hook_clock();
        let result = p.post_hook(ctx, outcome).await;
        ctx.record_hook(p.name(), HookPhase::Post, clock);
        if let Err(e) = result {
            tracing::warn!(request_id = %ctx.request_id, plugin = p.name(), error = %e, "plugin post-hook failed");
        }
    }
}
