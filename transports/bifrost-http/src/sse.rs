//! Writing a [`ResponseStream`] as OpenAI-style server-sent events.
//!
//! Chat and text completion chunks are `data: <json>\n\n`, and the stream ends with
//! `data: [DONE]\n\n`. A failure after the stream started is sent as
//! `data: <Bifrost error json>\n\n` (clients such as the OpenAI SDK raise on an `error` object),
//! followed by `data: [DONE]\n\n` as Bifrost does; a stream never ends cleanly after a failure.
//!
//! Responses API events are `event: <type>\ndata: <json>\n\n` and the stream ends after the
//! terminal event, without `[DONE]`; a failure is `event: error\ndata: <Bifrost error json>\n\n`.

use axum::body::Body;
use axum::response::Response;
use bifrost_core::ResponseStream;
use bifrost_core::schemas::{RequestType, StreamChunk};
use bytes::{BufMut, Bytes, BytesMut};
use futures::StreamExt;
use http::{HeaderValue, header};

const DONE: &[u8] = b"data: [DONE]\n\n";

fn frame(json: &[u8]) -> Bytes {
    named_frame(None, json)
}

/// `event: <name>\n` (when named) then `data: <json>\n\n`.
fn named_frame(event: Option<&str>, json: &[u8]) -> Bytes {
    let name_len = event.map_or(0, |e| e.len() + 8);
    let mut buf = BytesMut::with_capacity(json.len() + 8 + name_len);
    if let Some(name) = event {
        buf.put_slice(b"event: ");
        buf.put_slice(name.as_bytes());
        buf.put_slice(b"\n");
    }
    buf.put_slice(b"data: ");
    buf.put_slice(json);
    buf.put_slice(b"\n\n");
    buf.freeze()
}

/// How a stream is framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    /// `data:` lines ended by `[DONE]` (chat and text completions).
    Data,
    /// `event:` + `data:` lines, no `[DONE]` (Responses API).
    Named,
}

impl Style {
    fn chunk(self, chunk: &StreamChunk, json: &[u8]) -> Bytes {
        match self {
            Self::Data => frame(json),
            Self::Named => named_frame(chunk.event_name(), json),
        }
    }

    fn failure(self, err: &bifrost_core::BifrostError) -> Bytes {
        match self {
            Self::Data => {
                let mut out = BytesMut::new();
                out.put_slice(&frame(&err.to_json()));
                out.put_slice(DONE);
                out.freeze()
            }
            Self::Named => named_frame(Some("error"), &err.to_json()),
        }
    }
}

/// The SSE response for `stream`, with `x-request-id` set.
pub fn sse_response(stream: ResponseStream, request_id: &str) -> Response {
    let provider: std::sync::Arc<str> = std::sync::Arc::from(stream.provider());
    let rid: std::sync::Arc<str> = std::sync::Arc::from(request_id);
    let style = if stream.request_type() == RequestType::ResponsesStream {
        Style::Named
    } else {
        Style::Data
    };
    let body = futures::stream::unfold((stream, false), move |(mut s, done)| {
        let provider = provider.clone();
        let rid = rid.clone();
        async move {
            if done {
                return None;
            }
            match s.next().await {
                Some(Ok(chunk)) => match chunk.to_json() {
                    Ok(json) => Some((
                        Ok::<Bytes, std::io::Error>(style.chunk(&chunk, &json)),
                        (s, false),
                    )),
                    Err(e) => {
                        let err = bifrost_core::BifrostError::internal(format!(
                            "cannot serialize a stream chunk: {e}"
                        ));
                        Some((Ok(style.failure(&err)), (s, true)))
                    }
                },
                Some(Err(err)) => {
                    tracing::warn!(
                        request_id = %rid,
                        provider = %provider,
                        status = err.status(),
                        error = %err,
                        "stream failed after it started"
                    );
                    Some((Ok(style.failure(&err)), (s, true)))
                }
                None if style == Style::Named => None,
                None => Some((Ok(Bytes::from_static(DONE)), (s, true))),
            }
        }
    });
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
