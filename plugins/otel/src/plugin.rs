//! The [`Plugin`] that turns each request into a trace.
//!
//! ```text
//! chat gpt-4o-mini                 SERVER  root: arrival -> end of the response (or stream)
//! ├─ chat gpt-4o-mini              CLIENT  one per upstream attempt (retries, fallbacks)
//! ├─ mocker.pre_hook               INTERNAL one per plugin hook that ran after this plugin
//! └─ stream                        INTERNAL first chunk -> end of stream, event gen_ai.first_token
//! ```
//!
//! The root span starts at the request's arrival (`ctx.started_at`), continues the caller's W3C
//! `traceparent` when there is one, and ends when the request's context is dropped. Its context
//! is sent upstream as `traceparent` (added to `ctx.extra_headers`), so the provider's spans join
//! the same trace as children of the gateway's span. The engine reports attempts and hook timings
//! after the fact, so their spans are built in the post-hook with explicit start and end times.
//! Spans are handed to a batch processor and exported by a background task, off the request path.

use std::time::{Duration, Instant, SystemTime};

use async_trait::async_trait;
use bifrost_core::plugin::StreamSummary;
use bifrost_core::schemas::{Request, StreamChunk};
use bifrost_core::{
    Attempt, BifrostError, ChunkAction, HookTiming, Outcome, Plugin, PluginError, PreHookOutcome,
    RequestContext,
};
use http::HeaderMap;
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::{
    Span as _, SpanKind, Status, TraceContextExt, Tracer as _, TracerProvider as _,
};
use opentelemetry::{Context, KeyValue};
use opentelemetry_http::{HeaderExtractor, HeaderInjector};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider, Span};
use serde_json::Value;

use crate::attrs::{self, ResponseFacts, operation, truncated};
use crate::config::{self, ConfigWarning, OtelError, Settings};
use crate::exporter;

/// Name under which the plugin is configured (`plugins[].name`).
pub const PLUGIN_NAME: &str = "otel";

/// Most `x-bf-dim-*` dimensions attached to a request span.
const MAX_DIMENSIONS: usize = 32;

/// Header names never attached to spans, whatever `request_headers` says.
const SENSITIVE: &[&str] = &[
    "authorization",
    "cookie",
    "api-key",
    "apikey",
    "token",
    "secret",
    "password",
];

/// Exports a trace per request over OTLP.
pub struct OtelPlugin {
    provider: SdkTracerProvider,
    tracer: SdkTracer,
    propagator: TraceContextPropagator,
    settings: Settings,
}

impl std::fmt::Debug for OtelPlugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OtelPlugin")
            .field("endpoint", &self.settings.endpoint)
            .field("protocol", &self.settings.protocol)
            .field("service_name", &self.settings.service_name)
            .finish()
    }
}

/// Converts monotonic instants to wall-clock times, anchored once per request.
#[derive(Debug, Clone, Copy)]
struct Clock {
    instant: Instant,
    system: SystemTime,
}

impl Clock {
    fn now() -> Self {
        Self {
            instant: Instant::now(),
            system: SystemTime::now(),
        }
    }

    fn at(&self, t: Instant) -> SystemTime {
        if t >= self.instant {
            self.system
                .checked_add(t - self.instant)
                .unwrap_or(self.system)
        } else {
            self.system
                .checked_sub(self.instant - t)
                .unwrap_or(self.system)
        }
    }
}

/// A failure, as the root span reports it.
#[derive(Debug, Clone)]
struct ErrorFacts {
    status: u16,
    message: String,
}

impl ErrorFacts {
    fn of(e: &BifrostError) -> Self {
        Self {
            status: e.status(),
            message: truncated(e.message()),
        }
    }
}

/// The trace of one request, kept in `ctx.values`.
#[derive(Debug)]
struct Trace {
    root: Span,
    parent: Context,
    clock: Clock,
    operation: &'static str,
    target_provider: String,
    target_model: String,
    target_attempts_start: usize,
    attempts_exported: usize,
    hooks_exported: usize,
    first_chunk: Option<Instant>,
    time_to_first_token: Option<Duration>,
    stream_facts: ResponseFacts,
    provider: String,
    fallback_index: usize,
    attempts: usize,
    response: Option<ResponseFacts>,
    first_error: Option<ErrorFacts>,
    failed: bool,
}

/// `ctx.values` entry. `Clone` (required by `ctx.values`) yields an empty copy, so that the
/// root span is ended exactly once.
#[derive(Debug)]
struct TraceState(Option<Box<Trace>>);

impl Clone for TraceState {
    fn clone(&self) -> Self {
        Self(None)
    }
}

