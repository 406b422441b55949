//! Engine semantics on a paused clock: retries, backoff, key rotation, timeouts, fallbacks,
//! admission, the plugin pipeline and streams. A scripted in-process provider stands in for the
//! upstream so that time is fully deterministic.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use bifrost_core::config::{EngineConfig, KeyConfig, Millis, NetworkConfig, ProviderConfig};
use bifrost_core::engine::ProviderFactory;
use bifrost_core::error::{ErrorDetail, ErrorKind};
use bifrost_core::plugin::StreamSummary;
use bifrost_core::schemas::{
    ChatChoice, ChatDelta, ChatMessage, ChatRequest, ChatResponse, ChatStreamChoice,
    ChatStreamChunk, RequestType, Response, Role, StreamChunk, Usage,
};
use bifrost_core::{
    Bifrost, BifrostError, CallContext, ChunkAction, ChunkStream, Outcome, Plugin, PluginError,
    PreHookOutcome, Provider, RequestContext, ShortCircuit,
};
use futures::StreamExt;
use tokio::time::Instant;

/// What the fake upstream does for one call.
enum Reply {
    Text(String),
    Error(BifrostError),
    Chunks(Vec<(Duration, Result<StreamChunk, BifrostError>)>),
}

struct Behavior {
    delay: Duration,
    reply: Reply,
}

fn ok(text: &str) -> Behavior {
    Behavior {
        delay: Duration::ZERO,
        reply: Reply::Text(text.to_owned()),
    }
}

fn fail(err: BifrostError) -> Behavior {
    Behavior {
        delay: Duration::ZERO,
        reply: Reply::Error(err),
    }
}

fn upstream(status: u16) -> BifrostError {
    BifrostError::upstream(
        status,
        ErrorDetail {
            message: format!("upstream said {status}"),
            ..ErrorDetail::default()
        },
    )
}

#[derive(Debug, Clone)]
struct Call {
    provider: String,
    key: String,
    model: String,
    at: Instant,
}

type Script = dyn Fn(usize, &str, &str) -> Behavior + Send + Sync;

struct FakeProvider {
    name: String,
    script: Arc<Script>,
    calls: Arc<Mutex<Vec<Call>>>,
}

impl FakeProvider {
    fn record(&self, cx: &CallContext<'_>) -> usize {
        let mut calls = self.calls.lock().unwrap();
        calls.push(Call {
            provider: self.name.clone(),
            key: cx.key.name.to_string(),
            model: cx.model.to_owned(),
            at: Instant::now(),
        });
        calls.iter().filter(|c| c.provider == self.name).count() - 1
    }
}

fn response(text: &str, model: &str) -> ChatResponse {
    ChatResponse {
        id: "chatcmpl-fake".into(),
        object: "chat.completion".into(),
        model: model.into(),
        choices: vec![ChatChoice {
            index: 0,
            message: ChatMessage::text(Role::Assistant, text),
            finish_reason: Some("stop".into()),
            logprobs: None,
            extra: Default::default(),
        }],
        usage: Some(Usage::new(3, 2)),
        ..ChatResponse::default()
    }
}

fn chunk(text: Option<&str>, finish: Option<&str>, usage: Option<Usage>) -> StreamChunk {
    StreamChunk::Chat(ChatStreamChunk {
        id: "chatcmpl-fake".into(),
        object: "chat.completion.chunk".into(),
        choices: if usage.is_some() {
            vec![]
        } else {
            vec![ChatStreamChoice {
                index: 0,
                delta: ChatDelta {
                    content: text.map(str::to_owned),
                    ..ChatDelta::default()
                },
                finish_reason: finish.map(str::to_owned),
                ..ChatStreamChoice::default()
            }]
        },
        usage,
        ..ChatStreamChunk::default()
    })
}

#[async_trait]
impl Provider for FakeProvider {
    fn name(&self) -> &str {
        &self.name
    }

    fn supports(&self, rt: RequestType) -> bool {
        matches!(
            rt,
            RequestType::ChatCompletion
                | RequestType::ChatCompletionStream
                | RequestType::Passthrough
        )
    }

    async fn chat(
        &self,
        cx: CallContext<'_>,
        req: &ChatRequest,
    ) -> Result<ChatResponse, BifrostError> {
        let n = self.record(&cx);
        let b = (self.script)(n, &cx.key.name, &req.model);
        tokio::time::sleep(b.delay).await;
        match b.reply {
            Reply::Text(t) => Ok(response(&t, &req.model)),
            Reply::Error(e) => Err(e),
            Reply::Chunks(_) => panic!("chunks scripted for a non-stream call"),
        }
    }

