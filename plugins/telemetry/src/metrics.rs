//! The metric store shared by the plugin, the HTTP layer and the exposition: label caps, the
//! series maps and the Prometheus collector over them.

use std::collections::HashMap;
use std::sync::Arc;

use bifrost_core::schemas::RequestType;
use http::{HeaderMap, HeaderName};
use prometheus::core::{Collector, Desc};
use prometheus::proto::MetricFamily;
use prometheus::{IntCounter, IntGauge};

use crate::cap::{OTHER, ValueCap};
use crate::families::{self, BASE_LABELS, HTTP_LABELS, KEY_UP_LABELS, LabelSet, ROTATION_LABELS};
use crate::http::HttpSeries;
use crate::keyed::{Keyed, KeyedMap, Lookup, owned};
use crate::series::Series;
use crate::shard::Shards;

/// Most custom labels (`client.prometheus_labels`) a configuration may declare.
pub const MAX_CUSTOM_LABELS: usize = 16;

/// Most label sets kept per map; beyond it, new label sets are recorded with their
/// caller-controlled labels (model, custom labels) set to `other`.
pub const MAX_SERIES: usize = 10_000;

/// `fallback_index` values kept as numbers; higher indexes are reported as `other`.
const FALLBACK_INDEXES: [&str; 16] = [
    "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15",
];

/// The `method` label values ([`RequestType::method_label`]), in the order of [`Metrics::active`].
const METHODS: [&str; 8] = [
    "chat",
    "text",
    "embedding",
    "responses",
    "rerank",
    "count_tokens",
    "list_models",
    "passthrough",
];

/// A metric child stored under its label values.
#[derive(Debug)]
pub struct Child<M> {
    values: Box<[Box<str>]>,
    metric: Option<M>,
}

impl<M> Keyed for Child<M> {
    fn label_values(&self) -> &[Box<str>] {
        &self.values
    }
}

/// The base labels of one observation, before custom labels.
#[derive(Debug, Clone, Copy)]
pub struct Base<'a> {
    /// Provider (already capped).
    pub provider: &'a str,
    /// Model without provider prefix (already capped).
    pub model: &'a str,
    /// `chat`, `text`, `embedding`, ...
    pub method: &'static str,
    /// Id of the key that served the request (empty on failure).
    pub key_id: &'a str,
    /// Name of the key that served the request (empty on failure).
    pub key_name: &'a str,
    /// 0 for the primary target, n for the n-th fallback.
    pub fallback_index: usize,
}

/// All metrics of one gateway.
#[derive(Debug)]
pub struct Metrics {
    custom: Arc<[String]>,
    base_names: Arc<[String]>,
    http_names: Arc<[String]>,
    dim_headers: Vec<(HeaderName, Option<HeaderName>)>,
    dim_caps: Vec<ValueCap>,
    /// Provider names.
    pub providers: ValueCap,
    /// Model names.
    pub models: ValueCap,
    /// Route templates.
    pub paths: ValueCap,
    series: KeyedMap<Series>,
    http: KeyedMap<HttpSeries>,
    key_up: KeyedMap<Child<IntGauge>>,
    rotations: KeyedMap<Child<IntCounter>>,
    active: [Shards<IntGauge>; METHODS.len()],
}

fn names(fixed: &[&str], custom: &[String]) -> Arc<[String]> {
    fixed
        .iter()
        .map(|s| (*s).to_owned())
        .chain(custom.iter().cloned())
        .collect()
}

impl Metrics {
    /// A store for these custom labels (already validated), keeping at most `value_limit`
    /// distinct values per caller-controlled label.
    pub fn new(custom: &[String], value_limit: usize) -> Self {
        Self::with_series_limit(custom, value_limit, MAX_SERIES)
    }

    fn with_series_limit(custom: &[String], value_limit: usize, series_limit: usize) -> Self {
        let dim_headers = custom
            .iter()
            .filter_map(|label| {
                let lower = label.to_ascii_lowercase();
                let dim = HeaderName::from_bytes(format!("x-bf-dim-{lower}").as_bytes()).ok()?;
                let prom = HeaderName::from_bytes(format!("x-bf-prom-{lower}").as_bytes()).ok();
                Some((dim, prom))
            })
            .collect();
        Self {
            custom: custom.into(),
            base_names: names(&BASE_LABELS, custom),
            http_names: names(&HTTP_LABELS, custom),
            dim_headers,
            dim_caps: custom.iter().map(|_| ValueCap::new(value_limit)).collect(),
            providers: ValueCap::new(value_limit),
            models: ValueCap::new(value_limit),
            paths: ValueCap::new(value_limit),
            series: KeyedMap::new(series_limit),
            http: KeyedMap::new(series_limit),
            key_up: KeyedMap::new(MAX_SERIES),
            rotations: KeyedMap::new(MAX_SERIES),
            active: std::array::from_fn(|_| Shards::new()),
        }
    }

