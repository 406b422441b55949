//! [`LoggingPlugin`]: builds one log row per request target and hands it to the logger.
//!
//! * `pre_hook`: a `processing` row with the request's identity (id, provider, model, request
//!   type, stream flag, arrival time) and, unless content logging is off, its input.
//! * `stream_chunk_hook`: the streamed answer is assembled (content logging only).
//! * `post_hook`: the same row, finished: status, latency, tokens, cost when the provider reports
//!   it, the key that served it (id and name, never the key), retries, stop reason, error
//!   details and output.
//!
//! A fallback is logged as a row of its own, `<request id>-fallback-<n>`, whose
//! `parent_request_id` is the request's id. Hooks only queue; they never wait on the database.

use std::time::Instant;

use async_trait::async_trait;
use bifrost_core::schemas::{Request, StreamChunk, Usage};
use bifrost_core::{ChunkAction, Outcome, Plugin, PluginError, PreHookOutcome, RequestContext};
use bifrost_framework::{LogEntry, LogStatus, log_store::TokenUsage};
use chrono::Utc;
use serde_json::{Map, Value, json};

use crate::PLUGIN_NAME;
use crate::content::{StreamedOutput, input_of, output_of, stop_reason_of};
use crate::logger::RequestLogger;

/// The logging plugin. Make one with [`RequestLogger::plugin`].
#[derive(Debug, Clone)]
pub struct LoggingPlugin {
    logger: RequestLogger,
}

/// The target being logged.
#[derive(Debug)]
struct Target {
    /// The row so far; `None` once finished.
    entry: Option<LogEntry>,
    started: Instant,
    attempts_start: usize,
    /// `Some` for streams whose content is logged.
    streamed: Option<StreamedOutput>,
    /// Set while the row is unfinished: dropping the request before its post-hook ran (the
    /// caller went away) finishes the row as an error instead of leaving it `processing`.
    guard: Option<RequestLogger>,
}

impl Clone for Target {
    /// `ctx.values` requires `Clone`; a copy is detached and never finishes the row on drop.
    fn clone(&self) -> Self {
        Self {
            entry: self.entry.clone(),
            started: self.started,
            attempts_start: self.attempts_start,
            streamed: self.streamed.clone(),
            guard: None,
        }
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        if let (Some(logger), Some(mut entry)) = (self.guard.take(), self.entry.take()) {
            entry.status = LogStatus::Error;
            entry.latency_ms = Some(self.started.elapsed().as_secs_f64() * 1000.0);
            entry.error_details = Some(cancelled());
            logger.submit(entry);
        }
    }
}

fn cancelled() -> Value {
    json!({"error": {"message": "the caller went away before the request finished", "type": "cancelled"}})
}

/// Per-request state in `ctx.values`.
#[derive(Debug, Clone, Default)]
struct LogState {
    target: Option<Target>,
}

impl LoggingPlugin {
    pub(crate) fn new(logger: RequestLogger) -> Self {
        Self { logger }
    }

    /// The logger this plugin feeds.
    pub fn logger(&self) -> &RequestLogger {
        &self.logger
    }

    fn content(&self) -> bool {
        !self.logger.config().disable_content_logging
    }

    fn metadata(&self, ctx: &RequestContext) -> Option<Value> {
        let mut map = Map::new();
        for name in self.logger.headers() {
            if let Some(v) = ctx.headers.get(name.as_str()).and_then(|v| v.to_str().ok()) {
                map.insert(name.clone(), Value::String(v.to_owned()));
            }
        }
        (!map.is_empty()).then_some(Value::Object(map))
    }
}

fn token_usage(usage: &Usage) -> TokenUsage {
    let total = if usage.total_tokens > 0 {
        usage.total_tokens
    } else {
        usage.prompt_tokens + usage.completion_tokens
    };
    TokenUsage {
        prompt_tokens: usage.prompt_tokens,
        completion_tokens: usage.completion_tokens,
        total_tokens: total,
        cached_tokens: usage.cached_tokens(),
        reasoning_tokens: usage.reasoning_tokens(),
    }
}

/// Cost in dollars when the provider reports it in the usage (`usage.cost`, as OpenRouter does).
fn reported_cost(usage: &Usage) -> Option<f64> {
    usage
        .extra
        .get("cost")
        .and_then(Value::as_f64)
        .filter(|c| c.is_finite())
}

