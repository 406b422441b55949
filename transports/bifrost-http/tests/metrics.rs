//! `GET /metrics` after a known sequence of requests, read with a real Prometheus parser.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod harness;

use std::collections::{BTreeMap, BTreeSet};

use bifrost_mock_upstream::MockUpstream;
use harness::{Harness, chat, key, provider, sse_events, start_with};
use prometheus_parse::{Sample, Scrape, Value as PromValue};
use serde_json::{Value, json};

type Labels = BTreeMap<String, String>;

/// A parsed exposition.
struct Exposition(Scrape);

/// A histogram's `_count`, `_sum` and cumulative buckets.
#[derive(Debug, Default, Clone, PartialEq)]
struct Hist {
    count: f64,
    sum: f64,
    buckets: Vec<(f64, f64)>,
}

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn sample_labels(s: &Sample) -> Labels {
    s.labels
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

impl Exposition {
    fn parse(text: &str) -> Self {
        Self(Scrape::parse(text.lines().map(|l| Ok(l.to_owned()))).expect("exposition parses"))
    }

    /// Samples of `metric` whose labels are exactly `want`.
    fn exact<'a>(&'a self, metric: &'a str, want: &'a Labels) -> impl Iterator<Item = &'a Sample> {
        self.0
            .samples
            .iter()
            .filter(move |s| s.metric == metric && sample_labels(s) == *want)
    }

    /// Every label set of `metric`.
    fn label_sets(&self, metric: &str) -> Vec<Labels> {
        self.0
            .samples
            .iter()
            .filter(|s| s.metric == metric)
            .map(sample_labels)
            .collect()
    }

    /// The value of the one counter or gauge sample with exactly these labels (0 if absent).
    fn value(&self, metric: &str, want: &Labels) -> f64 {
        let found: Vec<&Sample> = self.exact(metric, want).collect();
        assert!(
            found.len() <= 1,
            "{metric} {want:?} appears {} times",
            found.len()
        );
        match found.first().map(|s| &s.value) {
            None => 0.0,
            Some(PromValue::Counter(v) | PromValue::Gauge(v) | PromValue::Untyped(v)) => *v,
            Some(other) => panic!("{metric} is not a scalar: {other:?}"),
        }
    }

    /// The histogram with exactly these labels, if it exists.
    fn hist(&self, metric: &str, want: &Labels) -> Option<Hist> {
        let buckets = self.exact(metric, want).find_map(|s| match &s.value {
            PromValue::Histogram(b) => Some(b.iter().map(|h| (h.less_than, h.count)).collect()),
            _ => None,
        })?;
        Some(Hist {
            count: self.value(&format!("{metric}_count"), want),
            sum: self.value(&format!("{metric}_sum"), want),
            buckets,
        })
    }
}

async fn scrape(h: &Harness) -> Exposition {
    let (status, body) = h.get("/metrics").await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("# TYPE"), "{body}");
    Exposition::parse(&body)
}

/// The base labels of a `bifrost_*` series, plus the custom `team` label.
fn base(provider: &str, model: &str, key: (&str, &str), fallback: &str, team: &str) -> Labels {
    labels(&[
        ("provider", provider),
        ("model", model),
        ("method", "chat"),
        ("virtual_key_id", ""),
        ("virtual_key_name", ""),
        ("selected_key_id", key.0),
        ("selected_key_name", key.1),
        ("fallback_index", fallback),
        ("team", team),
    ])
}

fn with(mut l: Labels, extra: &[(&str, &str)]) -> Labels {
    for (k, v) in extra {
        l.insert((*k).to_owned(), (*v).to_owned());
    }
    l
}

const OPENAI_KEY: (&str, &str) = ("oa-1", "openai-main");
const GROQ_KEY: (&str, &str) = ("gq-1", "groq-main");
const NO_KEY: (&str, &str) = ("", "");

