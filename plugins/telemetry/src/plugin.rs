//! The [`Plugin`] that records the `bifrost_*` request metrics.
//!
//! Per target (the primary, then each fallback tried):
//! * `pre_hook`: `bifrost_active_requests{method}` goes up; the provider and model are capped;
//!   the custom label values are read from the headers once per request.
//! * stream chunks: the first one observes time-to-first-token and the overhead, later ones the
//!   gap since the previous chunk.
//! * `post_hook`: active requests go down; upstream/success/error counters, latency, retries,
//!   tokens, key health and key rotations are recorded under the base labels (provider, model,
//!   method, the key that served the request, fallback index, custom labels).
//!
//! The overhead of a non-streamed request is observed once, when the request's context is
//! dropped (after the response was serialized), with the labels of the last target tried.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use bifrost_core::plugin::StreamSummary;
use bifrost_core::schemas::{Request, RequestType, StreamChunk};
use bifrost_core::{
    Attempt, BifrostError, ChunkAction, Outcome, Plugin, PluginError, PreHookOutcome,
    RequestContext,
};

use crate::classify::{error_type, fail_reason, marks_key_down};
use crate::metrics::{Base, Metrics};
use crate::series::Series;

/// Name under which the plugin is configured (`plugins[].name`).
pub const PLUGIN_NAME: &str = "telemetry";

/// Records Bifrost's request metrics into a [`Metrics`] store.
#[derive(Debug, Clone)]
pub struct TelemetryPlugin {
    metrics: Arc<Metrics>,
}

/// The target being tried.
#[derive(Debug)]
struct Target {
    request_type: RequestType,
    provider: Arc<str>,
    model: Arc<str>,
    attempts_start: usize,
    started_at: Instant,
    series: Option<Arc<Series>>,
    last_chunk: Option<Instant>,
}

/// An overhead observation waiting for the end of the request.
#[derive(Debug)]
struct PendingOverhead {
    series: Arc<Series>,
    started_at: Instant,
    upstream: Duration,
}

/// Per-request state, kept in `ctx.values`.
#[derive(Debug)]
struct RequestState {
    dims: Vec<Arc<str>>,
    target: Option<Target>,
    pending: Option<PendingOverhead>,
    overhead_done: bool,
}

impl Clone for RequestState {
    /// `ctx.values` requires `Clone`; a copy is detached and records nothing, so that an
    /// observation can never be made twice.
    fn clone(&self) -> Self {
        Self {
            dims: self.dims.clone(),
            target: None,
            pending: None,
            overhead_done: true,
        }
    }
}

impl Drop for RequestState {
    fn drop(&mut self) {
        if let Some(p) = self.pending.take() {
            let total = p.started_at.elapsed();
            p.series.overhead(micros(total.saturating_sub(p.upstream)));
        }
    }
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

impl TelemetryPlugin {
    /// A plugin recording into `metrics`.
    pub fn new(metrics: Arc<Metrics>) -> Self {
        Self { metrics }
    }

    fn resolve(
        &self,
        target: &Target,
        served: Option<&Attempt>,
        fallback_index: usize,
        dims: &[Arc<str>],
    ) -> Option<Arc<Series>> {
        let (key_id, key_name) = served.map_or(("", ""), |a| (&*a.key_id, &*a.key_name));
        let base = Base {
            provider: &target.provider,
            model: &target.model,
            method: target.request_type.method_label(),
            key_id,
            key_name,
            fallback_index,
        };
        self.metrics.series(&base, dims)
    }

    /// Key health and rotations from this target's attempts; `series` is the target's label set.
    fn record_keys(
        &self,
        target: &Target,
        attempts: &[Attempt],
        served: Option<&Attempt>,
        series: Option<&Series>,
    ) {
        for (i, a) in attempts.iter().enumerate() {
            if a.success {
                continue;
            }
            if let Some(next) = attempts.get(i + 1)
                && next.provider == a.provider
                && next.key_id != a.key_id
            {
                self.metrics.key_rotation(
                    &a.provider,
                    &target.model,
                    &a.key_id,
                    &a.key_name,
                    fail_reason(a.status),
                );
            }
            if marks_key_down(a.status) {
                self.metrics
                    .key_up(&a.provider, &a.key_id, &a.key_name, false);
            }
        }
        let Some(s) = served else {
            return;
        };
        let key_gauge = || self.metrics.key_gauge(&s.provider, &s.key_id, &s.key_name);
        // Written only when it changes: a gauge every worker reads stays in every core's cache.
        let mark_up = |g: &prometheus::IntGauge| {
            if g.get() != 1 {
                g.set(1);
            }
        };
        match series {
            // The series is labelled with the serving key: its gauge is cached there.
            Some(series) => {
                if let Some(g) = series.key_up(key_gauge) {
                    mark_up(g);
                }
            }
            None => {
                if let Some(g) = key_gauge() {
                    mark_up(&g);
                }
            }
        }
    }
}

/// What a post-hook outcome says, for metrics.
struct Facts<'a> {
    error: Option<&'a BifrostError>,
    usage: Option<&'a bifrost_core::schemas::Usage>,
}

