//! Process logs: every line about a request names its request id; keys and message bodies are
//! never logged.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod harness;

use std::io::Write;
use std::sync::{Arc, Mutex};

use bifrost_http::cli::LogStyle;
use bifrost_http::logging;
use bifrost_mock_upstream::MockUpstream;
use harness::{chat, key, provider, start_with};
use serde_json::{Value, json};
use tracing_subscriber::fmt::MakeWriter;

const KEY: &str = "sk-openai-very-secret-1";
const PROMPT: &str = "PROMPT-MARKER-7f3a";

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

struct CaptureWriter(Arc<Mutex<Vec<u8>>>);

impl Write for CaptureWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Capture {
    type Writer = CaptureWriter;

    fn make_writer(&'a self) -> Self::Writer {
        CaptureWriter(self.0.clone())
    }
}

impl Capture {
    fn lines(&self) -> Vec<Value> {
        let text = String::from_utf8(self.0.lock().unwrap().clone()).unwrap();
        text.lines()
            .map(|l| serde_json::from_str(l).expect("a JSON log line"))
            .collect()
    }
}

/// Runs a few requests (a success, an upstream failure, a failure with a fallback to an
/// unconfigured provider, a malformed body) with the gateway's JSON logger at `level`; returns the lines.
async fn logged(level: &str) -> Vec<Value> {
    let capture = Capture::default();
    let subscriber = logging::subscriber(level, LogStyle::Json, capture.clone()).unwrap();
    let _guard = tracing::subscriber::set_default(subscriber);
    let mock = MockUpstream::start().await.expect("mock");
    let config = json!({"providers": {
        "openai": provider(&mock, json!([key("oa-1", "openai-main", KEY, 1.0)]), json!({}))
    }});
    let h = start_with(mock, config).await;
    let ok = h
        .post(
            "/v1/chat/completions",
            &chat("openai/gpt-4o-mini", PROMPT),
            &[("x-request-id", "req-ok")],
        )
        .await;
    assert_eq!(ok.status, 200);
    let failed = h
        .post(
            "/v1/chat/completions",
            &chat("openai/error-500", PROMPT),
            &[("x-request-id", "req-500")],
        )
        .await;
    assert_eq!(failed.status, 500);
    let mut body = chat("openai/error-503", PROMPT);
    body["fallbacks"] = json!(["nowhere/model-x"]);
    let skipped = h
        .post(
            "/v1/chat/completions",
            &body,
            &[("x-request-id", "req-fallback")],
        )
        .await;
    assert_eq!(skipped.status, 503);
    let bad = h
        .post(
            "/v1/chat/completions",
            &json!({"model": "openai/gpt-4o-mini", "messages": PROMPT}),
            &[("x-request-id", "req-bad")],
        )
        .await;
    assert_eq!(bad.status, 400);
    capture.lines()
}

fn request_id(line: &Value) -> Option<&str> {
    line["request_id"]
        .as_str()
        .or_else(|| line["span"]["request_id"].as_str())
}

fn ours(line: &Value) -> bool {
    line["target"]
        .as_str()
        .is_some_and(|t| t.starts_with("bifrost_http") || t.starts_with("bifrost_core"))
}

#[tokio::test]
async fn info_lines_name_the_request_and_never_show_keys_or_bodies() {
    let lines = logged("info").await;
    let ours: Vec<&Value> = lines.iter().filter(|l| ours(l)).collect();
    let messages: Vec<(&str, &str)> = ours
        .iter()
        .map(|l| {
            (
                l["message"].as_str().unwrap(),
                request_id(l).expect("request_id"),
            )
        })
        .collect();
    assert!(
        messages.contains(&("request failed", "req-500")),
        "{messages:?}"
    );
    assert!(
        messages.contains(&("request failed", "req-fallback")),
        "{messages:?}"
    );
    assert!(
        messages.contains(&("request rejected", "req-bad")),
        "{messages:?}"
    );
    let all = serde_json::to_string(&lines).unwrap();
    assert!(!all.contains(KEY), "a key was logged");
    assert!(!all.contains(PROMPT), "a message body was logged");
}

#[tokio::test]
async fn with_debug_on_every_line_inside_a_request_carries_its_id() {
    let lines = logged("debug").await;
    let ours: Vec<&Value> = lines.iter().filter(|l| ours(l)).collect();
    assert!(
        ours.iter()
            .any(|l| l["message"] == "upstream attempt failed")
    );
    for line in &ours {
        assert!(request_id(line).is_some(), "no request id: {line}");
    }
    // The upstream client's lines, logged while it serves a request, carry it too.
    let connects: Vec<&&Value> = ours
        .iter()
        .filter(|l| l["message"] == "opening an upstream connection")
        .collect();
    assert!(
        !connects.is_empty(),
        "the upstream client logs its connections"
    );
    assert!(
        connects.iter().all(|l| request_id(l).is_some()),
        "{connects:?}"
    );
    let all = serde_json::to_string(&lines).unwrap();
    assert!(!all.contains(KEY), "a key was logged");
}