async fn start(value_limit: usize) -> Harness {
    let mock = MockUpstream::start().await.expect("mock");
    let fast_retry = json!({"max_retries": 1, "retry_backoff_initial": 1, "retry_backoff_max": 2});
    let config = json!({
        "client": {"prometheus_labels": ["team"]},
        "providers": {
            "openai": provider(&mock, json!([key("oa-1", "openai-main", "sk-openai-good-1", 1.0)]), fast_retry.clone()),
            "groq": provider(&mock, json!([key("gq-1", "groq-main", "sk-groq-good-1", 1.0)]), json!({})),
            // The rate-limited key is (all but) always chosen first; the engine rotates away from it.
            "mistral": provider(&mock, json!([
                key("ms-rl", "mistral-limited", "ratelimited-mistral-1", 1_000_000.0),
                key("ms-ok", "mistral-good", "sk-mistral-good-1", 0.000_001)
            ]), fast_retry),
        },
        "plugins": [{"name": "telemetry", "enabled": true, "config": {"max_label_values": value_limit}}]
    });
    start_with(mock, config).await
}

fn usage(body: &str) -> (f64, f64) {
    let v: Value = serde_json::from_str(body).expect("json");
    (
        v["usage"]["prompt_tokens"].as_f64().expect("prompt tokens"),
        v["usage"]["completion_tokens"]
            .as_f64()
            .expect("completion tokens"),
    )
}