    async fn passthrough(
        &self,
        cx: CallContext<'_>,
        req: &bifrost_core::schemas::PassthroughRequest,
    ) -> Result<bifrost_core::schemas::PassthroughResponse, BifrostError> {
        self.record(&cx);
        Ok(bifrost_core::schemas::PassthroughResponse {
            status: 200,
            headers: vec![],
            body: req.body.clone(),
            extra_fields: None,
        })
    }

    async fn chat_stream(
        &self,
        cx: CallContext<'_>,
        req: &ChatRequest,
    ) -> Result<ChunkStream, BifrostError> {
        let n = self.record(&cx);
        let b = (self.script)(n, &cx.key.name, &req.model);
        tokio::time::sleep(b.delay).await;
        match b.reply {
            Reply::Error(e) => Err(e),
            Reply::Text(t) => Ok(Box::pin(futures::stream::iter(vec![
                Ok(chunk(Some(&t), None, None)),
                Ok(chunk(None, Some("stop"), None)),
            ]))),
            Reply::Chunks(items) => Ok(Box::pin(futures::stream::iter(items).then(
                |(d, item)| async move {
                    tokio::time::sleep(d).await;
                    item
                },
            ))),
        }
    }
}

struct Harness {
    bifrost: Bifrost,
    calls: Arc<Mutex<Vec<Call>>>,
}

impl Harness {
    fn calls(&self) -> Vec<Call> {
        self.calls.lock().unwrap().clone()
    }
}

fn keys(names: &[&str]) -> Vec<KeyConfig> {
    names
        .iter()
        .map(|n| KeyConfig {
            name: Some((*n).to_owned()),
            value: format!("sk-{n}"),
            ..KeyConfig::default()
        })
        .collect()
}

fn provider(keys: Vec<KeyConfig>, retries: u32) -> ProviderConfig {
    ProviderConfig {
        keys,
        network_config: Some(NetworkConfig {
            max_retries: Some(retries),
            retry_backoff_initial: Some(Millis(Duration::from_millis(100))),
            retry_backoff_max: Some(Millis(Duration::from_millis(1000))),
            default_request_timeout_in_seconds: Some(30),
            stream_idle_timeout_in_seconds: Some(5),
            ..NetworkConfig::default()
        }),
        ..ProviderConfig::default()
    }
}

fn harness_with(
    providers: Vec<(&str, ProviderConfig)>,
    plugins: Vec<Arc<dyn Plugin>>,
    drop_excess: bool,
    script: impl Fn(usize, &str, &str) -> Behavior + Send + Sync + 'static,
) -> Harness {
    let calls = Arc::new(Mutex::new(Vec::new()));
    let script: Arc<Script> = Arc::new(script);
    let factory_calls = calls.clone();
    let factory: ProviderFactory = Arc::new(move |name: &str, _cfg: &ProviderConfig| {
        Some(Arc::new(FakeProvider {
            name: name.to_owned(),
            script: script.clone(),
            calls: factory_calls.clone(),
        }) as Arc<dyn Provider>)
    });
    let mut config = EngineConfig::with_providers(
        providers
            .into_iter()
            .map(|(n, p)| (n.to_owned(), p))
            .collect(),
    );
    config.drop_excess_requests = drop_excess;
    let bifrost = Bifrost::with_provider_factory(config, plugins, factory).unwrap();
    Harness { bifrost, calls }
}

fn harness(
    key_names: &[&str],
    retries: u32,
    script: impl Fn(usize, &str, &str) -> Behavior + Send + Sync + 'static,
) -> Harness {
    harness_with(
        vec![("openai", provider(keys(key_names), retries))],
        vec![],
        false,
        script,
    )
}

fn chat_request(model: &str) -> ChatRequest {
    ChatRequest {
        model: model.into(),
        messages: vec![ChatMessage::text(Role::User, "hi")],
        ..ChatRequest::default()
    }
}

fn text_of(r: &ChatResponse) -> String {
    r.choices[0].message.text_content()
}