impl Drop for Trace {
    fn drop(&mut self) {
        let mut list = vec![
            KeyValue::new(attrs::PROVIDER_NAME, self.provider.clone()),
            KeyValue::new(attrs::SYSTEM, self.provider.clone()),
            KeyValue::new(attrs::FALLBACK_INDEX, self.fallback_index as i64),
            KeyValue::new(attrs::ATTEMPTS, self.attempts as i64),
        ];
        if let Some(r) = &self.response {
            r.attributes(&mut list);
        }
        if let Some(t) = self.time_to_first_token {
            list.push(KeyValue::new(attrs::TIME_TO_FIRST_TOKEN, t.as_secs_f64()));
        }
        if self.failed {
            if let Some(e) = &self.first_error {
                list.push(KeyValue::new(attrs::HTTP_STATUS, i64::from(e.status)));
                list.push(KeyValue::new(attrs::ERROR_TYPE, e.status.to_string()));
                self.root.set_status(Status::error(e.message.clone()));
            }
        } else {
            self.root.set_status(Status::Ok);
        }
        self.root.set_attributes(list);
        self.root.end();
    }
}

fn is_sensitive(name: &str) -> bool {
    SENSITIVE.iter().any(|s| name.contains(s))
}

fn header_matches(pattern: &str, name: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => pattern == name,
    }
}

impl OtelPlugin {
    /// Builds the plugin from its `config` (Bifrost's shape). Must be called inside a tokio
    /// runtime. Returns the settings that were ignored.
    pub fn from_json(value: &Value) -> Result<(Self, Vec<ConfigWarning>), OtelError> {
        let (settings, warnings) = config::parse(value)?;
        Ok((Self::new(settings)?, warnings))
    }

    /// Builds the plugin from checked settings.
    pub fn new(settings: Settings) -> Result<Self, OtelError> {
        let provider = exporter::tracer_provider(&settings)?;
        let tracer = provider.tracer("bifrost");
        let mut settings = settings;
        for p in &mut settings.request_headers {
            *p = p.to_ascii_lowercase();
        }
        Ok(Self {
            provider,
            tracer,
            propagator: TraceContextPropagator::new(),
            settings,
        })
    }

    /// Exports every finished span now (waits for the export).
    pub async fn flush(&self) {
        let provider = self.provider.clone();
        let _ = tokio::task::spawn_blocking(move || provider.force_flush()).await;
    }

    fn request_attributes(&self, ctx: &RequestContext, req: &Request) -> Vec<KeyValue> {
        let rt = req.request_type();
        let mut list = vec![
            KeyValue::new(attrs::OPERATION_NAME, operation(rt)),
            KeyValue::new(attrs::REQUEST_MODEL, req.model.clone()),
            KeyValue::new(attrs::REQUEST_ID, ctx.request_id.clone()),
            KeyValue::new(attrs::MODEL_REQUESTED, truncated(&ctx.model_requested)),
            KeyValue::new(attrs::STREAM, req.is_stream()),
        ];
        list.extend(attrs::request_params(req));
        let mut dims = 0;
        for (name, value) in &ctx.headers {
            let name = name.as_str();
            let Ok(value) = value.to_str() else { continue };
            if let Some(dim) = name.strip_prefix("x-bf-dim-") {
                if dims < MAX_DIMENSIONS && !dim.is_empty() {
                    dims += 1;
                    list.push(KeyValue::new(
                        format!("{}{dim}", attrs::DIMENSION_PREFIX),
                        truncated(value),
                    ));
                }
            } else if !is_sensitive(name)
                && self
                    .settings
                    .request_headers
                    .iter()
                    .any(|p| header_matches(p, name))
            {
                list.push(KeyValue::new(
                    format!("http.request.header.{name}"),
                    truncated(value),
                ));
            }
        }
        list
    }

    fn attempt_span(&self, trace: &Trace, a: &Attempt, number: usize, fallback_index: usize) {
        let mut list = vec![
            KeyValue::new(attrs::OPERATION_NAME, trace.operation),
            KeyValue::new(attrs::PROVIDER_NAME, a.provider.to_string()),
            KeyValue::new(attrs::SYSTEM, a.provider.to_string()),
            KeyValue::new(attrs::REQUEST_MODEL, trace.target_model.clone()),
            KeyValue::new(attrs::ATTEMPT, number as i64),
            KeyValue::new(attrs::FALLBACK_INDEX, fallback_index as i64),
            KeyValue::new(attrs::KEY_ID, a.key_id.to_string()),
            KeyValue::new(attrs::KEY_NAME, a.key_name.to_string()),
        ];
        if !a.success
            && let Some(status) = a.status
        {
            list.push(KeyValue::new(attrs::HTTP_STATUS, i64::from(status)));
            list.push(KeyValue::new(attrs::ERROR_TYPE, status.to_string()));
        }
        let mut span = self
            .tracer
            .span_builder(format!("{} {}", trace.operation, trace.target_model))
            .with_kind(SpanKind::Client)
            .with_start_time(trace.clock.at(a.started_at))
            .with_attributes(list)
            .start_with_context(&self.tracer, &trace.parent);
        if a.success {
            span.set_status(Status::Ok);
        } else {
            let message = match a.status {
                Some(s) => format!("upstream attempt failed with status {s}"),
                None => "upstream attempt failed".to_owned(),
            };
            span.set_status(Status::error(message));
        }
        span.end_with_timestamp(trace.clock.at(a.started_at + a.latency));
    }

