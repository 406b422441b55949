//! The telemetry plugin's cost per request: pre-hook, post-hook and the overhead observation
//! (when the request context is dropped), against the same loop without the plugin.
//!
//! Run with `cargo bench -p bifrost-plugin-telemetry`.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bifrost_core::schemas::{ChatRequest, ChatResponse, Request, RequestBody, Response, Usage};
use bifrost_core::{Attempt, Outcome, Plugin, RequestContext};
use bifrost_plugin_telemetry::{Telemetry, TelemetryConfig};
use criterion::{Criterion, criterion_group, criterion_main};
use futures::executor::block_on;

fn request() -> Request {
    Request {
        provider: "openai".into(),
        model: "gpt-4o-mini".into(),
        fallbacks: Vec::new(),
        body: RequestBody::Chat(Box::new(ChatRequest {
            model: "gpt-4o-mini".into(),
            ..ChatRequest::default()
        })),
    }
}

fn response() -> Response {
    Response::Chat(Box::new(ChatResponse {
        usage: Some(Usage {
            prompt_tokens: 28,
            completion_tokens: 21,
            total_tokens: 49,
            ..Usage::default()
        }),
        ..ChatResponse::default()
    }))
}

fn attempt() -> Attempt {
    Attempt {
        provider: Arc::from("openai"),
        key_id: Arc::from("k1"),
        key_name: Arc::from("main"),
        status: None,
        success: true,
        started_at: Instant::now(),
        latency: Duration::from_millis(1),
    }
}

fn context() -> RequestContext {
    let mut ctx = RequestContext::new("0b8f5c1e-7c1a-4a53-9d0b-3c1f2a9e8d71");
    ctx.headers
        .insert("x-bf-dim-team", http::HeaderValue::from_static("search"));
    ctx
}

fn bench(c: &mut Criterion) {
    let labels = vec!["team".to_owned()];
    let Ok((telemetry, _)) = Telemetry::new(&TelemetryConfig::default(), &labels) else {
        return;
    };
    let plugin = telemetry.plugin();
    let mut group = c.benchmark_group("telemetry");
    group.bench_function("request without the plugin", |b| {
        b.iter(|| {
            let mut ctx = context();
            let mut req = request();
            ctx.attempts.push(attempt());
            let outcome = Outcome::Response(response());
            black_box((&mut ctx, &mut req, outcome));
        })
    });
    group.bench_function("request with the plugin", |b| {
        b.iter(|| {
            let mut ctx = context();
            let mut req = request();
            let _ = block_on(plugin.pre_hook(&mut ctx, &mut req));
            ctx.attempts.push(attempt());
            let mut outcome = Outcome::Response(response());
            let _ = block_on(plugin.post_hook(&mut ctx, &mut outcome));
            black_box((&mut ctx, &mut req, outcome));
        })
    });
    group.finish();
    c.bench_function("render /metrics", |b| {
        b.iter(|| black_box(telemetry.render()))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