    /// The custom label names.
    pub fn custom_labels(&self) -> &[String] {
        &self.custom
    }

    /// The custom label values of a request: `x-bf-dim-<label>`, else `x-bf-prom-<label>`,
    /// else empty; each capped.
    pub fn dims(&self, headers: &HeaderMap) -> Vec<std::sync::Arc<str>> {
        self.dim_headers
            .iter()
            .zip(&self.dim_caps)
            .map(|((dim, prom), cap)| {
                let value = headers
                    .get(dim)
                    .or_else(|| prom.as_ref().and_then(|p| headers.get(p)))
                    .and_then(|v| v.to_str().ok())
                    .map(str::trim)
                    .unwrap_or_default();
                cap.get(value)
            })
            .collect()
    }

    /// The series of a base label set and custom values (created on first use).
    pub fn series(&self, base: &Base<'_>, dims: &[Arc<str>]) -> Option<Arc<Series>> {
        let mut buf = [""; BASE_LABELS.len() + MAX_CUSTOM_LABELS];
        buf[0] = base.provider;
        buf[1] = base.model;
        buf[2] = base.method;
        buf[5] = base.key_id;
        buf[6] = base.key_name;
        buf[7] = FALLBACK_INDEXES
            .get(base.fallback_index)
            .copied()
            .unwrap_or(OTHER);
        let n = BASE_LABELS.len() + dims.len().min(MAX_CUSTOM_LABELS);
        for (slot, v) in buf[BASE_LABELS.len()..n].iter_mut().zip(dims) {
            *slot = v;
        }
        let make = |values: &[&str]| Series::new(self.base_names.clone(), owned(values));
        if let Lookup::Found(s) = self
            .series
            .get_or_insert(&buf[..n], false, || make(&buf[..n]))
        {
            return Some(s);
        }
        // Full (or a hash collision): record under the overflow label set, whose
        // caller-controlled labels are `other`; their number is bounded by configuration.
        buf[1] = OTHER;
        for slot in &mut buf[BASE_LABELS.len()..n] {
            *slot = OTHER;
        }
        match self
            .series
            .get_or_insert(&buf[..n], true, || make(&buf[..n]))
        {
            Lookup::Found(s) => Some(s),
            _ => None,
        }
    }

    /// The HTTP series of a route, method, status and custom values.
    pub fn http_series(
        &self,
        path: &str,
        method: &str,
        status: &str,
        dims: &[Arc<str>],
    ) -> Option<Arc<HttpSeries>> {
        let mut buf = [""; HTTP_LABELS.len() + MAX_CUSTOM_LABELS];
        buf[0] = path;
        buf[1] = method;
        buf[2] = status;
        let n = HTTP_LABELS.len() + dims.len().min(MAX_CUSTOM_LABELS);
        for (slot, v) in buf[HTTP_LABELS.len()..n].iter_mut().zip(dims) {
            *slot = v;
        }
        let make = |values: &[&str]| HttpSeries::new(&self.http_names, owned(values));
        if let Lookup::Found(s) = self
            .http
            .get_or_insert(&buf[..n], false, || make(&buf[..n]))
        {
            return Some(s);
        }
        buf[0] = OTHER;
        for slot in &mut buf[HTTP_LABELS.len()..n] {
            *slot = OTHER;
        }
        match self.http.get_or_insert(&buf[..n], true, || make(&buf[..n])) {
            Lookup::Found(s) => Some(s),
            _ => None,
        }
    }