fn facts(outcome: &Outcome) -> Facts<'_> {
    match outcome {
        Outcome::Response(r) => Facts {
            error: None,
            usage: r.usage(),
        },
        Outcome::Error(e) => Facts {
            error: Some(e),
            usage: None,
        },
        Outcome::StreamEnded(StreamSummary { error, usage, .. }) => Facts {
            error: error.as_ref(),
            usage: usage.as_ref(),
        },
    }
}

#[async_trait]
impl Plugin for TelemetryPlugin {
    fn name(&self) -> &str {
        PLUGIN_NAME
    }

    async fn pre_hook(
        &self,
        ctx: &mut RequestContext,
        req: &mut Request,
    ) -> Result<PreHookOutcome, PluginError> {
        let request_type = req.request_type();
        if let Some(g) = self.metrics.active(request_type) {
            g.inc();
        }
        let target = Target {
            request_type,
            provider: self.metrics.providers.get(&req.provider),
            model: self.metrics.models.get(&req.model),
            attempts_start: ctx.attempts.len(),
            started_at: Instant::now(),
            series: None,
            last_chunk: None,
        };
        if let Some(state) = ctx.values.get_mut::<RequestState>() {
            state.target = Some(target);
        } else {
            let dims = self.metrics.dims(&ctx.headers);
            ctx.values.insert(RequestState {
                dims,
                target: Some(target),
                pending: None,
                overhead_done: false,
            });
        }
        Ok(PreHookOutcome::Continue)
    }

    async fn post_hook(
        &self,
        ctx: &mut RequestContext,
        outcome: &mut Outcome,
    ) -> Result<(), PluginError> {
        let (retries, fallback_index) = (ctx.retries, ctx.fallback_index);
        let (started_at, upstream) = (ctx.started_at, ctx.upstream_time);
        let Some(state) = ctx.values.get_mut::<RequestState>() else {
            return Ok(());
        };
        let Some(mut target) = state.target.take() else {
            return Ok(());
        };
        if let Some(g) = self.metrics.active(target.request_type) {
            g.dec();
        }
        let attempts = ctx.attempts.get(target.attempts_start..).unwrap_or(&[]);
        let Facts { error, usage } = facts(outcome);
        let served = match error {
            None => attempts.iter().rev().find(|a| a.success),
            Some(_) => None,
        };
        let series = match (target.series.take(), error) {
            (Some(s), None) => Some(s),
            _ => self.resolve(&target, served, fallback_index, &state.dims),
        };
        self.record_keys(&target, attempts, served, series.as_deref());
        let Some(series) = series else {
            return Ok(());
        };
        series.upstream_request();
        series.retries(retries);
        series.latency(error.is_none(), target.started_at.elapsed().as_secs_f64());
        match error {
            None => {
                series.success();
                if let Some(u) = usage {
                    series.tokens(u.prompt_tokens, u.completion_tokens);
                }
            }
            Some(e) => series.error(e.status(), error_type(e)),
        }
        if !state.overhead_done {
            state.pending = Some(PendingOverhead {
                series,
                started_at,
                upstream,
            });
        }
        Ok(())
    }

    fn stream_chunk_hook(&self, ctx: &mut RequestContext, _chunk: &mut StreamChunk) -> ChunkAction {
        let now = Instant::now();
        let fallback_index = ctx.fallback_index;
        let since_start = now.saturating_duration_since(ctx.started_at);
        let upstream = ctx.upstream_time;
        let Some(state) = ctx.values.get_mut::<RequestState>() else {
            return ChunkAction::Forward;
        };
        let Some(target) = state.target.as_mut() else {
            return ChunkAction::Forward;
        };
        match target.last_chunk {
            Some(previous) => {
                if let Some(s) = &target.series {
                    s.inter_token(now.saturating_duration_since(previous).as_secs_f64());
                }
            }
            None => {
                let attempts = ctx.attempts.get(target.attempts_start..).unwrap_or(&[]);
                let served = attempts.iter().rev().find(|a| a.success);
                let series = self.resolve(target, served, fallback_index, &state.dims);
                if let Some(s) = &series {
                    s.first_token(since_start.as_secs_f64());
                    // A stream's overhead is the gateway's share of the time to first token.
                    s.overhead(micros(since_start.saturating_sub(upstream)));
                }
                target.series = series;
                state.overhead_done = true;
                state.pending = None;
            }
        }
        target.last_chunk = Some(now);
        ChunkAction::Forward
    }
}
