//! AWS event-stream framing of ConverseStream answers: each event is one binary message
//! (prelude, headers `:event-type`, `:content-type`, `:message-type`, JSON payload, CRC32s), as
//! `aws-smithy-eventstream` writes it and the AWS SDKs read it.

use aws_smithy_eventstream::frame::write_message_to;
use aws_smithy_types::event_stream::{Header, HeaderValue, Message};
use bytes::Bytes;

/// The content type of an event-stream answer.
pub const CONTENT_TYPE: &str = "application/vnd.amazon.eventstream";

fn string(name: &'static str, value: &str) -> Header {
    Header::new(name, HeaderValue::String(value.to_owned().into()))
}

fn frame(headers: Vec<Header>, payload: Vec<u8>) -> Bytes {
    let message = Message::new_from_parts(headers, Bytes::from(payload));
    let mut out = Vec::new();
    // Writing a message with string headers into a Vec cannot fail.
    let _ = write_message_to(&message, &mut out);
    Bytes::from(out)
}

/// One `:message-type: event` message carrying `payload` (JSON) as event `event_type`.
pub fn event_frame(event_type: &str, payload: Vec<u8>) -> Bytes {
    frame(
        vec![
            string(":event-type", event_type),
            string(":content-type", "application/json"),
            string(":message-type", "event"),
        ],
        payload,
    )
}

/// One InvokeModelWithResponseStream `chunk` event: the model's own stream event (JSON) carried
/// base64-encoded in `{"bytes": ...}`, as Bedrock sends it.
pub fn chunk_frame(event_json: &[u8]) -> Bytes {
    use base64::Engine as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(event_json);
    let payload = serde_json::to_vec(&serde_json::json!({ "bytes": encoded }))
        .unwrap_or_else(|_| br#"{"bytes":""}"#.to_vec());
    event_frame("chunk", payload)
}

/// One `:message-type: exception` message: `exception_type` is the stream member's name
/// (`throttlingException`, `validationException`, ...), the payload `{"message": ...}`.
pub fn exception_frame(exception_type: &str, message: &str) -> Bytes {
    let payload = serde_json::to_vec(&serde_json::json!({ "message": message }))
        .unwrap_or_else(|_| br#"{"message":"internal error"}"#.to_vec());
    frame(
        vec![
            string(":exception-type", exception_type),
            string(":content-type", "application/json"),
            string(":message-type", "exception"),
        ],
        payload,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_smithy_eventstream::frame::read_message_from;

    #[test]
    fn frames_round_trip_with_valid_crcs() {
        let bytes = event_frame("contentBlockDelta", br#"{"x":1}"#.to_vec());
        let mut buf = &bytes[..];
        let msg = read_message_from(&mut buf).unwrap();
        assert!(buf.is_empty());
        assert_eq!(msg.payload().as_ref(), br#"{"x":1}"#);
        let kind = msg
            .headers()
            .iter()
            .find(|h| h.name().as_str() == ":event-type")
            .unwrap();
        assert_eq!(
            kind.value().as_string().unwrap().as_str(),
            "contentBlockDelta"
        );
        // A flipped payload byte breaks the message CRC.
        let mut bad = bytes.to_vec();
        let n = bad.len();
        bad[n - 6] ^= 1;
        assert!(read_message_from(&mut &bad[..]).is_err());
        let chunk = chunk_frame(br#"{"type":"message_stop"}"#);
        let msg = read_message_from(&mut &chunk[..]).unwrap();
        assert_eq!(
            msg.payload().as_ref(),
            br#"{"bytes":"eyJ0eXBlIjoibWVzc2FnZV9zdG9wIn0="}"#
        );
        let exc = exception_frame("throttlingException", "slow down");
        let msg = read_message_from(&mut &exc[..]).unwrap();
        assert_eq!(msg.payload().as_ref(), br#"{"message":"slow down"}"#);
    }
}
