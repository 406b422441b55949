//! Decoding an upstream's server-sent events into a [`ChunkStream`].
//!
//! Framing is done by the `eventsource-stream` crate (spec-compliant line handling, CRLF, multi-line
//! `data:`); what each event means is up to a provider's [`SseHandler`].

use std::sync::Arc;

use eventsource_stream::{Event, EventStreamError, Eventsource};
use futures::StreamExt;

use super::upstream_error::network_error;
use crate::error::{BifrostError, ErrorKind};
use crate::provider::ChunkStream;
use crate::schemas::StreamChunk;

/// What to do with one event.
#[derive(Debug)]
pub enum SseAction {
    /// Yield a chunk to the caller.
    Emit(StreamChunk),
    /// Ignore the event (pings, comments, bookkeeping events).
    Skip,
    /// The stream is complete (e.g. OpenAI's `[DONE]`).
    End,
    /// The upstream reported an error in-band; yield it and end.
    Fail(BifrostError),
}

/// A provider's interpretation of its event stream.
pub trait SseHandler: Send + 'static {
    /// Interprets one event.
    fn on_event(&mut self, event: &Event) -> SseAction;

    /// Called when the connection ends cleanly without an `End` action. Return an error when that
    /// means the stream was cut short.
    fn on_eof(&mut self) -> Option<BifrostError>;
}

struct State<H> {
    events: std::pin::Pin<
        Box<dyn futures::Stream<Item = Result<Event, EventStreamError<reqwest::Error>>> + Send>,
    >,
    handler: H,
    provider: Arc<str>,
    finished: bool,
}

/// Decodes `response`'s body as server-sent events through `handler`.
pub fn decode_sse<H: SseHandler>(
    provider: Arc<str>,
    response: reqwest::Response,
    handler: H,
) -> ChunkStream {
    decode_sse_bytes(provider, response.bytes_stream(), handler)
}

/// Decodes a stream of body bytes as server-sent events through `handler`.
pub fn decode_sse_bytes<H, S>(provider: Arc<str>, body: S, handler: H) -> ChunkStream
where
    H: SseHandler,
    S: futures::Stream<Item = Result<bytes::Bytes, reqwest::Error>> + Send + 'static,
{
    let events = body.eventsource().boxed();
    let state = State {
        events,
        handler,
        provider,
        finished: false,
    };
    futures::stream::unfold(state, |mut st| async move {
        if st.finished {
            return None;
        }
        loop {
            match st.events.next().await {
                Some(Ok(event)) => match st.handler.on_event(&event) {
                    SseAction::Emit(chunk) => return Some((Ok(chunk), st)),
                    SseAction::Skip => continue,
                    SseAction::End => return None,
                    SseAction::Fail(err) => {
                        st.finished = true;
                        return Some((Err(err), st));
                    }
                },
                Some(Err(EventStreamError::Transport(e))) => {
                    st.finished = true;
                    let err = network_error(&st.provider, &e);
                    let err = BifrostError::new(
                        ErrorKind::Network,
                        format!("upstream stream broke before completion: {}", err.message()),
                    )
                    .with_code("stream_interrupted");
                    return Some((Err(err), st));
                }
                Some(Err(e)) => {
                    st.finished = true;
                    let err = BifrostError::new(
                        ErrorKind::UpstreamDecode,
                        format!("{} sent a malformed event stream: {e}", st.provider),
                    )
                    .with_code("invalid_upstream_response");
                    return Some((Err(err), st));
                }
                None => {
                    st.finished = true;
                    return st.handler.on_eof().map(|err| (Err(err), st));
                }
            }
        }
    })
    .boxed()
}
