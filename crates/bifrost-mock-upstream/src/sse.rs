//! Server-sent-events encoding and delivery.
//!
//! Generators write every event of a stream into one contiguous buffer
//! ([`SseWriter`]); the buffer is then frozen and sliced into per-event
//! [`Bytes`] without further copies, and delivered according to a
//! [`StreamMode`] (back to back, with delays, truncated, or with a mid-stream
//! error event).

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use bytes::{BufMut, Bytes, BytesMut};
use futures::{StreamExt, stream};
use serde::Serialize;

use crate::faults::{StreamMode, abort_after_delay};

/// The event OpenAI-style streams end with.
const DONE: &[u8] = b"data: [DONE]\n\n";

/// The event sent by the `stream-error` fault.
const MID_STREAM_ERROR: &[u8] = b"data: {\"error\":{\"message\":\"mock mid-stream failure\",\"type\":\"server_error\",\"param\":null,\"code\":null}}\n\n";

/// Accumulates `data: ...\n\n` events in a single buffer.
pub(crate) struct SseWriter {
    buf: BytesMut,
    ends: Vec<usize>,
    content_end: Option<usize>,
    mid_stream_error: Option<Bytes>,
}

impl SseWriter {
    /// A writer with room for roughly `events` events.
    pub(crate) fn with_capacity(events: usize) -> Self {
        Self {
            buf: BytesMut::with_capacity(events * 256),
            ends: Vec::with_capacity(events),
            content_end: None,
            mid_stream_error: None,
        }
    }

    /// Appends `event: <name>\ndata: <json>\n\n` (the Responses API's framing).
    pub(crate) fn push_event<T: Serialize>(
        &mut self,
        name: &str,
        value: &T,
    ) -> Result<(), serde_json::Error> {
        self.buf.put_slice(b"event: ");
        self.buf.put_slice(name.as_bytes());
        self.buf.put_slice(b"\n");
        self.push_json(value)
    }

    /// Replaces the event the `stream-error` fault sends (default: a chat-style error chunk).
    pub(crate) fn set_mid_stream_error(&mut self, event: Bytes) {
        self.mid_stream_error = Some(event);
    }

    /// Appends `data: <json>\n\n`.
    pub(crate) fn push_json<T: Serialize>(&mut self, value: &T) -> Result<(), serde_json::Error> {
        self.buf.put_slice(b"data: ");
        serde_json::to_writer((&mut self.buf).writer(), value)?;
        self.buf.put_slice(b"\n\n");
        self.ends.push(self.buf.len());
        Ok(())
    }

    /// Appends `data: [DONE]\n\n`.
    pub(crate) fn push_done(&mut self) {
        self.buf.put_slice(DONE);
        self.ends.push(self.buf.len());
    }

    /// Marks the current position as the end of the content events (the role
    /// chunk plus content chunks), before finish/usage chunks. Fault modes
    /// never cut past this point.
    pub(crate) fn mark_content_end(&mut self) {
        self.content_end = Some(self.ends.len());
    }

    /// Freezes the buffer into per-event slices.
    pub(crate) fn finish(self) -> SseEvents {
        let content_end = self.content_end.unwrap_or(self.ends.len());
        let all = self.buf.freeze();
        let mut events = Vec::with_capacity(self.ends.len());
        let mut start = 0;
        for end in self.ends {
            events.push(all.slice(start..end));
            start = end;
        }
        SseEvents {
            events,
            content_end,
            mid_stream_error: self.mid_stream_error,
        }
    }
}

/// A complete, encoded event stream.
pub(crate) struct SseEvents {
    /// One entry per `data:` event.
    pub events: Vec<Bytes>,
    /// Number of leading events that are role/content chunks.
    pub content_end: usize,
    /// The event the `stream-error` fault sends, when not the chat-style default.
    pub mid_stream_error: Option<Bytes>,
}

impl SseEvents {
    /// Concatenation of every event (for tests).
    #[cfg(test)]
    pub(crate) fn concat(&self) -> String {
        self.events
            .iter()
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .collect()
    }
}

type Chunk = Result<Bytes, std::io::Error>;

/// Builds the `200 text/event-stream` response delivering `events`.
pub(crate) fn stream_response(sse: SseEvents, mode: StreamMode) -> Response {
    // "role chunk + two content chunks" for the fault modes.
    let keep = sse.content_end.min(3);
    let body = match mode {
        StreamMode::Normal => Body::from_stream(stream::iter(
            sse.events.into_iter().map(Ok::<Bytes, std::io::Error>),
        )),
        StreamMode::Slow(delay) => {
            let s = stream::unfold(
                (sse.events.into_iter(), true),
                move |(mut it, first)| async move {
                    let next = it.next()?;
                    if !first {
                        tokio::time::sleep(delay).await;
                    }
                    Some((Ok::<Bytes, std::io::Error>(next), (it, false)))
                },
            );
            Body::from_stream(s)
        }
        StreamMode::Truncated => {
            let head = stream::iter(sse.events.into_iter().take(keep).map(Ok));
            Body::from_stream(head.chain(abort_after_delay()))
        }
        StreamMode::MidStreamError => {
            let mut events: Vec<Chunk> = sse.events.into_iter().take(keep).map(Ok).collect();
            events.push(Ok(sse
                .mid_stream_error
                .unwrap_or(Bytes::from_static(MID_STREAM_ERROR))));
            Body::from_stream(stream::iter(events))
        }
    };
    let mut resp = Response::new(body);
    *resp.status_mut() = StatusCode::OK;
    let headers = resp.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn writer_slices_events() {
        let mut w = SseWriter::with_capacity(2);
        w.push_json(&json!({"a":1})).unwrap();
        w.mark_content_end();
        w.push_done();
        let ev = w.finish();
        assert_eq!(ev.events.len(), 2);
        assert_eq!(&ev.events[0][..], b"data: {\"a\":1}\n\n");
        assert_eq!(&ev.events[1][..], DONE);
        assert_eq!(ev.content_end, 1);
        assert_eq!(ev.concat(), "data: {\"a\":1}\n\ndata: [DONE]\n\n");
    }
}
