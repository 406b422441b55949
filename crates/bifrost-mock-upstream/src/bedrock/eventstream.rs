//! AWS event-stream framing of ConverseStream answers (frames and CRCs by
//! `aws-smithy-eventstream`) and their delivery, with the fault modes of the OpenAI mock.

use aws_smithy_eventstream::frame::write_message_to;
use aws_smithy_types::event_stream::{Header, HeaderValue, Message};
use axum::body::Body;
use axum::http::{HeaderValue as HttpHeaderValue, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;
use futures::{StreamExt as _, stream};
use serde_json::{Value, json};

use crate::faults::{StreamMode, abort_after_delay};

fn frame(headers: Vec<Header>, payload: &Value) -> Bytes {
    let message = Message::new_from_parts(headers, Bytes::from(payload.to_string()));
    let mut out = Vec::new();
    // Writing a message with string headers into a Vec cannot fail.
    let _ = write_message_to(&message, &mut out);
    Bytes::from(out)
}

fn string(name: &'static str, value: impl Into<String>) -> Header {
    Header::new(name, HeaderValue::String(value.into().into()))
}

/// One `:message-type: event` frame.
pub(crate) fn event_frame(event_type: &str, payload: &Value) -> Bytes {
    frame(
        vec![
            string(":event-type", event_type),
            string(":content-type", "application/json"),
            string(":message-type", "event"),
        ],
        payload,
    )
}

/// One `:message-type: exception` frame.
pub(crate) fn exception_frame(exception_type: &str, message: &str) -> Bytes {
    frame(
        vec![
            string(":exception-type", exception_type),
            string(":content-type", "application/json"),
            string(":message-type", "exception"),
        ],
        &json!({ "message": message }),
    )
}

/// The `200 application/vnd.amazon.eventstream` response delivering `frames`; `content_end` is
/// the number of leading content frames, which fault modes never cut past.
pub(crate) fn response(
    frames: Vec<Bytes>,
    content_end: usize,
    mode: StreamMode,
    request_id: &str,
) -> Response {
    let keep = content_end.min(3);
    type Chunk = Result<Bytes, std::io::Error>;
    let body = match mode {
        StreamMode::Normal => Body::from_stream(stream::iter(
            frames.into_iter().map(Ok::<_, std::io::Error>),
        )),
        StreamMode::Slow(delay) => Body::from_stream(stream::unfold(
            (frames.into_iter(), true),
            move |(mut it, first)| async move {
                let next = it.next()?;
                if !first {
                    tokio::time::sleep(delay).await;
                }
                Some((Ok::<Bytes, std::io::Error>(next), (it, false)))
            },
        )),
        StreamMode::Truncated => {
            let mut head: Vec<Chunk> = frames.iter().take(keep).cloned().map(Ok).collect();
            if let Some(next) = frames.get(keep) {
                // Half a frame, then the connection drops.
                head.push(Ok(next.slice(..next.len() / 2)));
            }
            Body::from_stream(stream::iter(head).chain(abort_after_delay()))
        }
        StreamMode::MidStreamError => {
            let mut head: Vec<Chunk> = frames.into_iter().take(keep).map(Ok).collect();
            head.push(Ok(exception_frame(
                "modelStreamErrorException",
                "mock mid-stream failure",
            )));
            Body::from_stream(stream::iter(head))
        }
    };
    let mut resp = Response::new(body);
    *resp.status_mut() = StatusCode::OK;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HttpHeaderValue::from_static("application/vnd.amazon.eventstream"),
    );
    if let Ok(v) = HttpHeaderValue::from_str(request_id) {
        resp.headers_mut().insert("x-amzn-requestid", v);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_smithy_eventstream::frame::read_message_from;

    #[test]
    fn frames_round_trip_with_valid_crcs() {
        let bytes = event_frame("messageStart", &json!({"role": "assistant"}));
        let message = read_message_from(&mut bytes.clone()).unwrap();
        assert_eq!(message.payload().as_ref(), br#"{"role":"assistant"}"#);
        let mut corrupted = bytes.to_vec();
        let last = corrupted.len() - 1;
        corrupted[last] ^= 0xff;
        assert!(read_message_from(&mut Bytes::from(corrupted)).is_err());
    }
}
