//! Names, help texts, label names and buckets of every metric, as Bifrost exports them.

use std::collections::HashMap;

use prometheus::core::Collector;
use prometheus::proto::MetricFamily;
use prometheus::{Histogram, HistogramOpts, IntCounter, IntGauge, Opts};

/// Base labels of every `bifrost_*` request metric, in order (custom labels follow).
pub const BASE_LABELS: [&str; 8] = [
    "provider",
    "model",
    "method",
    "virtual_key_id",
    "virtual_key_name",
    "selected_key_id",
    "selected_key_name",
    "fallback_index",
];

/// Labels of the HTTP metrics, in order (custom labels follow).
pub const HTTP_LABELS: [&str; 3] = ["path", "method", "status"];

/// Labels of `bifrost_provider_key_up`.
pub const KEY_UP_LABELS: [&str; 3] = ["provider", "key_id", "key_name"];

/// Labels of `bifrost_key_rotation_events_total`.
pub const ROTATION_LABELS: [&str; 5] = [
    "provider",
    "requested_model",
    "key_id",
    "key_name",
    "fail_reason",
];

/// Label names that custom labels may not reuse.
pub const RESERVED_LABELS: [&str; 13] = [
    "provider",
    "model",
    "method",
    "virtual_key_id",
    "virtual_key_name",
    "selected_key_id",
    "selected_key_name",
    "fallback_index",
    "path",
    "status",
    "is_success",
    "status_code",
    "error_type",
];

/// A metric's name and help text.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    /// Metric name.
    pub name: &'static str,
    /// Help text.
    pub help: &'static str,
}

macro_rules! spec {
    ($id:ident, $name:literal, $help:literal) => {
        #[doc = concat!("`", $name, "`.")]
        pub const $id: Spec = Spec {
            name: $name,
            help: $help,
        };
    };
}

spec!(
    HTTP_REQUESTS,
    "http_requests_total",
    "Total number of HTTP requests."
);
spec!(
    HTTP_DURATION,
    "http_request_duration_seconds",
    "Duration of HTTP requests."
);
spec!(
    HTTP_REQUEST_SIZE,
    "http_request_size_bytes",
    "Size of HTTP requests."
);
spec!(
    HTTP_RESPONSE_SIZE,
    "http_response_size_bytes",
    "Size of HTTP responses."
);
spec!(
    UPSTREAM_REQUESTS,
    "bifrost_upstream_requests_total",
    "Total number of requests forwarded to upstream providers by Bifrost."
);
spec!(
    SUCCESS_REQUESTS,
    "bifrost_success_requests_total",
    "Total number of successful requests forwarded to upstream providers by Bifrost."
);
spec!(
    ERROR_REQUESTS,
    "bifrost_error_requests_total",
    "Total number of failed requests, by raw status_code and normalized error_type."
);
spec!(
    UPSTREAM_LATENCY,
    "bifrost_upstream_latency_seconds",
    "Latency of requests forwarded to upstream providers by Bifrost."
);
spec!(
    OVERHEAD,
    "bifrost_overhead_latency_microseconds",
    "Latency added by Bifrost itself, in microseconds: total request time minus time blocked on upstream providers."
);
spec!(
    INPUT_TOKENS,
    "bifrost_input_tokens_total",
    "Total number of input tokens forwarded to upstream providers by Bifrost."
);
spec!(
    OUTPUT_TOKENS,
    "bifrost_output_tokens_total",
    "Total number of output tokens forwarded to upstream providers by Bifrost."
);
spec!(
    ACTIVE_REQUESTS,
    "bifrost_active_requests",
    "Number of LLM requests currently in-flight."
);
spec!(
    REQUEST_RETRIES,
    "bifrost_request_retries",
    "Number of retries used per request (observed once per request)."
);
spec!(
    FIRST_TOKEN,
    "bifrost_stream_first_token_latency_seconds",
    "Latency of the first token of a stream response."
);
spec!(
    INTER_TOKEN,
    "bifrost_stream_inter_token_latency_seconds",
    "Latency of the intermediate tokens of a stream response."
);
spec!(
    KEY_UP,
    "bifrost_provider_key_up",
    "Health of a provider key. 1 = last attempt succeeded, 0 = last attempt failed."
);
spec!(
    KEY_ROTATIONS,
    "bifrost_key_rotation_events_total",
    "Number of key rotations, broken down by provider, key, and failure reason. One increment per per-key failure that triggered a switch to a different key on the next retry."
);

