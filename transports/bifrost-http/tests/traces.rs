//! OTLP traces received by an in-process collector (HTTP/protobuf and gRPC), decoded with
//! `opentelemetry-proto`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod harness;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use bifrost_mock_upstream::MockUpstream;
use harness::{Harness, chat, key, provider, sse_events, start_with};
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyValue;
use opentelemetry_proto::tonic::trace::v1::Span;
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use opentelemetry_proto::tonic::trace::v1::status::StatusCode;
use prost::Message;
use serde_json::{Value, json};

/// What the collector received.
#[derive(Default)]
struct Received {
    requests: Vec<ExportTraceServiceRequest>,
    headers: Vec<HashMap<String, String>>,
}

type Shared = Arc<Mutex<Received>>;

fn header_map(h: &http::HeaderMap) -> HashMap<String, String> {
    h.iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                v.to_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

async fn http_export(
    State(shared): State<Shared>,
    headers: http::HeaderMap,
    body: Bytes,
) -> Vec<u8> {
    let request = ExportTraceServiceRequest::decode(body.as_ref()).expect("OTLP protobuf body");
    let mut r = shared.lock().unwrap();
    r.requests.push(request);
    r.headers.push(header_map(&headers));
    ExportTraceServiceResponse::default().encode_to_vec()
}

/// An OTLP/HTTP collector on a free port: `POST /v1/traces`.
async fn http_collector() -> (SocketAddr, Shared) {
    let shared = Shared::default();
    let app = axum::Router::new()
        .route("/v1/traces", post(http_export))
        .with_state(shared.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (addr, shared)
}

struct Grpc(Shared);

#[tonic::async_trait]
impl TraceService for Grpc {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        let headers = header_map(&request.metadata().clone().into_headers());
        let mut r = self.0.lock().unwrap();
        r.requests.push(request.into_inner());
        r.headers.push(headers);
        Ok(tonic::Response::new(ExportTraceServiceResponse::default()))
    }
}

/// An OTLP/gRPC collector on a free port.
async fn grpc_collector() -> (SocketAddr, Shared) {
    let shared = Shared::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tonic::transport::Server::builder()
        .add_service(TraceServiceServer::new(Grpc(shared.clone())))
        .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener));
    tokio::spawn(server);
    (addr, shared)
}

async fn start(otel: Value) -> Harness {
    let mock = MockUpstream::start().await.expect("mock");
    let config = json!({
        "client": {"prometheus_labels": ["team"]},
        "providers": {
            "openai": provider(&mock, json!([key("oa-1", "openai-main", "sk-openai-secret-1", 1.0)]),
                json!({"max_retries": 1, "retry_backoff_initial": 1, "retry_backoff_max": 2})),
            "groq": provider(&mock, json!([key("gq-1", "groq-main", "sk-groq-secret-1", 1.0)]), json!({})),
        },
        "plugins": [{"name": "otel", "enabled": true, "config": otel}]
    });
    start_with(mock, config).await
}

/// Exports what is buffered (the plugins' cleanup flushes the exporter) and returns every span
/// received, with the resource's `service.name`.
async fn spans(h: &Harness, shared: &Shared) -> Vec<(String, Span)> {
    h.loaded.state.bifrost.shutdown().await;
    let r = shared.lock().unwrap();
    let mut out = Vec::new();
    for req in &r.requests {
        for rs in &req.resource_spans {
            let service = rs
                .resource
                .as_ref()
                .and_then(|res| res.attributes.iter().find(|a| a.key == "service.name"))
                .and_then(|a| a.value.as_ref())
                .and_then(|v| match &v.value {
                    Some(AnyValue::StringValue(s)) => Some(s.clone()),
                    _ => None,
                })
                .unwrap_or_default();
            for ss in &rs.scope_spans {
                for s in &ss.spans {
                    out.push((service.clone(), s.clone()));
                }
            }
        }
    }
    out
}

