//! Writing a [`ResponseStream`] as `streamGenerateContent` answers: server-sent events
//! (`data: <json>\r\n\r\n`, with `?alt=sse`) or one JSON array sent as it grows.
//!
//! The responses come from [`GenerateStreamEncoder`]; a failure after the stream started is
//! Google's error object in the same framing (an SSE event, or the array's last element), and
//! the stream ends there, as Google ends a stream that fails.

use std::sync::Arc;

use axum::body::Body;
use axum::response::Response;
use bifrost_core::providers::gemini::inbound::error;
use bifrost_core::providers::gemini::inbound::stream::{
    ArrayWriter, GenerateStreamEncoder, write_sse,
};
use bifrost_core::providers::gemini::types::GenerateContentResponse;
use bifrost_core::schemas::StreamChunk;
use bifrost_core::{BifrostError, ResponseStream};
use bytes::Bytes;
use futures::StreamExt;
use http::{HeaderValue, header};

/// How the responses are framed.
enum Framing {
    Sse,
    Array(ArrayWriter),
}

impl Framing {
    fn write<T: serde::Serialize>(
        &mut self,
        value: &T,
        out: &mut Vec<u8>,
    ) -> serde_json::Result<()> {
        match self {
            Self::Sse => write_sse(value, out),
            Self::Array(w) => w.element(value, out),
        }
    }

    fn close(&mut self, out: &mut Vec<u8>) {
        if let Self::Array(w) = self {
            w.close(out);
        }
    }
}

struct State {
    stream: ResponseStream,
    encoder: GenerateStreamEncoder,
    responses: Vec<GenerateContentResponse>,
    framing: Framing,
    done: bool,
    request_id: Arc<str>,
}

impl State {
    fn frames(&mut self, out: &mut Vec<u8>) -> Result<(), BifrostError> {
        for resp in self.responses.drain(..) {
            self.framing.write(&resp, out).map_err(|e| {
                BifrostError::internal(format!("cannot serialize a stream response: {e}"))
            })?;
        }
        Ok(())
    }

    fn fail(&mut self, err: &BifrostError, out: &mut Vec<u8>) {
        if self.framing.write(&error::envelope(err), out).is_err() {
            out.extend_from_slice(
                br#"{"error":{"code":500,"message":"internal error","status":"INTERNAL"}}"#,
            );
        }
        self.framing.close(out);
    }
}

/// The next piece of the body, or `None` when the stream is over.
async fn next(mut st: State) -> Option<(Result<Bytes, std::io::Error>, State)> {
    if st.done {
        return None;
    }
    loop {
        match st.stream.next().await {
            Some(Ok(StreamChunk::Chat(chunk))) => st.encoder.push(&chunk, &mut st.responses),
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
                st.fail(&err, &mut out);
                return Some((Ok(Bytes::from(out)), st));
            }
            None => {
                st.done = true;
                st.encoder.finish(&mut st.responses);
            }
        }
        let mut out = Vec::with_capacity(256 * st.responses.len().max(1));
        if let Err(err) = st.frames(&mut out) {
            st.done = true;
            st.fail(&err, &mut out);
            return Some((Ok(Bytes::from(out)), st));
        }
        if st.done {
            st.framing.close(&mut out);
        }
        if !out.is_empty() {
            return Some((Ok(Bytes::from(out)), st));
        }
        if st.done {
            return None;
        }
    }
}

/// The streamed answer for `stream`: SSE when `sse`, else a JSON array; `x-request-id` set.
pub fn stream_response(stream: ResponseStream, request_id: &str, sse: bool) -> Response {
    let state = State {
        stream,
        encoder: GenerateStreamEncoder::new(request_id),
        responses: Vec::with_capacity(4),
        framing: if sse {
            Framing::Sse
        } else {
            Framing::Array(ArrayWriter::default())
        },
        done: false,
        request_id: Arc::from(request_id),
    };
    let body = futures::stream::unfold(state, next);
    let mut resp = Response::new(Body::from_stream(body));
    let h = resp.headers_mut();
    let content_type = if sse {
        "text/event-stream"
    } else {
        "application/json"
    };
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert("x-accel-buffering", HeaderValue::from_static("no"));
    if let Ok(v) = HeaderValue::from_str(request_id) {
        h.insert("x-request-id", v);
    }
    resp
}