    /// The in-flight gauge of a request type's method.
    pub fn active(&self, request_type: RequestType) -> Option<&IntGauge> {
        let i = match request_type {
            RequestType::ChatCompletion | RequestType::ChatCompletionStream => 0,
            RequestType::TextCompletion | RequestType::TextCompletionStream => 1,
            RequestType::Embedding => 2,
            RequestType::Responses | RequestType::ResponsesStream => 3,
            RequestType::Rerank => 4,
            RequestType::CountTokens => 5,
            RequestType::ListModels => 6,
            RequestType::Passthrough | RequestType::PassthroughStream => 7,
        };
        let method = METHODS[i];
        self.active[i].get_or_init(|| {
            let names = ["method".to_owned()];
            let values: Box<[Box<str>]> = owned(&[method]);
            families::gauge(
                families::ACTIVE_REQUESTS,
                &LabelSet {
                    names: &names,
                    values: &values,
                    extra: &[],
                },
            )
        })
    }

    fn child<M>(
        map: &KeyedMap<Child<M>>,
        names: &[&str],
        values: &[&str],
        make: impl FnOnce(&LabelSet<'_>) -> Option<M>,
    ) -> Option<Arc<Child<M>>> {
        let create = || {
            let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
            let values = owned(values);
            let metric = make(&LabelSet {
                names: &names,
                values: &values,
                extra: &[],
            });
            Child { values, metric }
        };
        match map.get_or_insert(values, true, create) {
            Lookup::Found(c) => Some(c),
            _ => None,
        }
    }

    /// A key's health gauge.
    pub fn key_gauge(&self, provider: &str, key_id: &str, key_name: &str) -> Option<IntGauge> {
        let values = [provider, key_id, key_name];
        let child = Self::child(&self.key_up, &KEY_UP_LABELS, &values, |l| {
            families::gauge(families::KEY_UP, l)
        });
        child.and_then(|c| c.metric.clone())
    }

    /// Sets a key's health gauge (1 up, 0 down).
    pub fn key_up(&self, provider: &str, key_id: &str, key_name: &str, up: bool) {
        if let Some(g) = self.key_gauge(provider, key_id, key_name) {
            g.set(i64::from(up));
        }
    }

    /// Counts a key rotation caused by a failed attempt.
    pub fn key_rotation(
        &self,
        provider: &str,
        requested_model: &str,
        key_id: &str,
        key_name: &str,
        fail_reason: &str,
    ) {
        let values = [provider, requested_model, key_id, key_name, fail_reason];
        let child = Self::child(&self.rotations, &ROTATION_LABELS, &values, |l| {
            families::counter(families::KEY_ROTATIONS, l)
        });
        if let Some(c) = child.as_ref().and_then(|c| c.metric.as_ref()) {
            c.inc();
        }
    }

    /// Every metric family with its current children.
    pub fn collect(&self) -> Vec<MetricFamily> {
        let mut out = Vec::new();
        for s in self.series.entries() {
            s.collect_into(&mut out);
        }
        for s in self.http.entries() {
            s.collect_into(&mut out);
        }
        for c in self.key_up.entries() {
            if let Some(g) = &c.metric {
                families::collect_into(g, &mut out);
            }
        }
        for c in self.rotations.entries() {
            if let Some(m) = &c.metric {
                families::collect_into(m, &mut out);
            }
        }
        for g in &self.active {
            g.collect_into(&mut out);
        }
        out
    }

    /// Descriptions of every family (for registration).
    pub fn descs(&self) -> Vec<Desc> {
        let with = |fixed: &[&str], extra: &[&str]| -> Vec<String> {
            fixed
                .iter()
                .chain(extra)
                .map(|s| (*s).to_owned())
                .chain(self.custom.iter().cloned())
                .collect()
        };
        let base = with(&BASE_LABELS, &[]);
        let http = with(&HTTP_LABELS, &[]);
        let list: Vec<(families::Spec, Vec<String>)> = vec![
            (families::HTTP_REQUESTS, http.clone()),
            (families::HTTP_DURATION, http.clone()),
            (families::HTTP_REQUEST_SIZE, http.clone()),
            (families::HTTP_RESPONSE_SIZE, http),
            (families::UPSTREAM_REQUESTS, base.clone()),
            (families::SUCCESS_REQUESTS, base.clone()),
            (
                families::ERROR_REQUESTS,
                with(&BASE_LABELS, &["status_code", "error_type"]),
            ),
            (
                families::UPSTREAM_LATENCY,
                with(&BASE_LABELS, &["is_success"]),
            ),
            (families::OVERHEAD, base.clone()),
            (families::INPUT_TOKENS, base.clone()),
            (families::OUTPUT_TOKENS, base.clone()),
            (families::REQUEST_RETRIES, base.clone()),
            (families::FIRST_TOKEN, base.clone()),
            (families::INTER_TOKEN, base),
            (families::ACTIVE_REQUESTS, vec!["method".to_owned()]),
            (
                families::KEY_UP,
                KEY_UP_LABELS.iter().map(|s| (*s).to_owned()).collect(),
            ),
            (
                families::KEY_ROTATIONS,
                ROTATION_LABELS.iter().map(|s| (*s).to_owned()).collect(),
            ),
        ];
        list.into_iter()
            .filter_map(|(spec, labels)| {
                Desc::new(
                    spec.name.to_owned(),
                    spec.help.to_owned(),
                    labels,
                    HashMap::new(),
                )
                .ok()
            })
            .collect()
    }
}

/// The Prometheus collector over a [`Metrics`] store.
#[derive(Debug)]
pub struct MetricsCollector {
    metrics: Arc<Metrics>,
    descs: Vec<Desc>,
}

impl MetricsCollector {
    /// A collector for `metrics`.
    pub fn new(metrics: Arc<Metrics>) -> Self {
        let descs = metrics.descs();
        Self { metrics, descs }
    }
}

impl Collector for MetricsCollector {
    fn desc(&self) -> Vec<&Desc> {
        self.descs.iter().collect()
    }