    fn hook_span(&self, trace: &Trace, t: &HookTiming) {
        let mut span = self
            .tracer
            .span_builder(format!("{}.{}", t.plugin, t.phase.as_str()))
            .with_kind(SpanKind::Internal)
            .with_start_time(trace.clock.at(t.started_at))
            .with_attributes([
                KeyValue::new(attrs::PLUGIN_NAME, t.plugin.clone()),
                KeyValue::new(attrs::PLUGIN_HOOK, t.phase.as_str()),
                KeyValue::new(attrs::FALLBACK_INDEX, t.fallback_index as i64),
            ])
            .start_with_context(&self.tracer, &trace.parent);
        span.end_with_timestamp(trace.clock.at(t.started_at + t.duration));
    }

    fn stream_span(&self, trace: &Trace, summary: &StreamSummary, now: Instant) {
        let Some(first) = trace.first_chunk else {
            return;
        };
        let mut list = vec![KeyValue::new(
            attrs::STREAM_CHUNKS,
            attrs::saturating_i64(summary.chunks),
        )];
        if let Some(t) = trace.time_to_first_token {
            list.push(KeyValue::new(attrs::TIME_TO_FIRST_TOKEN, t.as_secs_f64()));
        }
        let mut span = self
            .tracer
            .span_builder("stream")
            .with_kind(SpanKind::Internal)
            .with_start_time(trace.clock.at(first))
            .with_attributes(list)
            .start_with_context(&self.tracer, &trace.parent);
        span.add_event_with_timestamp("gen_ai.first_token", trace.clock.at(first), Vec::new());
        match &summary.error {
            Some(e) => span.set_status(Status::error(truncated(e.message()))),
            None => span.set_status(Status::Ok),
        }
        span.end_with_timestamp(trace.clock.at(now));
    }
}

impl Drop for OtelPlugin {
    /// Flushes and stops the exporter. Shutting down blocks until the export task answers, so it
    /// runs on a blocking thread when a runtime is around (never on a runtime worker, where it
    /// could wait for a task that needs that very worker).
    fn drop(&mut self) {
        let provider = self.provider.clone();
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => {
                handle.spawn_blocking(move || {
                    let _ = provider.shutdown();
                });
            }
            Err(_) => {
                let _ = provider.shutdown();
            }
        }
    }
}

#[async_trait]
impl Plugin for OtelPlugin {
    fn name(&self) -> &str {
        PLUGIN_NAME
    }

    async fn pre_hook(
        &self,
        ctx: &mut RequestContext,
        req: &mut Request,
    ) -> Result<PreHookOutcome, PluginError> {
        let attempts = ctx.attempts.len();
        if let Some(trace) = ctx
            .values
            .get_mut::<TraceState>()
            .and_then(|s| s.0.as_deref_mut())
        {
            // A fallback target of a request already traced.
            trace.target_provider.clone_from(&req.provider);
            trace.target_model.clone_from(&req.model);
            trace.target_attempts_start = attempts;
            return Ok(PreHookOutcome::Continue);
        }
        let clock = Clock::now();
        let caller = self.propagator.extract(&HeaderExtractor(&ctx.headers));
        let op = operation(req.request_type());
        let root = self
            .tracer
            .span_builder(format!("{op} {}", req.model))
            .with_kind(SpanKind::Server)
            .with_start_time(clock.at(ctx.started_at))
            .with_attributes(self.request_attributes(ctx, req))
            .start_with_context(&self.tracer, &caller);
        let parent = Context::new().with_remote_span_context(root.span_context().clone());
        let mut carrier = HeaderMap::new();
        self.propagator
            .inject_context(&parent, &mut HeaderInjector(&mut carrier));
        for (name, value) in &carrier {
            ctx.extra_headers.retain(|(n, _)| n != name);
            ctx.extra_headers.push((name.clone(), value.clone()));
        }
        if root.is_recording() {
            ctx.hook_timings.get_or_insert_with(Vec::new);
        }
        ctx.values.insert(TraceState(Some(Box::new(Trace {
            root,
            parent,
            clock,
            operation: op,
            target_provider: req.provider.clone(),
            target_model: req.model.clone(),
            target_attempts_start: attempts,
            attempts_exported: attempts,
            hooks_exported: 0,
            first_chunk: None,
            time_to_first_token: None,
            stream_facts: ResponseFacts::default(),
            provider: req.provider.clone(),
            fallback_index: ctx.fallback_index,
            attempts: 0,
            response: None,
            first_error: None,
            failed: false,
        }))));
        Ok(PreHookOutcome::Continue)
    }