#[tokio::test]
async fn a_known_sequence_gives_exact_metrics() {
    let h = start(5).await;
    let before = scrape(&h).await;
    let up = "bifrost_upstream_requests_total";
    let ok = "bifrost_success_requests_total";
    let err = "bifrost_error_requests_total";

    // 1. A success.
    let r1 = h
        .post(
            "/v1/chat/completions",
            &chat("openai/gpt-4o-mini", "one two three"),
            &[("x-bf-dim-team", "alpha")],
        )
        .await;
    assert_eq!(r1.status, 200, "{}", r1.body);
    // 2. An upstream 500, then a success on the one retry.
    let r2 = h
        .post(
            "/v1/chat/completions",
            &chat("openai/flaky-1", "hello"),
            &[("x-bf-dim-team", "t1")],
        )
        .await;
    assert_eq!(r2.status, 200, "{}", r2.body);
    // 3. An upstream 500 on both attempts (legacy x-bf-prom-* header).
    let r3 = h
        .post(
            "/v1/chat/completions",
            &chat("openai/error-500", "hello"),
            &[("x-bf-prom-team", "t2")],
        )
        .await;
    assert_eq!(r3.status, 500, "{}", r3.body);
    // 4. A 503 on the primary, served by the fallback.
    let mut fallback = chat("openai/error-503", "hello");
    fallback["fallbacks"] = json!(["groq/gpt-4o-mini"]);
    let r4 = h
        .post(
            "/v1/chat/completions",
            &fallback,
            &[("x-bf-dim-team", "t3")],
        )
        .await;
    assert_eq!(r4.status, 200, "{}", r4.body);
    // 5. A 429 on one key, served by the other.
    let r5 = h
        .post(
            "/v1/chat/completions",
            &chat("mistral/mistral-small", "hello"),
            &[("x-bf-dim-team", "t4")],
        )
        .await;
    assert_eq!(r5.status, 200, "{}", r5.body);
    // 6. A stream; the team value is past the cap (5 values: alpha, t1..t4).
    let mut stream = chat("openai/gpt-4o-mini", "a b c d e f");
    stream["stream"] = json!(true);
    stream["stream_options"] = json!({"include_usage": true});
    let r6 = h
        .post("/v1/chat/completions", &stream, &[("x-bf-dim-team", "t5")])
        .await;
    assert_eq!(r6.status, 200, "{}", r6.body);
    // 7. A sixth model name: past the model cap.
    let r7 = h
        .post(
            "/v1/chat/completions",
            &chat("openai/gpt-brand-new", "hi"),
            &[("x-bf-dim-team", "t6")],
        )
        .await;
    assert_eq!(r7.status, 200, "{}", r7.body);
    // 8. An unknown route.
    let (status, _) = h.get("/v1/unknown-route").await;
    assert_eq!(status, 404);

    let after = scrape(&h).await;
    let delta = |metric: &str, l: &Labels| after.value(metric, l) - before.value(metric, l);

    // 1: success.
    let s1 = base("openai", "gpt-4o-mini", OPENAI_KEY, "0", "alpha");
    assert_eq!(delta(up, &s1), 1.0);
    assert_eq!(delta(ok, &s1), 1.0);
    let (input, output) = usage(&r1.body);
    assert!(input > 0.0 && output > 0.0);
    assert_eq!(delta("bifrost_input_tokens_total", &s1), input);
    assert_eq!(delta("bifrost_output_tokens_total", &s1), output);
    let retries = after.hist("bifrost_request_retries", &s1).expect("retries");
    assert_eq!((retries.count, retries.sum), (1.0, 0.0));
    assert_eq!(
        retries.buckets.iter().map(|b| b.0).collect::<Vec<_>>(),
        [0.0, 1.0, 2.0, 3.0, 5.0, 10.0, f64::INFINITY]
    );
    let latency = after
        .hist(
            "bifrost_upstream_latency_seconds",
            &with(s1.clone(), &[("is_success", "true")]),
        )
        .expect("latency");
    assert_eq!(latency.count, 1.0);
    assert!(latency.sum > 0.0 && latency.sum < r1.elapsed.as_secs_f64());
    // The overhead: one observation, smaller than what the caller measured end to end.
    let overhead = after
        .hist("bifrost_overhead_latency_microseconds", &s1)
        .expect("overhead");
    assert_eq!(overhead.count, 1.0);
    assert!(overhead.sum > 0.0, "{overhead:?}");
    assert!(
        overhead.sum / 1e6 < r1.elapsed.as_secs_f64(),
        "overhead {} us vs total {:?}",
        overhead.sum,
        r1.elapsed
    );
    assert_eq!(overhead.buckets.first().map(|b| b.0), Some(5.0));
    assert!(
        after
            .hist("bifrost_stream_first_token_latency_seconds", &s1)
            .is_none(),
        "no stream metrics for a non-streamed request"
    );

    // 2: one retry, then success.
    let s2 = base("openai", "flaky-1", OPENAI_KEY, "0", "t1");
    assert_eq!(delta(up, &s2), 1.0);
    assert_eq!(delta(ok, &s2), 1.0);
    let retries = after.hist("bifrost_request_retries", &s2).expect("retries");
    assert_eq!((retries.count, retries.sum), (1.0, 1.0));
    assert_eq!(
        retries.buckets[0],
        (0.0, 0.0),
        "not served on the first try"
    );
    assert_eq!(retries.buckets[1], (1.0, 1.0));

    // 3: failed after its retry; no key on failure; labelled by status and error type.
    let s3 = base("openai", "error-500", NO_KEY, "0", "t2");
    assert_eq!(delta(up, &s3), 1.0);
    assert_eq!(delta(ok, &s3), 0.0);
    let e500 = with(
        s3.clone(),
        &[
            ("status_code", "500"),
            ("error_type", "provider_server_error"),
        ],
    );
    assert_eq!(delta(err, &e500), 1.0);
    let retries = after.hist("bifrost_request_retries", &s3).expect("retries");
    assert_eq!((retries.count, retries.sum), (1.0, 1.0));
    let failed_latency = after
        .hist(
            "bifrost_upstream_latency_seconds",
            &with(s3.clone(), &[("is_success", "false")]),
        )
        .expect("latency");
    assert_eq!(failed_latency.count, 1.0);

    // 4: the primary's failure and the fallback's success, each under its own labels.
    let s4 = base("openai", "error-503", NO_KEY, "0", "t3");
    let e503 = with(
        s4.clone(),
        &[
            ("status_code", "503"),
            ("error_type", "provider_overloaded"),
        ],
    );
    assert_eq!(delta(up, &s4), 1.0);
    assert_eq!(delta(err, &e503), 1.0);
    let s4b = base("groq", "gpt-4o-mini", GROQ_KEY, "1", "t3");
    assert_eq!(delta(up, &s4b), 1.0);
    assert_eq!(delta(ok, &s4b), 1.0);
    assert!(
        after
            .hist("bifrost_overhead_latency_microseconds", &s4)
            .is_none(),
        "overhead is observed once per request, under the final labels"
    );
    let overhead = after
        .hist("bifrost_overhead_latency_microseconds", &s4b)
        .expect("overhead");
    assert_eq!(overhead.count, 1.0);
    assert!(overhead.sum / 1e6 < r4.elapsed.as_secs_f64());

    // 5: a key rotation away from the rate-limited key.
    let s5 = base(
        "mistral",
        "mistral-small",
        ("ms-ok", "mistral-good"),
        "0",
        "t4",
    );
    assert_eq!(delta(ok, &s5), 1.0);
    let rotation = labels(&[
        ("provider", "mistral"),
        ("requested_model", "mistral-small"),
        ("key_id", "ms-rl"),
        ("key_name", "mistral-limited"),
        ("fail_reason", "rate_limit_error"),
    ]);
    assert_eq!(delta("bifrost_key_rotation_events_total", &rotation), 1.0);
    let key_up = |p: &str, id: &str, name: &str| {
        after.value(
            "bifrost_provider_key_up",
            &labels(&[("provider", p), ("key_id", id), ("key_name", name)]),
        )
    };
    assert_eq!(key_up("mistral", "ms-rl", "mistral-limited"), 0.0);
    assert_eq!(key_up("mistral", "ms-ok", "mistral-good"), 1.0);
    assert_eq!(
        key_up("openai", "oa-1", "openai-main"),
        1.0,
        "its last attempt succeeded"
    );
    assert_eq!(key_up("groq", "gq-1", "groq-main"), 1.0);

    // 6: the stream, under team "other" (the cap).
    let s6 = base("openai", "gpt-4o-mini", OPENAI_KEY, "0", "other");
    assert_eq!(delta(up, &s6), 1.0);
    assert_eq!(delta(ok, &s6), 1.0);
    let events = sse_events(&r6.body);
    assert!(events.len() >= 3, "{}", r6.body);
    let usage_event = events
        .iter()
        .find(|e| e["usage"].is_object())
        .expect("usage chunk");
    assert_eq!(
        delta("bifrost_input_tokens_total", &s6),
        usage_event["usage"]["prompt_tokens"].as_f64().unwrap()
    );
    assert_eq!(
        delta("bifrost_output_tokens_total", &s6),
        usage_event["usage"]["completion_tokens"].as_f64().unwrap()
    );
    let ttft = after
        .hist("bifrost_stream_first_token_latency_seconds", &s6)
        .expect("ttft");
    assert_eq!(ttft.count, 1.0);
    assert!(ttft.sum < r6.elapsed.as_secs_f64());
    let itl = after
        .hist("bifrost_stream_inter_token_latency_seconds", &s6)
        .expect("inter-token");
    assert_eq!(
        itl.count,
        (events.len() - 1) as f64,
        "one gap per chunk after the first"
    );
    let overhead = after
        .hist("bifrost_overhead_latency_microseconds", &s6)
        .expect("overhead");
    assert_eq!(overhead.count, 1.0);
    assert!(
        overhead.sum / 1e6 < ttft.sum,
        "the gateway's share of the time to first token"
    );

    // 7: a sixth model is reported as "other".
    let s7 = base("openai", "other", OPENAI_KEY, "0", "other");
    assert_eq!(delta(ok, &s7), 1.0);

    // Cardinality: exactly the first five team values, then "other"; exactly five model names.
    let teams: BTreeSet<String> = after
        .label_sets(up)
        .into_iter()
        .map(|l| l["team"].clone())
        .collect();
    assert_eq!(
        teams,
        ["alpha", "other", "t1", "t2", "t3", "t4"]
            .map(String::from)
            .into()
    );
    let models: BTreeSet<String> = after
        .label_sets(up)
        .into_iter()
        .map(|l| l["model"].clone())
        .collect();
    assert_eq!(
        models,
        [
            "error-500",
            "error-503",
            "flaky-1",
            "gpt-4o-mini",
            "mistral-small",
            "other"
        ]
        .map(String::from)
        .into()
    );

    // Overhead: one observation per request that reached the engine, each below its total.
    let overhead_count: f64 = after
        .label_sets("bifrost_overhead_latency_microseconds")
        .iter()
        .map(|l| {
            after
                .hist("bifrost_overhead_latency_microseconds", l)
                .unwrap()
                .count
        })
        .sum();
    assert_eq!(overhead_count, 7.0);

    // Nothing is in flight any more.
    assert_eq!(
        after.value("bifrost_active_requests", &labels(&[("method", "chat")])),
        0.0
    );

    // HTTP metrics: route templates, methods, statuses, custom labels; sizes as sent.
    let http = |path: &str, method: &str, status: &str, team: &str| {
        labels(&[
            ("path", path),
            ("method", method),
            ("status", status),
            ("team", team),
        ])
    };
    let chat_alpha = http("/v1/chat/completions", "POST", "200", "alpha");
    assert_eq!(delta("http_requests_total", &chat_alpha), 1.0);
    let req_size = after
        .hist("http_request_size_bytes", &chat_alpha)
        .expect("size");
    assert_eq!(
        (req_size.count, req_size.sum),
        (1.0, r1.request_size as f64)
    );
    let resp_size = after
        .hist("http_response_size_bytes", &chat_alpha)
        .expect("size");
    assert_eq!(
        (resp_size.count, resp_size.sum),
        (1.0, r1.body.len() as f64)
    );
    let duration = after
        .hist("http_request_duration_seconds", &chat_alpha)
        .expect("duration");
    assert!(duration.sum < r1.elapsed.as_secs_f64());
    assert_eq!(
        delta(
            "http_requests_total",
            &http("/v1/chat/completions", "POST", "500", "t2")
        ),
        1.0
    );
    let stream_size = after
        .hist(
            "http_response_size_bytes",
            &http("/v1/chat/completions", "POST", "200", "other"),
        )
        .expect("stream size");
    assert_eq!(stream_size.count, 2.0, "the stream and request 7");
    assert_eq!(stream_size.sum, (r6.body.len() + r7.body.len()) as f64);
    assert_eq!(
        delta("http_requests_total", &http("other", "GET", "404", "")),
        1.0
    );
    assert_eq!(
        delta("http_requests_total", &http("/metrics", "GET", "200", "")),
        1.0,
        "the first scrape"
    );
    // The process's own metrics are exported too.
    assert!(
        after
            .0
            .samples
            .iter()
            .any(|s| s.metric == "process_resident_memory_bytes")
    );
}