/// Seconds; upstream and HTTP latency (Bifrost's buckets, up to 15 minutes for reasoning models).
pub const LATENCY_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0, 30.0, 45.0, 60.0, 90.0,
    120.0, 180.0, 300.0, 600.0, 900.0,
];

/// Microseconds; the gateway's own overhead. A Rust gateway spends tens of microseconds per
/// request, so the buckets start at 5 us (Bifrost's start at 100 us, which would put every request
/// in the first bucket); the bounds Bifrost also has (100, 250, ..., 100000) are kept so
/// dashboards that query them keep working.
pub const OVERHEAD_BUCKETS: &[f64] = &[
    5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1_000.0, 2_500.0, 5_000.0, 10_000.0, 25_000.0,
    50_000.0, 100_000.0,
];

/// Seconds; time to first token (Bifrost's buckets).
pub const FIRST_TOKEN_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0,
];

/// Seconds; gap between stream chunks (Bifrost's buckets).
pub const INTER_TOKEN_BUCKETS: &[f64] = &[
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Retries per request (Bifrost's buckets).
pub const RETRY_BUCKETS: &[f64] = &[0.0, 1.0, 2.0, 3.0, 5.0, 10.0];

/// Bytes: 100 B to 1 GB in powers of ten (Bifrost's buckets).
pub const SIZE_BUCKETS: &[f64] = &[1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];

/// One label set: parallel name and value lists, plus extra pairs.
pub struct LabelSet<'a> {
    /// Label names.
    pub names: &'a [String],
    /// Label values, parallel to `names`.
    pub values: &'a [Box<str>],
    /// Extra `(name, value)` pairs (`is_success`, `status_code`, ...).
    pub extra: &'a [(&'a str, &'a str)],
}

impl LabelSet<'_> {
    fn to_map(&self) -> HashMap<String, String> {
        let mut map: HashMap<String, String> = self
            .names
            .iter()
            .zip(self.values.iter())
            .map(|(n, v)| (n.clone(), v.to_string()))
            .collect();
        for (n, v) in self.extra {
            map.insert((*n).to_owned(), (*v).to_owned());
        }
        map
    }
}

fn created<M>(spec: Spec, result: prometheus::Result<M>) -> Option<M> {
    result
        .map_err(|e| tracing::error!(metric = spec.name, error = %e, "cannot create metric"))
        .ok()
}

/// A counter child with fixed labels.
pub fn counter(spec: Spec, labels: &LabelSet<'_>) -> Option<IntCounter> {
    let opts = Opts::new(spec.name, spec.help).const_labels(labels.to_map());
    created(spec, IntCounter::with_opts(opts))
}

/// A gauge child with fixed labels.
pub fn gauge(spec: Spec, labels: &LabelSet<'_>) -> Option<IntGauge> {
    let opts = Opts::new(spec.name, spec.help).const_labels(labels.to_map());
    created(spec, IntGauge::with_opts(opts))
}

/// A histogram child with fixed labels.
pub fn histogram(spec: Spec, buckets: &[f64], labels: &LabelSet<'_>) -> Option<Histogram> {
    let opts = HistogramOpts::new(spec.name, spec.help)
        .const_labels(labels.to_map())
        .buckets(buckets.to_vec());
    created(spec, Histogram::with_opts(opts))
}

/// Appends what `metric` exposes.
pub fn collect_into(metric: &dyn Collector, out: &mut Vec<MetricFamily>) {
    out.extend(metric.collect());
}
