//! Writing a [`ResponseStream`] as OpenAI-style server-sent events.
//!
//! Each chunk is `data: <json>\n\n`. A failure after the stream started is sent as
//! `data: <Bifrost error json>\n\n` (clients such as the OpenAI SDK raise on an `error` object),
//! followed by `data: [DONE]\n\n` as Bifrost does; a stream never ends cleanly after a failure.

use axum::body::Body;
use axum::response::Response;
use bifrost_core::ResponseStream;
use bytes::{BufMut, Bytes, BytesMut};
use futures::StreamExt;
use http::{HeaderValue, header};

const DONE: &[u8] = b"data: [DONE]\n\n";

fn frame(json: &[u8]) -> Bytes {
    let mut buf = BytesMut::with_capacity(json.len() + 8);
    buf.put_slice(b"data: ");
    buf.put_slice(json);
    buf.put_slice(b"\n\n");
    buf.freeze()
}

/// The SSE response for `stream`, with `x-request-id` set.
pub fn sse_response(stream: ResponseStream, request_id: &str) -> Response {
    let provider: std::sync::Arc<str> = std::sync::Arc::from(stream.provider());
    let rid: std::sync::Arc<str> = std::sync::Arc::from(request_id);
    let body = futures::stream::unfold((stream, false), move |(mut s, done)| {
        let provider = provider.clone();
        let rid = rid.clone();
        async move {
            if done {
                return None;
            }
            match s.next().await {
                Some(Ok(chunk)) => match chunk.to_json() {
                    Ok(json) => Some((Ok::<Bytes, std::io::Error>(frame(&json)), (s, false))),
                    Err(e) => {
                        let err = bifrost_core::BifrostError::internal(format!(
                            "cannot serialize a stream chunk: {e}"
                        ));
                        let mut out = BytesMut::new();
                        out.put_slice(&frame(&err.to_json()));
                        out.put_slice(DONE);
                        Some((Ok(out.freeze()), (s, true)))
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
                    let mut out = BytesMut::new();
                    out.put_slice(&frame(&err.to_json()));
                    out.put_slice(DONE);
                    Some((Ok(out.freeze()), (s, true)))
                }
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