#[tokio::test]
async fn metrics_are_on_by_default_and_can_be_turned_off() {
    let mock = MockUpstream::start().await.expect("mock");
    let providers = json!({"openai": provider(&mock, json!([key("oa-1", "main", "sk-openai-good-1", 1.0)]), json!({}))});
    let on = start_with(mock.clone(), json!({"providers": providers})).await;
    let r = on
        .post(
            "/v1/chat/completions",
            &chat("openai/gpt-4o-mini", "hi"),
            &[],
        )
        .await;
    assert_eq!(r.status, 200);
    let e = scrape(&on).await;
    let s = labels(&[
        ("provider", "openai"),
        ("model", "gpt-4o-mini"),
        ("method", "chat"),
        ("virtual_key_id", ""),
        ("virtual_key_name", ""),
        ("selected_key_id", "oa-1"),
        ("selected_key_name", "main"),
        ("fallback_index", "0"),
    ]);
    assert_eq!(e.value("bifrost_success_requests_total", &s), 1.0);

    let off = start_with(
        mock.clone(),
        json!({"providers": providers, "plugins": [{"name": "telemetry", "enabled": false}]}),
    )
    .await;
    let r = off
        .post(
            "/v1/chat/completions",
            &chat("openai/gpt-4o-mini", "hi"),
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "requests work without metrics");
    let (status, body) = off.get("/metrics").await;
    assert_eq!(status, 404, "{body}");
    assert!(body.contains("metrics are disabled"), "{body}");

    let not_served = start_with(
        mock,
        json!({"providers": providers, "plugins": [{"name": "telemetry", "enabled": true, "config": {"metrics_enabled": false}}]}),
    )
    .await;
    assert_eq!(not_served.get("/metrics").await.0, 404);
}