fn error_json(err: &bifrost_core::BifrostError) -> Value {
    serde_json::to_value(err).unwrap_or_else(|_| json!({"error": {"message": err.message()}}))
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_owned())
}

#[async_trait]
impl Plugin for LoggingPlugin {
    fn name(&self) -> &str {
        PLUGIN_NAME
    }

    async fn pre_hook(
        &self,
        ctx: &mut RequestContext,
        req: &mut Request,
    ) -> Result<PreHookOutcome, PluginError> {
        let (id, parent) = match ctx.fallback_index {
            0 => (ctx.request_id.clone(), None),
            n => (
                format!("{}-fallback-{n}", ctx.request_id),
                Some(ctx.request_id.clone()),
            ),
        };
        let mut entry = LogEntry::new(
            id,
            Utc::now(),
            req.request_type().as_str(),
            req.provider.as_str(),
            req.model.as_str(),
            LogStatus::Processing,
        );
        entry.parent_request_id = parent;
        entry.fallback_index = u32::try_from(ctx.fallback_index).unwrap_or(u32::MAX);
        entry.stream = req.is_stream();
        entry.metadata = self.metadata(ctx);
        let content = self.content();
        if content {
            entry.input = input_of(&req.body);
        }
        self.logger.submit(entry.clone());
        let target = Target {
            streamed: (content && entry.stream).then(StreamedOutput::default),
            entry: Some(entry),
            started: Instant::now(),
            attempts_start: ctx.attempts.len(),
            guard: Some(self.logger.clone()),
        };
        match ctx.values.get_mut::<LogState>() {
            Some(state) => state.target = Some(target),
            None => {
                ctx.values.insert(LogState {
                    target: Some(target),
                });
            }
        }
        Ok(PreHookOutcome::Continue)
    }

    fn stream_chunk_hook(&self, ctx: &mut RequestContext, chunk: &mut StreamChunk) -> ChunkAction {
        if let Some(out) = ctx
            .values
            .get_mut::<LogState>()
            .and_then(|s| s.target.as_mut())
            .and_then(|t| t.streamed.as_mut())
        {
            out.push(chunk);
        }
        ChunkAction::Forward
    }

    async fn post_hook(
        &self,
        ctx: &mut RequestContext,
        outcome: &mut Outcome,
    ) -> Result<(), PluginError> {
        let Some(mut target) = ctx
            .values
            .get_mut::<LogState>()
            .and_then(|s| s.target.take())
        else {
            return Ok(());
        };
        target.guard = None;
        let Some(mut entry) = target.entry.take() else {
            return Ok(());
        };
        let (started, attempts_start) = (target.started, target.attempts_start);
        let streamed = target.streamed.take();
        entry.latency_ms = Some(started.elapsed().as_secs_f64() * 1000.0);
        entry.number_of_retries = ctx.retries;
        if let Some(last) = ctx.attempts.get(attempts_start..).and_then(|a| a.last()) {
            entry.selected_key_id = non_empty(&last.key_id);
            entry.selected_key_name = non_empty(&last.key_name);
        }
        let content = self.content();
        let usage = match outcome {
            Outcome::Response(r) => {
                entry.status = LogStatus::Success;
                entry.stop_reason = stop_reason_of(r);
                if content {
                    entry.output = output_of(r);
                }
                r.usage()
            }
            Outcome::Error(e) => {
                entry.status = LogStatus::Error;
                entry.error_details = Some(error_json(e));
                None
            }
            Outcome::StreamEnded(s) => {
                entry.stop_reason = s.finish_reason.clone();
                if let Some(e) = &s.error {
                    entry.status = LogStatus::Error;
                    entry.error_details = Some(error_json(e));
                } else if s.cancelled {
                    entry.status = LogStatus::Error;
                    entry.error_details = Some(cancelled());
                } else {
                    entry.status = LogStatus::Success;
                }
                if let Some(out) = streamed {
                    entry.output = out.into_value();
                }
                s.usage.as_ref()
            }
        };
        if let Some(u) = usage {
            entry.token_usage = token_usage(u);
            entry.cost = reported_cost(u);
        }
        self.logger.submit(entry);
        Ok(())
    }

    async fn cleanup(&self) {
        self.logger.shutdown().await;
    }
}