#[tokio::test(start_paused = true)]
async fn server_errors_retry_the_same_key_with_growing_backoff() {
    let h = harness(&["a"], 3, |n, _, _| {
        if n < 3 {
            fail(upstream(503))
        } else {
            ok("fine")
        }
    });
    let r = h.bifrost.chat(chat_request("openai/gpt-4o")).await.unwrap();
    assert_eq!(text_of(&r), "fine");
    let calls = h.calls();
    assert_eq!(calls.len(), 4);
    assert!(calls.iter().all(|c| c.key == "a"));
    let gaps: Vec<Duration> = calls.windows(2).map(|w| w[1].at - w[0].at).collect();
    for (gap, base) in gaps.iter().zip([100u64, 200, 400]) {
        let base = Duration::from_millis(base);
        assert!(
            *gap >= base.mul_f64(0.8) && *gap <= base.mul_f64(1.2),
            "gap {gap:?} vs base {base:?}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn retries_stop_at_max_retries_and_return_the_upstream_error() {
    let h = harness(&["a"], 2, |_, _, _| fail(upstream(500)));
    let err = h
        .bifrost
        .chat(chat_request("openai/gpt-4o"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), 500);
    assert!(!err.is_bifrost_error());
    assert_eq!(err.extra_fields().provider, "openai");
    assert_eq!(h.calls().len(), 3);
}

#[tokio::test(start_paused = true)]
async fn rate_limits_rotate_keys_and_honour_retry_after() {
    let h = harness(&["a", "b"], 1, |_, _, _| {
        fail(upstream(429).with_retry_after(Some(Duration::from_secs(3))))
    });
    let err = h
        .bifrost
        .chat(chat_request("openai/gpt-4o"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), 429);
    let calls = h.calls();
    assert_eq!(calls.len(), 2);
    assert_ne!(calls[0].key, calls[1].key, "a 429 moves to another key");
    assert!(
        calls[1].at - calls[0].at >= Duration::from_secs(3),
        "Retry-After is honoured"
    );
}

#[tokio::test(start_paused = true)]
async fn dead_keys_rotate_at_once_without_spending_retries() {
    let h = harness(&["a", "b", "c"], 0, |_, key, _| {
        if key == "c" {
            ok("from c")
        } else {
            fail(upstream(401))
        }
    });
    let r = h.bifrost.chat(chat_request("openai/gpt-4o")).await.unwrap();
    assert_eq!(text_of(&r), "from c");
    let calls = h.calls();
    assert!(
        calls.windows(2).all(|w| w[1].at == w[0].at),
        "no backoff after 401"
    );
    let mut used: Vec<String> = calls.iter().map(|c| c.key.clone()).collect();
    used.dedup();
    assert_eq!(used.len(), calls.len(), "a dead key is never reused");
}

#[tokio::test(start_paused = true)]
async fn all_keys_dead_is_upstream_credentials_exhausted() {
    let h = harness(&["a", "b"], 5, |_, key, _| {
        fail(upstream(if key == "a" { 401 } else { 403 }))
    });
    let err = h
        .bifrost
        .chat(chat_request("openai/gpt-4o"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), 502);
    assert_eq!(err.error_type(), Some("upstream_credentials_exhausted"));
    assert_eq!(
        err.message(),
        "all configured keys returned permanent per-key errors (401/402/403)"
    );
    assert_eq!(h.calls().len(), 2);
}

#[tokio::test(start_paused = true)]
async fn client_errors_are_not_retried() {
    for status in [400u16, 404, 422] {
        let h = harness(&["a"], 3, move |_, _, _| fail(upstream(status)));
        let err = h
            .bifrost
            .chat(chat_request("openai/gpt-4o"))
            .await
            .unwrap_err();
        assert_eq!(err.status(), status);
        assert_eq!(h.calls().len(), 1, "status {status} must not be retried");
    }
}

#[tokio::test(start_paused = true)]
async fn an_attempt_is_bounded_by_the_request_timeout() {
    let h = harness(&["a"], 0, |_, _, _| Behavior {
        delay: Duration::from_secs(3600),
        reply: Reply::Text("too late".into()),
    });
    let started = Instant::now();
    let err = h
        .bifrost
        .chat(chat_request("openai/gpt-4o"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), 504);
    assert_eq!(err.code(), Some("request_timed_out"));
    assert_eq!(started.elapsed(), Duration::from_secs(30));
}

#[tokio::test(start_paused = true)]
async fn fallbacks_run_in_order_and_the_primary_error_wins_when_all_fail() {
    let h = harness_with(
        vec![
            ("openai", provider(keys(&["a"]), 1)),
            ("groq", provider(keys(&["g"]), 1)),
            ("mistral", provider(keys(&["m"]), 0)),
        ],
        vec![],
        false,
        |_, key, _| match key {
            "a" => fail(upstream(503)),
            "g" => fail(upstream(500)),
            _ => fail(upstream(502)),
        },
    );
    let mut req = chat_request("openai/gpt-4o");
    req.fallbacks = Some(vec![
        "groq/llama".into(),
        "not-a-provider-model".into(),
        "mistral/small".into(),
    ]);
    let err = h.bifrost.chat(req).await.unwrap_err();
    assert_eq!(err.status(), 503, "the primary's error is returned");
    assert_eq!(err.extra_fields().provider, "openai");
    let order: Vec<(String, String)> = h
        .calls()
        .into_iter()
        .map(|c| (c.provider, c.model))
        .collect();
    assert_eq!(
        order,
        [
            ("openai".into(), "gpt-4o".into()),
            ("openai".into(), "gpt-4o".into()),
            ("groq".into(), "llama".into()),
            ("groq".into(), "llama".into()),
            ("mistral".into(), "small".into()),
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_fallback_serves_and_says_so() {
    let h = harness_with(
        vec![
            ("openai", provider(keys(&["a"]), 0)),
            ("groq", provider(keys(&["g"]), 0)),
        ],
        vec![],
        false,
        |_, key, _| {
            if key == "a" {
                fail(upstream(500))
            } else {
                ok("groq here")
            }
        },
    );
    let mut req = chat_request("openai/gpt-4o");
    req.fallbacks = Some(vec!["groq/llama-3".into()]);
    let r = h.bifrost.chat(req).await.unwrap();
    assert_eq!(text_of(&r), "groq here");
    let ef = r.extra_fields.unwrap();
    assert_eq!(ef.provider, "groq");
    assert_eq!(ef.fallback_index, Some(1));
    assert_eq!(ef.model_requested, "openai/gpt-4o");
}

#[tokio::test(start_paused = true)]
async fn no_fallback_after_an_invalid_request() {
    let h = harness_with(
        vec![
            ("openai", provider(keys(&["a"]), 0)),
            ("groq", provider(keys(&["g"]), 0)),
        ],
        vec![],
        false,
        |_, _, _| fail(upstream(400)),
    );
    let mut req = chat_request("openai/gpt-4o");
    req.fallbacks = Some(vec!["groq/llama-3".into()]);
    let err = h.bifrost.chat(req).await.unwrap_err();
    assert_eq!(err.status(), 400);
    assert_eq!(h.calls().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn excess_requests_are_dropped_when_asked() {
    let mut cfg = provider(keys(&["a"]), 0);
    cfg.concurrency_and_buffer_size = Some(bifrost_core::config::ConcurrencyAndBufferSize {
        concurrency: Some(1),
        buffer_size: Some(1),
    });
    let h = Arc::new(harness_with(
        vec![("openai", cfg)],
        vec![],
        true,
        |_, _, _| Behavior {
            delay: Duration::from_secs(1),
            reply: Reply::Text("slow".into()),
        },
    ));
    let mut tasks = Vec::new();
    for _ in 0..3 {
        let h = h.clone();
        tasks.push(tokio::spawn(async move {
            h.bifrost.chat(chat_request("openai/gpt-4o")).await
        }));
    }
    let mut ok_count = 0;
    let mut dropped = Vec::new();
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok_count += 1,
            Err(e) => dropped.push(e),
        }
    }
    assert_eq!(ok_count, 2, "one in flight and one waiting succeed");
    assert_eq!(dropped.len(), 1);
    assert_eq!(dropped[0].status(), 429);
    assert_eq!(dropped[0].kind(), ErrorKind::QueueFull);
}

/// Records hook calls in order.
struct Recorder {
    name: &'static str,
    log: Arc<Mutex<Vec<String>>>,
    short: Option<fn() -> ShortCircuit>,
    recover: bool,
    skip_chunks: bool,
}

#[async_trait]
impl Plugin for Recorder {
    fn name(&self) -> &str {
        self.name
    }

    async fn pre_hook(
        &self,
        _ctx: &mut RequestContext,
        req: &mut bifrost_core::schemas::Request,
    ) -> Result<PreHookOutcome, PluginError> {
        self.log
            .lock()
            .unwrap()
            .push(format!("pre:{}:{}", self.name, req.provider));
        if let Some(f) = self.short {
            return Ok(PreHookOutcome::ShortCircuit(f()));
        }
        if self.name == "broken" {
            return Err(PluginError("boom".into()));
        }
        Ok(PreHookOutcome::Continue)
    }

    async fn post_hook(
        &self,
        _ctx: &mut RequestContext,
        outcome: &mut Outcome,
    ) -> Result<(), PluginError> {
        let what = match outcome {
            Outcome::Response(_) => "response".to_owned(),
            Outcome::Error(e) => format!("error{}", e.status()),
            Outcome::StreamEnded(s) => summary_tag(s),
        };
        self.log
            .lock()
            .unwrap()
            .push(format!("post:{}:{what}", self.name));
        if self.recover && matches!(outcome, Outcome::Error(_)) {
            *outcome = Outcome::Response(Response::Chat(Box::new(response("recovered", "m"))));
        }
        Ok(())
    }

    fn stream_chunk_hook(&self, _ctx: &mut RequestContext, chunk: &mut StreamChunk) -> ChunkAction {
        if self.skip_chunks && chunk.finish_reason().is_none() && chunk.usage().is_none() {
            return ChunkAction::Skip;
        }
        ChunkAction::Forward
    }
}

fn summary_tag(s: &StreamSummary) -> String {
    format!(
        "stream(chunks={},usage={},cancelled={},error={})",
        s.chunks,
        s.usage.as_ref().map(|u| u.total_tokens).unwrap_or(0),
        s.cancelled,
        s.error.is_some()
    )
}

fn recorder(name: &'static str, log: &Arc<Mutex<Vec<String>>>) -> Recorder {
    Recorder {
        name,
        log: log.clone(),
        short: None,
        recover: false,
        skip_chunks: false,
    }
}

#[tokio::test(start_paused = true)]
async fn post_hooks_run_in_reverse_only_for_plugins_whose_pre_hook_ran() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut cache = recorder("cache", &log);
    cache.short =
        Some(|| ShortCircuit::Response(Response::Chat(Box::new(response("cached", "m")))));
    let plugins: Vec<Arc<dyn Plugin>> = vec![
        Arc::new(recorder("first", &log)),
        Arc::new(recorder("broken", &log)),
        Arc::new(cache),
        Arc::new(recorder("never", &log)),
    ];
    let h = harness_with(
        vec![("openai", provider(keys(&["a"]), 0))],
        plugins,
        false,
        |_, _, _| ok("upstream"),
    );
    let r = h.bifrost.chat(chat_request("openai/gpt-4o")).await.unwrap();
    assert_eq!(text_of(&r), "cached");
    assert!(h.calls().is_empty(), "a short-circuit skips the upstream");
    assert_eq!(
        *log.lock().unwrap(),
        [
            "pre:first:openai",
            "pre:broken:openai",
            "pre:cache:openai",
            "post:cache:response",
            "post:broken:response",
            "post:first:response",
        ]
    );
    assert_eq!(r.extra_fields.unwrap().provider, "openai");
}

#[tokio::test(start_paused = true)]
async fn a_short_circuit_error_and_a_post_hook_recovery() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut guard = recorder("guard", &log);
    guard.short = Some(|| {
        ShortCircuit::Error(
            BifrostError::new(ErrorKind::Plugin, "budget exceeded")
                .with_status(402)
                .with_allow_fallbacks(false),
        )
    });
    let h = harness_with(
        vec![
            ("openai", provider(keys(&["a"]), 0)),
            ("groq", provider(keys(&["g"]), 0)),
        ],
        vec![Arc::new(guard)],
        false,
        |_, _, _| ok("never"),
    );
    let mut req = chat_request("openai/gpt-4o");
    req.fallbacks = Some(vec!["groq/x".into()]);
    let err = h.bifrost.chat(req).await.unwrap_err();
    assert_eq!(err.status(), 402);
    assert!(h.calls().is_empty());
    assert_eq!(
        *log.lock().unwrap(),
        ["pre:guard:openai", "post:guard:error402"],
        "allow_fallbacks=false stops the chain"
    );

    let log = Arc::new(Mutex::new(Vec::new()));
    let mut healer = recorder("healer", &log);
    healer.recover = true;
    let h = harness_with(
        vec![("openai", provider(keys(&["a"]), 0))],
        vec![Arc::new(healer)],
        false,
        |_, _, _| fail(upstream(500)),
    );
    let r = h.bifrost.chat(chat_request("openai/gpt-4o")).await.unwrap();
    assert_eq!(text_of(&r), "recovered");
}

#[tokio::test(start_paused = true)]
async fn hooks_run_again_for_each_fallback() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let h = harness_with(
        vec![
            ("openai", provider(keys(&["a"]), 0)),
            ("groq", provider(keys(&["g"]), 0)),
        ],
        vec![Arc::new(recorder("p", &log))],
        false,
        |_, key, _| {
            if key == "a" {
                fail(upstream(503))
            } else {
                ok("ok")
            }
        },
    );
    let mut req = chat_request("openai/gpt-4o");
    req.fallbacks = Some(vec!["groq/x".into()]);
    h.bifrost.chat(req).await.unwrap();
    assert_eq!(
        *log.lock().unwrap(),
        [
            "pre:p:openai",
            "post:p:error503",
            "pre:p:groq",
            "post:p:response"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn streams_run_chunk_hooks_and_report_a_summary_at_the_end() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut filter = recorder("filter", &log);
    filter.skip_chunks = true;
    let h = harness_with(
        vec![("openai", provider(keys(&["a"]), 0))],
        vec![Arc::new(recorder("outer", &log)), Arc::new(filter)],
        false,
        |_, _, _| Behavior {
            delay: Duration::ZERO,
            reply: Reply::Chunks(vec![
                (Duration::ZERO, Ok(chunk(Some("a"), None, None))),
                (Duration::ZERO, Ok(chunk(Some("b"), None, None))),
                (Duration::ZERO, Ok(chunk(None, Some("stop"), None))),
                (
                    Duration::ZERO,
                    Ok(chunk(None, None, Some(Usage::new(5, 2)))),
                ),
            ]),
        },
    );
    let stream = h
        .bifrost
        .chat_stream(chat_request("openai/gpt-4o"))
        .await
        .unwrap();
    let items: Vec<_> = stream.collect().await;
    assert_eq!(items.len(), 2, "text chunks were skipped by the filter");
    let last = items.last().unwrap().as_ref().unwrap();
    let StreamChunk::Chat(c) = last else { panic!() };
    assert_eq!(c.extra_fields.as_ref().unwrap().chunk_index, Some(1));
    let log = log.lock().unwrap().clone();
    assert_eq!(
        log,
        [
            "pre:outer:openai",
            "pre:filter:openai",
            "post:filter:stream(chunks=2,usage=7,cancelled=false,error=false)",
            "post:outer:stream(chunks=2,usage=7,cancelled=false,error=false)",
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_stream_that_fails_before_its_first_chunk_is_retried() {
    let h = harness(&["a"], 1, |n, _, _| {
        if n == 0 {
            Behavior {
                delay: Duration::ZERO,
                reply: Reply::Chunks(vec![(Duration::ZERO, Err(upstream(503)))]),
            }
        } else {
            ok("second time")
        }
    });
    let stream = h
        .bifrost
        .chat_stream(chat_request("openai/gpt-4o"))
        .await
        .unwrap();
    let items: Vec<_> = stream.collect().await;
    assert!(items.iter().all(Result::is_ok));
    assert_eq!(h.calls().len(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_silent_stream_ends_with_an_idle_timeout_error() {
    let h = harness(&["a"], 0, |_, _, _| Behavior {
        delay: Duration::ZERO,
        reply: Reply::Chunks(vec![
            (Duration::ZERO, Ok(chunk(Some("a"), None, None))),
            (
                Duration::from_secs(600),
                Ok(chunk(Some("late"), None, None)),
            ),
        ]),
    });
    let started = Instant::now();
    let stream = h
        .bifrost
        .chat_stream(chat_request("openai/gpt-4o"))
        .await
        .unwrap();
    let items: Vec<_> = stream.collect().await;
    assert_eq!(items.len(), 2);
    let err = items[1].as_ref().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::StreamIdleTimeout);
    assert_eq!(err.status(), 504);
    assert_eq!(started.elapsed(), Duration::from_secs(5));
}

#[tokio::test(start_paused = true)]
async fn a_dropped_stream_still_reaches_the_post_hooks() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let h = harness_with(
        vec![("openai", provider(keys(&["a"]), 0))],
        vec![Arc::new(recorder("p", &log))],
        false,
        |_, _, _| Behavior {
            delay: Duration::ZERO,
            reply: Reply::Chunks(vec![
                (Duration::ZERO, Ok(chunk(Some("a"), None, None))),
                (Duration::from_secs(1), Ok(chunk(Some("b"), None, None))),
                (Duration::from_secs(1), Ok(chunk(None, Some("stop"), None))),
            ]),
        },
    );
    let mut stream = h
        .bifrost
        .chat_stream(chat_request("openai/gpt-4o"))
        .await
        .unwrap();
    assert!(stream.next().await.unwrap().is_ok());
    drop(stream);
    tokio::task::yield_now().await;
    tokio::time::sleep(Duration::from_millis(1)).await;
    let log = log.lock().unwrap().clone();
    assert_eq!(
        log.last().unwrap(),
        "post:p:stream(chunks=1,usage=0,cancelled=true,error=true)"
    );
}

#[tokio::test(start_paused = true)]
async fn key_pins_bypass_weighting_and_unknown_pins_fail() {
    let h = harness(&["a", "b"], 0, |_, _, _| ok("ok"));
    let snapshot_req = |pin: bifrost_core::KeyPin| {
        let mut ctx = RequestContext::new("req-1");
        ctx.key_pin = Some(pin);
        ctx
    };
    for _ in 0..5 {
        let mut ctx = snapshot_req(bifrost_core::KeyPin::Name("b".into()));
        let req = h
            .bifrost
            .request(bifrost_core::schemas::RequestBody::Chat(Box::new(
                chat_request("openai/gpt-4o"),
            )))
            .unwrap();
        h.bifrost.execute(&mut ctx, req).await.unwrap();
    }
    assert!(h.calls().iter().all(|c| c.key == "b"));
    let mut ctx = snapshot_req(bifrost_core::KeyPin::Id("nope".into()));
    let req = h
        .bifrost
        .request(bifrost_core::schemas::RequestBody::Chat(Box::new(
            chat_request("openai/gpt-4o"),
        )))
        .unwrap();
    let err = h.bifrost.execute(&mut ctx, req).await.unwrap_err();
    assert_eq!(err.status(), 400);
    assert!(
        err.message()
            .contains("no supported key found with id \"nope\"")
    );
}

#[tokio::test(start_paused = true)]
async fn a_config_update_applies_to_new_requests_while_old_ones_finish() {
    let h = Arc::new(harness(&["a"], 0, |_, key, _| Behavior {
        delay: Duration::from_secs(2),
        reply: Reply::Text(format!("served by {key}")),
    }));
    let h2 = h.clone();
    let in_flight =
        tokio::spawn(async move { h2.bifrost.chat(chat_request("openai/gpt-4o")).await });
    tokio::time::sleep(Duration::from_millis(10)).await;
    let mut cfg = h.bifrost.config();
    cfg.providers
        .insert("openai".into(), provider(keys(&["z"]), 0));
    h.bifrost.update_config(cfg).unwrap();
    let fresh = h.bifrost.chat(chat_request("openai/gpt-4o")).await.unwrap();
    assert_eq!(text_of(&fresh), "served by z");
    let old = in_flight.await.unwrap().unwrap();
    assert_eq!(text_of(&old), "served by a");
}

#[tokio::test(start_paused = true)]
async fn passthrough_requests_run_the_whole_plugin_pipeline() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let h = harness_with(
        vec![("openai", provider(keys(&["a"]), 0))],
        vec![Arc::new(recorder("policy", &log))],
        false,
        |_, _, _| ok("unused"),
    );
    let mut ctx = RequestContext::new("p-1");
    let req = bifrost_core::schemas::Request {
        provider: "openai".into(),
        model: "gpt-4o".into(),
        fallbacks: vec![],
        body: bifrost_core::schemas::RequestBody::Passthrough(Box::new(
            bifrost_core::schemas::PassthroughRequest {
                method: "POST".into(),
                path: "/v1/chat/completions".into(),
                body: bytes::Bytes::from_static(b"{\"model\":\"gpt-4o\"}"),
                model: "gpt-4o".into(),
                ..Default::default()
            },
        )),
    };
    let Response::Passthrough(r) = h.bifrost.execute(&mut ctx, req).await.unwrap() else {
        panic!("expected a passthrough answer")
    };
    assert_eq!(&r.body[..], b"{\"model\":\"gpt-4o\"}");
    assert_eq!(
        *log.lock().unwrap(),
        ["pre:policy:openai", "post:policy:response"]
    );
    assert_eq!(h.calls()[0].key, "a");
}