fn attr<'a>(span: &'a Span, key: &str) -> Option<&'a AnyValue> {
    span.attributes
        .iter()
        .find(|a| a.key == key)
        .and_then(|a| a.value.as_ref())
        .and_then(|v| v.value.as_ref())
}

fn s(span: &Span, key: &str) -> String {
    match attr(span, key) {
        Some(AnyValue::StringValue(v)) => v.clone(),
        other => panic!("{key} is not a string on {}: {other:?}", span.name),
    }
}

fn i(span: &Span, key: &str) -> i64 {
    match attr(span, key) {
        Some(AnyValue::IntValue(v)) => *v,
        other => panic!("{key} is not an int on {}: {other:?}", span.name),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

const CALLER_TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN: &str = "00f067aa0ba902b7";

#[tokio::test]
async fn http_export_of_a_request_with_a_fallback() {
    let (addr, shared) = http_collector().await;
    let h = start(json!({
        "collector_url": format!("http://{addr}"),
        "protocol": "http",
        "service_name": "bifrost-test",
        "headers": {"x-collector-token": "env.PATH"},
        "trace_type": "genai_extension"
    }))
    .await;
    let mut body = chat("openai/error-503", "hello there");
    body["fallbacks"] = json!(["groq/gpt-4o-mini"]);
    let traceparent = format!("00-{CALLER_TRACE}-{CALLER_SPAN}-01");
    let answer = h
        .post(
            "/v1/chat/completions",
            &body,
            &[
                ("traceparent", traceparent.as_str()),
                ("x-request-id", "req-trace-1"),
                ("x-bf-dim-team", "search"),
            ],
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let response: Value = serde_json::from_str(&answer.body).unwrap();
    let spans = spans(&h, &shared).await;

    // The collector got the configured headers, with env references resolved.
    let headers = &shared.lock().unwrap().headers[0];
    assert_eq!(
        headers.get("x-collector-token").map(String::as_str),
        Some(std::env::var("PATH").unwrap().as_str())
    );
    assert_eq!(
        headers.get("content-type").map(String::as_str),
        Some("application/x-protobuf")
    );

    // Every span belongs to the caller's trace and to the configured service.
    assert!(
        spans
            .iter()
            .all(|(svc, sp)| svc == "bifrost-test" && hex(&sp.trace_id) == CALLER_TRACE)
    );
    let spans: Vec<Span> = spans.into_iter().map(|(_, s)| s).collect();

    // The root continues the caller's span.
    let roots: Vec<&Span> = spans
        .iter()
        .filter(|s| s.kind == SpanKind::Server as i32)
        .collect();
    assert_eq!(roots.len(), 1, "{spans:#?}");
    let root = roots[0];
    assert_eq!(hex(&root.parent_span_id), CALLER_SPAN);
    assert_eq!(root.name, "chat error-503");
    assert_eq!(s(root, "gen_ai.operation.name"), "chat");
    assert_eq!(s(root, "gen_ai.request.model"), "error-503");
    assert_eq!(s(root, "gen_ai.provider.name"), "groq");
    assert_eq!(s(root, "gen_ai.system"), "groq");
    assert_eq!(
        s(root, "gen_ai.response.model"),
        response["model"].as_str().unwrap()
    );
    assert_eq!(
        s(root, "gen_ai.response.id"),
        response["id"].as_str().unwrap()
    );
    assert_eq!(
        i(root, "gen_ai.usage.input_tokens"),
        response["usage"]["prompt_tokens"].as_i64().unwrap()
    );
    assert_eq!(
        i(root, "gen_ai.usage.output_tokens"),
        response["usage"]["completion_tokens"].as_i64().unwrap()
    );
    match attr(root, "gen_ai.response.finish_reasons") {
        Some(AnyValue::ArrayValue(a)) => {
            let reasons: Vec<_> = a.values.iter().filter_map(|v| v.value.clone()).collect();
            assert_eq!(reasons, [AnyValue::StringValue("stop".into())]);
        }
        other => panic!("finish reasons: {other:?}"),
    }
    assert_eq!(s(root, "bifrost.request_id"), "req-trace-1");
    assert_eq!(s(root, "bifrost.model_requested"), "openai/error-503");
    assert_eq!(s(root, "gen_ai.dimension.team"), "search");
    assert_eq!(i(root, "bifrost.fallback_index"), 1);
    assert_eq!(i(root, "bifrost.attempts"), 3);
    assert_eq!(
        root.status.as_ref().map(|s| s.code),
        Some(StatusCode::Ok as i32)
    );

    // One child per upstream attempt: two on the primary (a retry), one on the fallback.
    let mut attempts: Vec<&Span> = spans
        .iter()
        .filter(|s| s.kind == SpanKind::Client as i32)
        .collect();
    attempts.sort_by_key(|s| s.start_time_unix_nano);
    assert_eq!(attempts.len(), 3, "{attempts:#?}");
    let facts: Vec<(String, String, i64, i64, String)> = attempts
        .iter()
        .map(|a| {
            (
                s(a, "gen_ai.provider.name"),
                s(a, "gen_ai.request.model"),
                i(a, "bifrost.attempt"),
                i(a, "bifrost.fallback_index"),
                s(a, "bifrost.key.name"),
            )
        })
        .collect();
    assert_eq!(
        facts,
        [
            (
                "openai".into(),
                "error-503".into(),
                1,
                0,
                "openai-main".into()
            ),
            (
                "openai".into(),
                "error-503".into(),
                2,
                0,
                "openai-main".into()
            ),
            (
                "groq".into(),
                "gpt-4o-mini".into(),
                1,
                1,
                "groq-main".into()
            ),
        ]
    );
    for a in &attempts {
        assert_eq!(
            a.parent_span_id, root.span_id,
            "attempts are children of the root"
        );
        assert!(a.start_time_unix_nano >= root.start_time_unix_nano);
        assert!(a.end_time_unix_nano <= root.end_time_unix_nano);
        assert!(a.start_time_unix_nano <= a.end_time_unix_nano);
    }
    assert_eq!(i(attempts[0], "http.response.status_code"), 503);
    assert_eq!(s(attempts[0], "error.type"), "503");
    assert_eq!(
        attempts[0].status.as_ref().map(|s| s.code),
        Some(StatusCode::Error as i32)
    );
    assert_eq!(
        attempts[2].status.as_ref().map(|s| s.code),
        Some(StatusCode::Ok as i32)
    );
    assert!(attr(attempts[2], "http.response.status_code").is_none());
    assert!(
        attempts[0].end_time_unix_nano <= attempts[1].start_time_unix_nano,
        "sequential"
    );

    // The hooks of the plugins after this one (telemetry), for both targets.
    let mut hooks: Vec<(String, i64)> = spans
        .iter()
        .filter(|s| s.kind == SpanKind::Internal as i32)
        .map(|h| {
            assert_eq!(h.parent_span_id, root.span_id);
            (h.name.clone(), i(h, "bifrost.fallback_index"))
        })
        .collect();
    hooks.sort();
    assert_eq!(
        hooks,
        [
            ("telemetry.post_hook".to_owned(), 0),
            ("telemetry.post_hook".to_owned(), 1),
            ("telemetry.pre_hook".to_owned(), 0),
            ("telemetry.pre_hook".to_owned(), 1),
        ]
    );

    // No key value anywhere in the exported spans.
    let dump = format!("{spans:?}");
    assert!(!dump.contains("sk-openai-secret-1") && !dump.contains("sk-groq-secret-1"));

    // The upstream saw the gateway's span as its parent, in the caller's trace.
    let upstream = h.mock.requests();
    assert_eq!(upstream.len(), 3);
    for r in &upstream {
        assert_eq!(
            r.header("traceparent"),
            Some(format!("00-{CALLER_TRACE}-{}-01", hex(&root.span_id)).as_str())
        );
    }
}

#[tokio::test]
async fn grpc_export_of_a_stream() {
    let (addr, shared) = grpc_collector().await;
    let h = start(json!({
        "collector_url": format!("{addr}"),
        "protocol": "grpc",
        "headers": {"authorization": "Bearer collector-token"}
    }))
    .await;
    let mut body = chat("openai/gpt-4o-mini", "one two three four");
    body["stream"] = json!(true);
    body["stream_options"] = json!({"include_usage": true});
    let answer = h.post("/v1/chat/completions", &body, &[]).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let events = sse_events(&answer.body);
    let spans = spans(&h, &shared).await;
    assert_eq!(
        shared.lock().unwrap().headers[0]
            .get("authorization")
            .map(String::as_str),
        Some("Bearer collector-token")
    );
    assert!(
        spans.iter().all(|(svc, _)| svc == "bifrost"),
        "default service name"
    );
    let spans: Vec<Span> = spans.into_iter().map(|(_, s)| s).collect();

    let root = spans
        .iter()
        .find(|s| s.kind == SpanKind::Server as i32)
        .expect("root");
    assert!(
        root.parent_span_id.is_empty(),
        "a new trace without a caller traceparent"
    );
    assert_eq!(s(root, "gen_ai.request.model"), "gpt-4o-mini");
    assert_eq!(s(root, "gen_ai.provider.name"), "openai");
    assert_eq!(
        attr(root, "bifrost.stream"),
        Some(&AnyValue::BoolValue(true))
    );
    let usage = events
        .iter()
        .find(|e| e["usage"].is_object())
        .expect("usage chunk");
    assert_eq!(
        i(root, "gen_ai.usage.output_tokens"),
        usage["usage"]["completion_tokens"].as_i64().unwrap()
    );
    assert!(matches!(
        attr(root, "gen_ai.server.time_to_first_token"),
        Some(AnyValue::DoubleValue(t)) if *t > 0.0
    ));

    let stream = spans
        .iter()
        .find(|s| s.name == "stream")
        .expect("stream span");
    assert_eq!(stream.parent_span_id, root.span_id);
    assert_eq!(i(stream, "bifrost.stream.chunks"), events.len() as i64);
    assert_eq!(stream.events.len(), 1);
    assert_eq!(stream.events[0].name, "gen_ai.first_token");
    assert_eq!(stream.events[0].time_unix_nano, stream.start_time_unix_nano);
    assert!(stream.end_time_unix_nano <= root.end_time_unix_nano);

    let attempts: Vec<&Span> = spans
        .iter()
        .filter(|s| s.kind == SpanKind::Client as i32)
        .collect();
    assert_eq!(attempts.len(), 1);
    assert!(
        attempts[0].end_time_unix_nano <= stream.start_time_unix_nano,
        "the attempt ends at the first chunk"
    );

    let upstream = h.mock.requests();
    assert_eq!(upstream.len(), 1);
    assert_eq!(
        upstream[0].header("traceparent"),
        Some(format!("00-{}-{}-01", hex(&root.trace_id), hex(&root.span_id)).as_str())
    );
}

#[tokio::test]
async fn an_unsampled_caller_gets_no_spans_but_the_context_is_propagated() {
    let (addr, shared) = http_collector().await;
    let h = start(json!({"collector_url": format!("http://{addr}/v1/traces")})).await;
    let traceparent = format!("00-{CALLER_TRACE}-{CALLER_SPAN}-00");
    let answer = h
        .post(
            "/v1/chat/completions",
            &chat("openai/gpt-4o-mini", "hi"),
            &[("traceparent", traceparent.as_str())],
        )
        .await;
    assert_eq!(answer.status, 200);
    assert!(spans(&h, &shared).await.is_empty());
    let upstream = h.mock.requests();
    let sent = upstream[0].header("traceparent").expect("traceparent");
    assert!(sent.starts_with(&format!("00-{CALLER_TRACE}-")), "{sent}");
    assert!(sent.ends_with("-00"), "{sent}");
}
