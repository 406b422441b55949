//! Writing a [`ResponseStream`] as a ConverseStream answer: AWS event-stream frames
//! (`application/vnd.amazon.eventstream`).
//!
//! The events come from [`ConverseStreamEncoder`]; a failure after the stream started is an
//! exception message (`:message-type: exception`, e.g. `throttlingException`) and the stream
//! ends there, as Bedrock ends a stream that fails.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::response::Response;
use bifrost_core::providers::bedrock::inbound::error::exception_name;
use bifrost_core::providers::bedrock::inbound::eventstream::{
    CONTENT_TYPE, event_frame, exception_frame,
};
use bifrost_core::providers::bedrock::inbound::stream::{ConverseStreamEncoder, OutEvent};
use bifrost_core::schemas::StreamChunk;
use bifrost_core::{BifrostError, ResponseStream};
use bytes::Bytes;
use futures::StreamExt;
use http::{HeaderValue, header};

struct State {
    stream: ResponseStream,
    encoder: ConverseStreamEncoder,
    events: Vec<OutEvent>,
    done: bool,
    started: Instant,
    request_id: Arc<str>,
}

fn frames(events: &mut Vec<OutEvent>, out: &mut Vec<u8>) -> Result<(), BifrostError> {
    for ev in events.drain(..) {
        let payload = serde_json::to_vec(&ev.payload)
            .map_err(|e| BifrostError::internal(format!("cannot serialize a stream event: {e}")))?;
        out.extend_from_slice(&event_frame(ev.kind, payload));
    }
    Ok(())
}

/// The stream member name of an exception (`ThrottlingException` -> `throttlingException`).
pub(super) fn member_name(err: &BifrostError) -> String {
    let name = exception_name(err);
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
        None => "internalServerException".to_owned(),
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
                let _ = frames(&mut st.events, &mut out);
                out.extend_from_slice(&exception_frame(&member_name(&err), err.message()));
                return Some((Ok(Bytes::from(out)), st));
            }
            None => {
                st.done = true;
                let latency = st.started.elapsed().as_millis() as u64;
                st.encoder.finish(latency, &mut st.events);
            }
        }
        if st.events.is_empty() {
            if st.done {
                return None;
            }
            continue;
        }
        let mut out = Vec::with_capacity(256 * st.events.len());
        if let Err(err) = frames(&mut st.events, &mut out) {
            st.done = true;
            out.extend_from_slice(&exception_frame(&member_name(&err), err.message()));
        }
        return Some((Ok(Bytes::from(out)), st));
    }
}

/// The event-stream response for `stream`, with `x-amzn-RequestId` set.
pub fn stream_response(stream: ResponseStream, request_id: &str) -> Response {
    let state = State {
        stream,
        encoder: ConverseStreamEncoder::new(),
        events: Vec::with_capacity(8),
        done: false,
        started: Instant::now(),
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
