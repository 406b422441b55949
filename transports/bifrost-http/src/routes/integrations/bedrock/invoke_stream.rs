//! Writing a [`ResponseStream`] as an InvokeModelWithResponseStream answer for an Anthropic
//! Messages body: AWS event-stream `chunk` events, each carrying one Anthropic stream event
//! (`message_start` ... `message_stop`) base64-encoded in `{"bytes": ...}`, as Bedrock sends
//! Anthropic models' streams.
//!
//! The events come from [`MessageStreamEncoder`] (without `ping`); `message_stop` carries
//! `amazon-bedrock-invocationMetrics` (token counts and latency) as Bedrock adds it. A failure
//! after the stream started is an exception message, which ends the stream.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::response::Response;
use bifrost_core::providers::anthropic::inbound::stream::{MessageStreamEncoder, OutEvent};
use bifrost_core::providers::bedrock::inbound::eventstream::{
    CONTENT_TYPE, chunk_frame, exception_frame,
};
use bifrost_core::schemas::StreamChunk;
use bifrost_core::{BifrostError, ResponseStream};
use bytes::Bytes;
use futures::StreamExt;
use http::{HeaderValue, header};
use serde_json::{Value, json};

use super::stream::member_name;

struct State {
    stream: ResponseStream,
    encoder: MessageStreamEncoder,
    events: Vec<OutEvent>,
    done: bool,
    started: Instant,
    first_byte_ms: Option<u64>,
    usage: (u64, u64),
    request_id: Arc<str>,
}

impl State {
    fn frames(&mut self, out: &mut Vec<u8>) -> Result<(), BifrostError> {
        let serialize = |e: serde_json::Error| {
            BifrostError::internal(format!("cannot serialize a stream event: {e}"))
        };
        for ev in std::mem::take(&mut self.events) {
            if matches!(ev, OutEvent::Ping) {
                continue;
            }
            let mut value = serde_json::to_value(&ev).map_err(serialize)?;
            if let Some(usage) = value.get("usage") {
                let n = |k: &str| usage.get(k).and_then(Value::as_u64).unwrap_or(0);
                self.usage = (n("input_tokens"), n("output_tokens"));
            }
            if matches!(ev, OutEvent::MessageStop)
                && let Value::Object(map) = &mut value
            {
                let elapsed = self.started.elapsed().as_millis() as u64;
                map.insert(
                    "amazon-bedrock-invocationMetrics".to_owned(),
                    json!({
                        "inputTokenCount": self.usage.0,
                        "outputTokenCount": self.usage.1,
                        "invocationLatency": elapsed,
                        "firstByteLatency": self.first_byte_ms.unwrap_or(elapsed),
                    }),
                );
            }
            let bytes = serde_json::to_vec(&value).map_err(serialize)?;
            out.extend_from_slice(&chunk_frame(&bytes));
        }
        if !out.is_empty() && self.first_byte_ms.is_none() {
            self.first_byte_ms = Some(self.started.elapsed().as_millis() as u64);
        }
        Ok(())
    }
}

/// The next piece of the body, or `None` when the stream is over.
async fn next(mut st: State) -> Option<(Result<Bytes, std::io::Error>, State)> {
    if st.done {
        return None;
    }
    loop {
        match st.stream.next().await {
            Some(Ok(StreamChunk::Chat(chunk))) => st.encoder.push(&chunk, &mut st.events),
            Some(Ok(_)) => continue,
            Some(Err(err)) => {
                tracing::warn!(
                    request_id = %st.request_id,
                    provider = st.stream.provider(),
                    status = err.status(),
                    error = %err,
                    "stream failed after it started"
                );
                st.done = true;
                let mut out = Vec::new();
                let _ = st.frames(&mut out);
                out.extend_from_slice(&exception_frame(&member_name(&err), err.message()));
                return Some((Ok(Bytes::from(out)), st));
            }
            None => {
                st.done = true;
                st.encoder.finish(&mut st.events);
            }
        }
        let mut out = Vec::new();
        if let Err(err) = st.frames(&mut out) {
            st.done = true;
            out.extend_from_slice(&exception_frame(&member_name(&err), err.message()));
        }
        if !out.is_empty() {
            return Some((Ok(Bytes::from(out)), st));
        }
        if st.done {
            return None;
        }
    }
}

/// The event-stream response for `stream`, with `x-amzn-RequestId` set.
pub fn stream_response(stream: ResponseStream, request_id: &str) -> Response {
    let state = State {
        stream,
        encoder: MessageStreamEncoder::new(request_id),
        events: Vec::with_capacity(8),
        done: false,
        started: Instant::now(),
        first_byte_ms: None,
        usage: (0, 0),
        request_id: Arc::from(request_id),
    };
    let body = futures::stream::unfold(state, next);
    let mut resp = Response::new(Body::from_stream(body));
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    if let Ok(v) = HeaderValue::from_str(request_id) {
        h.insert("x-amzn-requestid", v.clone());
        h.insert("x-request-id", v);
    }
    resp
}
