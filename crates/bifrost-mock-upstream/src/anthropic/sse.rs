//! Anthropic's named server-sent events (`event: <type>\ndata: <json>\n\n`) and their delivery
//! under the stream fault modes.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use bytes::{BufMut, Bytes, BytesMut};
use futures::{StreamExt, stream};
use serde_json::Value;

use crate::faults::{StreamMode, abort_after_delay};

/// The event the `stream-error` fault ends with.
const OVERLOADED: &[u8] = b"event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n";

/// Events kept before a fault cuts the stream: `message_start`, `ping`, the first block's
/// `content_block_start` and its first delta.
const KEPT_BEFORE_FAULT: usize = 4;

/// The encoded events of one stream.
#[derive(Debug, Default)]
pub(crate) struct Events {
    events: Vec<Bytes>,
}

impl Events {
    /// Appends `event: <name>` with `data` (whose `type` is the same name).
    pub(crate) fn push(&mut self, data: &Value) {
        let name = data
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("unknown");
        let mut buf = BytesMut::with_capacity(64 + name.len());
        buf.put_slice(b"event: ");
        buf.put_slice(name.as_bytes());
        buf.put_slice(b"\ndata: ");
        buf.put_slice(data.to_string().as_bytes());
        buf.put_slice(b"\n\n");
        self.events.push(buf.freeze());
    }

    /// Every event concatenated (for tests).
    #[cfg(test)]
    pub(crate) fn concat(&self) -> String {
        self.events
            .iter()
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .collect()
    }
}

/// The `200 text/event-stream` response delivering `events` in `mode`.
pub(crate) fn deliver(events: Events, mode: StreamMode) -> Response {
    let events = events.events;
    let body = match mode {
        StreamMode::Normal => Body::from_stream(stream::iter(
            events.into_iter().map(Ok::<Bytes, std::io::Error>),
        )),
        StreamMode::Slow(delay) => Body::from_stream(stream::unfold(
            (events.into_iter(), true),
            move |(mut it, first)| async move {
                let next = it.next()?;
                if !first {
                    tokio::time::sleep(delay).await;
                }
                Some((Ok::<Bytes, std::io::Error>(next), (it, false)))
            },
        )),
        StreamMode::Truncated => {
            let head = stream::iter(events.into_iter().take(KEPT_BEFORE_FAULT).map(Ok));
            Body::from_stream(head.chain(abort_after_delay()))
        }
        StreamMode::MidStreamError => {
            let mut kept: Vec<Result<Bytes, std::io::Error>> =
                events.into_iter().take(KEPT_BEFORE_FAULT).map(Ok).collect();
            kept.push(Ok(Bytes::from_static(OVERLOADED)));
            Body::from_stream(stream::iter(kept))
        }
    };
    let mut resp = Response::new(body);
    *resp.status_mut() = StatusCode::OK;
    let headers = resp.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    resp
}