    async fn post_hook(
        &self,
        ctx: &mut RequestContext,
        outcome: &mut Outcome,
    ) -> Result<(), PluginError> {
        let now = Instant::now();
        let fallback_index = ctx.fallback_index;
        let Some(trace) = ctx
            .values
            .get_mut::<TraceState>()
            .and_then(|s| s.0.as_deref_mut())
        else {
            return Ok(());
        };
        if trace.root.is_recording() {
            for (i, a) in ctx
                .attempts
                .iter()
                .enumerate()
                .skip(trace.attempts_exported)
            {
                let number = i.saturating_sub(trace.target_attempts_start) + 1;
                self.attempt_span(trace, a, number, fallback_index);
            }
            if let Some(hooks) = &ctx.hook_timings {
                // This plugin's own hooks are left out: only some of them can be timed.
                for t in hooks.iter().skip(trace.hooks_exported) {
                    if t.plugin != PLUGIN_NAME {
                        self.hook_span(trace, t);
                    }
                }
                trace.hooks_exported = hooks.len();
            }
            if let Outcome::StreamEnded(summary) = outcome {
                self.stream_span(trace, summary, now);
            }
        }
        trace.attempts_exported = ctx.attempts.len();
        trace.attempts = ctx.attempts.len();
        trace.fallback_index = fallback_index;
        let served = ctx.attempts[trace.target_attempts_start.min(ctx.attempts.len())..]
            .iter()
            .rev()
            .find(|a| a.success);
        trace.provider =
            served.map_or_else(|| trace.target_provider.clone(), |a| a.provider.to_string());
        let error = match outcome {
            Outcome::Response(r) => {
                trace.response = Some(ResponseFacts::of(r));
                None
            }
            Outcome::Error(e) => Some(ErrorFacts::of(e)),
            Outcome::StreamEnded(s) => {
                let mut facts = std::mem::take(&mut trace.stream_facts);
                facts.usage = s
                    .usage
                    .as_ref()
                    .map(|u| (u.prompt_tokens, u.completion_tokens));
                facts.finish_reasons = s.finish_reason.iter().cloned().collect();
                trace.response = Some(facts);
                s.error.as_ref().map(ErrorFacts::of)
            }
        };
        match error {
            Some(e) => {
                trace.failed = true;
                if trace.first_error.is_none() {
                    trace.first_error = Some(e);
                }
            }
            None => trace.failed = false,
        }
        Ok(())
    }

    fn stream_chunk_hook(&self, ctx: &mut RequestContext, chunk: &mut StreamChunk) -> ChunkAction {
        let started_at = ctx.started_at;
        let Some(trace) = ctx
            .values
            .get_mut::<TraceState>()
            .and_then(|s| s.0.as_deref_mut())
        else {
            return ChunkAction::Forward;
        };
        if trace.first_chunk.is_none() {
            let now = Instant::now();
            trace.first_chunk = Some(now);
            trace.time_to_first_token = Some(now.saturating_duration_since(started_at));
            if let Some((model, id)) = chunk.model_and_id() {
                trace.stream_facts.model = (!model.is_empty()).then(|| model.to_owned());
                trace.stream_facts.id = (!id.is_empty()).then(|| id.to_owned());
            }
        }
        ChunkAction::Forward
    }

    async fn cleanup(&self) {
        self.flush().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_patterns_and_sensitive_names() {
        assert!(header_matches("x-tenant", "x-tenant"));
        assert!(header_matches("x-custom-*", "x-custom-a"));
        assert!(header_matches("*", "anything"));
        assert!(!header_matches("x-tenant", "x-tenant-2"));
        assert!(is_sensitive("authorization"));
        assert!(is_sensitive("x-api-key"));
        assert!(is_sensitive("x-goog-api-key"));
        assert!(is_sensitive("x-session-token"));
        assert!(!is_sensitive("x-tenant"));
    }

    #[test]
    fn clock_maps_instants_both_ways() {
        let clock = Clock::now();
        let later = clock.instant + Duration::from_millis(5);
        assert_eq!(
            clock.at(later).duration_since(clock.system).unwrap(),
            Duration::from_millis(5)
        );
        if let Some(earlier) = clock.instant.checked_sub(Duration::from_millis(5)) {
            assert_eq!(
                clock.system.duration_since(clock.at(earlier)).unwrap(),
                Duration::from_millis(5)
            );
        }
    }
}
