//! One base label set (provider, model, method, key, fallback index, custom labels) and every
//! metric child recorded under it, resolved once and then updated with plain atomic operations.
//!
//! Children are created on first use, so a label set only exports the families it was recorded in
//! (a non-streamed request exports no time-to-first-token histogram).

use std::sync::{Arc, OnceLock};

use arc_swap::ArcSwap;
use prometheus::proto::MetricFamily;
use prometheus::{Histogram, IntCounter, IntGauge};

use crate::families::{self, LabelSet, Spec};
use crate::keyed::Keyed;
use crate::shard::Shards;

type Slot<M> = OnceLock<Option<M>>;

/// An error counter child: `(status_code, error_type, counter)`.
type ErrorChild = (u16, &'static str, IntCounter);

/// The children of one base label set.
#[derive(Debug)]
pub struct Series {
    names: Arc<[String]>,
    values: Box<[Box<str>]>,
    upstream_requests: Shards<IntCounter>,
    success: Shards<IntCounter>,
    latency_ok: Shards<Histogram>,
    latency_err: Shards<Histogram>,
    retries: Shards<Histogram>,
    overhead: Shards<Histogram>,
    input_tokens: Shards<IntCounter>,
    output_tokens: Shards<IntCounter>,
    first_token: Shards<Histogram>,
    inter_token: Shards<Histogram>,
    errors: ArcSwap<Vec<ErrorChild>>,
    /// The serving key's health gauge (shared with the store's key map, exported from there).
    key_up: Slot<IntGauge>,
}

impl Keyed for Series {
    fn label_values(&self) -> &[Box<str>] {
        &self.values
    }
}

/// A three-digit status code as text, without allocating.
pub struct StatusText([u8; 3]);

impl StatusText {
    /// `status` as text (clamped to 100..=999).
    pub fn new(status: u16) -> Self {
        let s = status.clamp(100, 999);
        Self([
            b'0' + (s / 100) as u8,
            b'0' + (s / 10 % 10) as u8,
            b'0' + (s % 10) as u8,
        ])
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("000")
    }
}

impl Series {
    /// A series for these label `names` (base + custom) and `values`; no child exists yet.
    pub fn new(names: Arc<[String]>, values: Box<[Box<str>]>) -> Self {
        Self {
            names,
            values,
            upstream_requests: Shards::new(),
            success: Shards::new(),
            latency_ok: Shards::new(),
            latency_err: Shards::new(),
            retries: Shards::new(),
            overhead: Shards::new(),
            input_tokens: Shards::new(),
            output_tokens: Shards::new(),
            first_token: Shards::new(),
            inter_token: Shards::new(),
            errors: ArcSwap::from_pointee(Vec::new()),
            key_up: OnceLock::new(),
        }
    }

    /// The label values (base then custom).
    pub fn values(&self) -> &[Box<str>] {
        &self.values
    }

    fn labels<'a>(&'a self, extra: &'a [(&'a str, &'a str)]) -> LabelSet<'a> {
        LabelSet {
            names: &self.names,
            values: &self.values,
            extra,
        }
    }

    fn counter<'a>(&self, slot: &'a Shards<IntCounter>, spec: Spec) -> Option<&'a IntCounter> {
        slot.get_or_init(|| families::counter(spec, &self.labels(&[])))
    }

    fn histogram<'a>(
        &self,
        slot: &'a Shards<Histogram>,
        spec: Spec,
        buckets: &[f64],
        extra: &[(&str, &str)],
    ) -> Option<&'a Histogram> {
        slot.get_or_init(|| families::histogram(spec, buckets, &self.labels(extra)))
    }

    /// Counts one request to the upstream (one per target tried).
    pub fn upstream_request(&self) {
        if let Some(c) = self.counter(&self.upstream_requests, families::UPSTREAM_REQUESTS) {
            c.inc();
        }
    }

    /// Counts one successful request.
    pub fn success(&self) {
        if let Some(c) = self.counter(&self.success, families::SUCCESS_REQUESTS) {
            c.inc();
        }
    }

    /// Counts tokens.
    pub fn tokens(&self, input: u64, output: u64) {
        if let Some(c) = self.counter(&self.input_tokens, families::INPUT_TOKENS) {
            c.inc_by(input);
        }
        if let Some(c) = self.counter(&self.output_tokens, families::OUTPUT_TOKENS) {
            c.inc_by(output);
        }
    }

    /// Observes a target's latency, in seconds.
    pub fn latency(&self, success: bool, seconds: f64) {
        let (slot, flag) = if success {
            (&self.latency_ok, "true")
        } else {
            (&self.latency_err, "false")
        };
        let extra = [("is_success", flag)];
        if let Some(h) = self.histogram(
            slot,
            families::UPSTREAM_LATENCY,
            families::LATENCY_BUCKETS,
            &extra,
        ) {
            h.observe(seconds);
        }
    }

    /// Observes the retries a target used.
    pub fn retries(&self, retries: u32) {
        if let Some(h) = self.histogram(
            &self.retries,
            families::REQUEST_RETRIES,
            families::RETRY_BUCKETS,
            &[],
        ) {
            h.observe(f64::from(retries));
        }
    }

    /// Observes the gateway's overhead, in microseconds.
    pub fn overhead(&self, micros: f64) {
        if let Some(h) = self.histogram(
            &self.overhead,
            families::OVERHEAD,
            families::OVERHEAD_BUCKETS,
            &[],
        ) {
            h.observe(micros);
        }
    }

    /// Observes the time to the first streamed chunk, in seconds.
    pub fn first_token(&self, seconds: f64) {
        if let Some(h) = self.histogram(
            &self.first_token,
            families::FIRST_TOKEN,
            families::FIRST_TOKEN_BUCKETS,
            &[],
        ) {
            h.observe(seconds);
        }
    }

    /// Observes the gap between two streamed chunks, in seconds.
    pub fn inter_token(&self, seconds: f64) {
        if let Some(h) = self.histogram(
            &self.inter_token,
            families::INTER_TOKEN,
            families::INTER_TOKEN_BUCKETS,
            &[],
        ) {
            h.observe(seconds);
        }
    }

    /// The serving key's health gauge, resolved once with `resolve`.
    pub fn key_up(&self, resolve: impl FnOnce() -> Option<IntGauge>) -> Option<&IntGauge> {
        self.key_up.get_or_init(resolve).as_ref()
    }

    /// Counts one failed request with its status code and normalized error type.
    pub fn error(&self, status: u16, error_type: &'static str) {
        let find = |list: &[ErrorChild]| {
            list.iter()
                .find(|(s, t, _)| *s == status && *t == error_type)
                .map(|(_, _, c)| c.clone())
        };
        if let Some(c) = find(&self.errors.load()) {
            c.inc();
            return;
        }
        let text = StatusText::new(status);
        let extra = [("status_code", text.as_str()), ("error_type", error_type)];
        let Some(fresh) = families::counter(families::ERROR_REQUESTS, &self.labels(&extra)) else {
            return;
        };
        let mut chosen = fresh.clone();
        self.errors.rcu(|list| {
            if let Some(c) = find(list) {
                chosen = c;
                return Arc::clone(list);
            }
            chosen = fresh.clone();
            let mut next = Vec::clone(list);
            next.push((status, error_type, fresh.clone()));
            Arc::new(next)
        });
        chosen.inc();
    }

    /// Appends every child that exists.
    pub fn collect_into(&self, out: &mut Vec<MetricFamily>) {
        for shards in [
            &self.upstream_requests,
            &self.success,
            &self.input_tokens,
            &self.output_tokens,
        ] {
            shards.collect_into(out);
        }
        for shards in [
            &self.latency_ok,
            &self.latency_err,
            &self.retries,
            &self.overhead,
            &self.first_token,
            &self.inter_token,
        ] {
            shards.collect_into(out);
        }
        for (_, _, c) in self.errors.load().iter() {
            families::collect_into(c, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_text() {
        assert_eq!(StatusText::new(500).as_str(), "500");
        assert_eq!(StatusText::new(429).as_str(), "429");
        assert_eq!(StatusText::new(0).as_str(), "100");
    }
}
