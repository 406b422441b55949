//! Writing a [`ResponseStream`] as Cohere v2 chat server-sent events.
//!
//! The events come from [`ChatStreamEncoder`]; a failure after the stream started ends the
//! stream with a `message-end` event whose `finish_reason` is `ERROR`.

use std::sync::Arc;

use axum::body::Body;
use axum::response::Response;
use bifrost_core::providers::cohere::inbound::stream::{ChatStreamEncoder, OutEvent};
use bifrost_core::schemas::StreamChunk;
use bifrost_core::{BifrostError, ResponseStream};
use bytes::Bytes;
use futures::StreamExt;
use http::{HeaderValue, header};

struct State {
    stream: ResponseStream,
    encoder: ChatStreamEncoder,
    events: Vec<OutEvent>,
    done: bool,
    request_id: Arc<str>,
}

fn frames(events: &mut Vec<OutEvent>) -> Result<Vec<u8>, BifrostError> {
    let mut out = Vec::with_capacity(160 * events.len());
    for ev in events.drain(..) {
        ev.write_sse(&mut out)
            .map_err(|e| BifrostError::internal(format!("cannot serialize a stream event: {e}")))?;
    }
    Ok(out)
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
                st.encoder.fail(err.message(), &mut st.events);
            }
            None => {
                st.done = true;
                st.encoder.finish(&mut st.events);
            }
        }
        if st.events.is_empty() {
            if st.done {
                return None;
            }
            continue;
        }
        return match frames(&mut st.events) {
            Ok(bytes) => Some((Ok(Bytes::from(bytes)), st)),
            Err(err) => {
                st.done = true;
                st.encoder.fail(err.message(), &mut st.events);
                let bytes = frames(&mut st.events).unwrap_or_default();
                Some((Ok(Bytes::from(bytes)), st))
            }
        };
    }
}

/// The SSE response for `stream`, with `x-request-id` set.
pub fn stream_response(stream: ResponseStream, request_id: &str) -> Response {
    let state = State {
        stream,
        encoder: ChatStreamEncoder::new(request_id),
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
        h.insert("x-request-id", v);
    }
    resp
}
