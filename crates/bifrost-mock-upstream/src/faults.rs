//! Fault injection selected by the request's `model` name.
//!
//! | model                       | behaviour                                                       |
//! |-----------------------------|-----------------------------------------------------------------|
//! | `error-<status>`            | that status with an OpenAI error body (`error-429` adds `Retry-After`) |
//! | `flaky-<N>[-<status>]`      | first N requests for that exact model fail (default 500)        |
//! | `slow-<ms>`                 | sleep before responding                                         |
//! | `slow-stream-<ms>`          | streaming: sleep between chunks                                 |
//! | `truncated`                 | body cut off mid-way, connection aborted                        |
//! | `garbage`                   | 200 `application/json` with an unparseable body                |
//! | `html`                      | 502 `text/html` page                                            |
//! | `stream-error`              | streaming: an error event after two content chunks              |
//! | `empty`                     | 200 with an empty body                                          |

use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures::{StreamExt as _, stream};

/// A fault selected by a model name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    /// No fault: normal behaviour.
    None,
    /// Respond with this status and an OpenAI error body.
    Error(StatusCode),
    /// Fail the first `count` requests with `status`.
    Flaky { count: u64, status: StatusCode },
    /// Sleep before responding.
    Slow(Duration),
    /// Sleep between stream chunks.
    SlowStream(Duration),
    /// Abort the body part-way through.
    Truncated,
    /// Unparseable JSON body.
    Garbage,
    /// HTML 502 page.
    Html,
    /// Error event in the middle of a stream.
    StreamError,
    /// Empty 200 body.
    Empty,
}

fn parse_status(s: &str) -> Option<StatusCode> {
    let code: u16 = s.parse().ok()?;
    if (400..=599).contains(&code) {
        StatusCode::from_u16(code).ok()
    } else {
        None
    }
}

fn parse_ms(s: &str) -> Option<Duration> {
    s.parse::<u64>().ok().map(Duration::from_millis)
}

impl Fault {
    /// Parses a model name into a fault; unknown names mean [`Fault::None`].
    pub(crate) fn parse(model: &str) -> Fault {
        // Fast path: every fault name starts with one of these letters.
        match model.as_bytes().first() {
            Some(b'e' | b'f' | b's' | b't' | b'g' | b'h') => {}
            _ => return Fault::None,
        }
        match model {
            "truncated" => return Fault::Truncated,
            "garbage" => return Fault::Garbage,
            "html" => return Fault::Html,
            "stream-error" => return Fault::StreamError,
            "empty" => return Fault::Empty,
            _ => {}
        }
        if let Some(rest) = model.strip_prefix("error-") {
            return parse_status(rest).map_or(Fault::None, Fault::Error);
        }
        if let Some(rest) = model.strip_prefix("flaky-") {
            let (count, status) = match rest.split_once('-') {
                Some((count, status)) => (count, parse_status(status)),
                None => (rest, Some(StatusCode::INTERNAL_SERVER_ERROR)),
            };
            return match (count.parse::<u64>(), status) {
                (Ok(count), Some(status)) => Fault::Flaky { count, status },
                _ => Fault::None,
            };
        }
        if let Some(rest) = model.strip_prefix("slow-stream-") {
            return parse_ms(rest).map_or(Fault::None, Fault::SlowStream);
        }
        if let Some(rest) = model.strip_prefix("slow-") {
            return parse_ms(rest).map_or(Fault::None, Fault::Slow);
        }
        Fault::None
    }
}

/// How a streamed body should be delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StreamMode {
    /// Every event, back to back.
    Normal,
    /// Sleep this long between events (first event immediately).
    Slow(Duration),
    /// Role chunk + two content chunks, then abort the connection.
    Truncated,
    /// Role chunk + two content chunks, then an error event and a clean end.
    MidStreamError,
}

impl StreamMode {
    /// The stream mode implied by a fault.
    pub(crate) fn from_fault(fault: Fault) -> StreamMode {
        match fault {
            Fault::SlowStream(d) => StreamMode::Slow(d),
            Fault::Truncated => StreamMode::Truncated,
            Fault::StreamError => StreamMode::MidStreamError,
            _ => StreamMode::Normal,
        }
    }
}

/// `200 application/json` with a body that is not JSON.
pub(crate) fn garbage() -> Response {
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        "this is not json {",
    )
        .into_response()
}

/// `502 text/html` as an upstream proxy would produce.
pub(crate) fn html() -> Response {
    (
        StatusCode::BAD_GATEWAY,
        [(header::CONTENT_TYPE, HeaderValue::from_static("text/html"))],
        "<html><body><h1>502 Bad Gateway</h1></body></html>",
    )
        .into_response()
}

/// `200` with an empty body.
pub(crate) fn empty() -> Response {
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        Body::empty(),
    )
        .into_response()
}

/// The error a truncated body stream ends with; makes hyper abort the
/// connection instead of finishing the message cleanly.
pub(crate) fn truncation_error() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::ConnectionAborted,
        "mock upstream: truncated response",
    )
}

/// Pause before aborting a truncated body so the partial data is flushed to
/// the socket first (hyper drops unflushed data when a body fails).
const ABORT_DELAY: Duration = Duration::from_millis(20);

/// A body-stream tail that waits briefly, then fails, making hyper abort the
/// connection (no terminating chunk / short `Content-Length` body).
pub(crate) fn abort_after_delay() -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> {
    stream::once(async {
        tokio::time::sleep(ABORT_DELAY).await;
        Err(truncation_error())
    })
}

/// A non-streaming JSON response whose `Content-Length` promises more bytes
/// than are ever sent; the connection is aborted after the partial body.
pub(crate) fn truncated_json(full_body: Vec<u8>) -> Response {
    let full = Bytes::from(full_body);
    let declared = full.len().max(2) * 2;
    let partial = full.slice(..full.len() / 2);
    let head = stream::once(async move { Ok::<Bytes, std::io::Error>(partial) });
    let mut resp = Response::new(Body::from_stream(head.chain(abort_after_delay())));
    let headers = resp.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(declared));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_fault_names() {
        assert_eq!(Fault::parse("gpt-4o"), Fault::None);
        assert_eq!(
            Fault::parse("error-503"),
            Fault::Error(StatusCode::SERVICE_UNAVAILABLE)
        );
        assert_eq!(Fault::parse("error-200"), Fault::None);
        assert_eq!(Fault::parse("error-abc"), Fault::None);
        assert_eq!(
            Fault::parse("flaky-2"),
            Fault::Flaky {
                count: 2,
                status: StatusCode::INTERNAL_SERVER_ERROR
            }
        );
        assert_eq!(
            Fault::parse("flaky-3-429"),
            Fault::Flaky {
                count: 3,
                status: StatusCode::TOO_MANY_REQUESTS
            }
        );
        assert_eq!(Fault::parse("flaky-x"), Fault::None);
        assert_eq!(
            Fault::parse("slow-250"),
            Fault::Slow(Duration::from_millis(250))
        );
        assert_eq!(
            Fault::parse("slow-stream-20"),
            Fault::SlowStream(Duration::from_millis(20))
        );
        assert_eq!(Fault::parse("truncated"), Fault::Truncated);
        assert_eq!(Fault::parse("garbage"), Fault::Garbage);
        assert_eq!(Fault::parse("html"), Fault::Html);
        assert_eq!(Fault::parse("stream-error"), Fault::StreamError);
        assert_eq!(Fault::parse("empty"), Fault::Empty);
        assert_eq!(Fault::parse("empty-ish"), Fault::None);
    }
}
