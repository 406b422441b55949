//! Writing a [`ResponseStream`] as Anthropic's server-sent events (`event: <type>\ndata: <json>\n\n`).
//!
//! The events come from [`MessageStreamEncoder`]; a failure after the stream started is sent as
//! `event: error` with Anthropic's error envelope, and the stream ends there (no
//! `message_stop`), as Anthropic ends a stream that fails.

use std::sync::Arc;

use axum::body::Body;
use axum::response::Response;
use bifrost_core::providers::anthropic::inbound::error;
use bifrost_core::providers::anthropic::inbound::stream::{
    MessageStreamEncoder, OutEvent, write_sse_frame,
};
use bifrost_core::schemas::StreamChunk;
use bifrost_core::{BifrostError, ResponseStream};
use bytes::Bytes;
use futures::StreamExt;
use http::{HeaderValue, header};

struct State {
    stream: ResponseStream,
    encoder: MessageStreamEncoder,
    events: Vec<OutEvent>,
    done: bool,
    request_id: Arc<str>,
}

fn frames(events: &mut Vec<OutEvent>) -> Result<Bytes, BifrostError> {
    let mut out = Vec::with_capacity(128 * events.len());
    for ev in events.drain(..) {
        ev.write_sse(&mut out)
            .map_err(|e| BifrostError::internal(format!("cannot serialize a stream event: {e}")))?;
    }
    Ok(Bytes::from(out))
}

fn error_frame(err: &BifrostError, request_id: &str) -> Bytes {
    let mut out = Vec::new();
    if write_sse_frame("error", &error::envelope(err, Some(request_id)), &mut out).is_err() {
        out = b"event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"internal error\"}}\n\n".to_vec();
    }
    Bytes::from(out)
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
                let mut out = frames(&mut st.events).unwrap_or_default().to_vec();
                out.extend_from_slice(&error_frame(&err, &st.request_id));
                return Some((Ok(Bytes::from(out)), st));
            }
            None => {
                st.done = true;
                st.encoder.finish(&mut st.events);
            }
        }
        if st.events.is_empty() {
            continue;
        }
        return match frames(&mut st.events) {
            Ok(bytes) => Some((Ok(bytes), st)),
            Err(err) => {
                st.done = true;
                Some((Ok(error_frame(&err, &st.request_id)), st))
            }
        };
    }
}

/// The SSE response for `stream`, with `request-id` and `x-request-id` set.
pub fn stream_response(stream: ResponseStream, request_id: &str) -> Response {
    let state = State {
        stream,
        encoder: MessageStreamEncoder::new(request_id),
        events: Vec::with_capacity(8),
        done: false,
        request_id: Arc::from(request_id),
    };
    let body = futures::stream::unfold(state, next);
    let mut resp = Response::new(Body::from_stream(body));
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert("x-accel-buffering", HeaderValue::from_static("no"));
    if let Ok(v) = HeaderValue::from_str(request_id) {
        h.insert("request-id", v.clone());
        h.insert("x-request-id", v);
    }
    resp
}