    fn collect(&self) -> Vec<MetricFamily> {
        self.metrics.collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base<'a>(model: &'a str, fallback_index: usize) -> Base<'a> {
        Base {
            provider: "openai",
            model,
            method: "chat",
            key_id: "k1",
            key_name: "main",
            fallback_index,
        }
    }

    fn dim(v: &str) -> Vec<Arc<str>> {
        vec![Arc::from(v)]
    }

    #[test]
    fn label_sets_past_the_limit_go_to_the_overflow_set() {
        let m = Metrics::with_series_limit(&["team".to_owned()], 100, 2);
        let a = m.series(&base("m1", 0), &dim("x")).unwrap();
        let again = m.series(&base("m1", 0), &dim("x")).unwrap();
        assert!(Arc::ptr_eq(&a, &again));
        let b = m.series(&base("m2", 0), &dim("y")).unwrap();
        assert_eq!(&*b.values()[1], "m2");
        let c = m.series(&base("m3", 0), &dim("z")).unwrap();
        let values: Vec<&str> = c.values().iter().map(|v| &**v).collect();
        assert_eq!(
            values,
            [
                "openai", "other", "chat", "", "", "k1", "main", "0", "other"
            ]
        );
        let d = m.series(&base("m4", 0), &dim("w")).unwrap();
        assert!(
            Arc::ptr_eq(&c, &d),
            "one overflow set per configured combination"
        );
        let e = m.series(&base("m1", 99), &dim("x")).unwrap();
        assert_eq!(&*e.values()[7], "other", "fallback indexes are bounded");
    }

    #[test]
    fn dimension_headers_prefer_the_current_prefix_and_are_capped() {
        let m = Metrics::new(&["team".to_owned(), "env".to_owned()], 1);
        let mut h = HeaderMap::new();
        h.insert("x-bf-dim-team", "search".parse().unwrap());
        h.insert("x-bf-prom-team", "legacy".parse().unwrap());
        h.insert("x-bf-prom-env", "prod".parse().unwrap());
        let dims = m.dims(&h);
        assert_eq!((&*dims[0], &*dims[1]), ("search", "prod"));
        h.insert("x-bf-dim-team", "ads".parse().unwrap());
        assert_eq!(&*m.dims(&h)[0], OTHER, "one value per label allowed");
        assert_eq!(&*m.dims(&HeaderMap::new())[0], "");
    }
}

#[cfg(test)]
mod method_tests {
    use super::*;

    #[test]
    fn active_gauges_use_the_method_label() {
        let m = Metrics::new(&[], 10);
        for rt in [
            RequestType::ChatCompletion,
            RequestType::ChatCompletionStream,
            RequestType::TextCompletion,
            RequestType::Embedding,
            RequestType::Responses,
            RequestType::Rerank,
            RequestType::CountTokens,
            RequestType::ListModels,
        ] {
            let g = m.active(rt).unwrap();
            g.inc();
            let family = g.collect();
            let label = family[0].get_metric()[0].get_label()[0].value().to_owned();
            assert_eq!(label, rt.method_label());
            g.dec();
        }
    }
}
