//! Reading a JSON request body: content type, size limit, parse errors with the field path.

use std::time::Duration;

use axum::body::{Body, BodyDataStream};
use bifrost_core::{BifrostError, ErrorKind};
use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use http::{HeaderMap, header};
use serde::de::DeserializeOwned;

/// True for `application/json` and `application/*+json` (with or without parameters).
fn is_json(content_type: &str) -> bool {
    let mime = content_type.split(';').next().unwrap_or("").trim();
    let Some((kind, subtype)) = mime.split_once('/') else {
        return false;
    };
    let ends_with_json = subtype.len() > 5
        && subtype
            .get(subtype.len() - 5..)
            .is_some_and(|tail| tail.eq_ignore_ascii_case("+json"));
    kind.eq_ignore_ascii_case("application")
        && (subtype.eq_ignore_ascii_case("json") || ends_with_json)
}

/// Checks the content type: absent is accepted, anything other than JSON is a 415.
pub fn check_content_type(headers: &HeaderMap) -> Result<(), BifrostError> {
    match headers.get(header::CONTENT_TYPE) {
        None => Ok(()),
        Some(v) => {
            let ct = v.to_str().unwrap_or("");
            if is_json(ct) {
                Ok(())
            } else {
                Err(BifrostError::new(
                    ErrorKind::UnsupportedMediaType,
                    format!("Content-Type must be application/json, got {ct:?}"),
                )
                .with_code("unsupported_media_type"))
            }
        }
    }
}

fn too_large(limit: usize) -> BifrostError {
    BifrostError::new(
        ErrorKind::PayloadTooLarge,
        format!(
            "request body is larger than the limit of {} MiB (client.max_request_body_size_mb)",
            limit / (1024 * 1024)
        ),
    )
    .with_code("request_too_large")
}

/// How much of an oversize body is read and thrown away before the 413 goes out, and for how
/// long: a client still sending then reads the answer instead of a reset connection (the
/// "lingering close" of nginx and other servers).
const DRAIN_BYTES: usize = 8 * 1024 * 1024;
const DRAIN_TIME: Duration = Duration::from_secs(2);

async fn drain(mut stream: BodyDataStream) {
    let discard = async {
        let mut left = DRAIN_BYTES;
        while let Some(Ok(chunk)) = stream.next().await {
            match left.checked_sub(chunk.len()) {
                Some(rest) => left = rest,
                None => break,
            }
        }
    };
    let _ = tokio::time::timeout(DRAIN_TIME, discard).await;
}

fn unreadable(e: impl std::fmt::Display) -> BifrostError {
    BifrostError::invalid_request(format!("could not read the request body: {e}"))
}

/// Reads the whole body, refusing more than `limit` bytes. A body that arrives in one piece
/// is returned without copying.
pub async fn read_body(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
) -> Result<Bytes, BifrostError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let mut stream = body.into_data_stream();
    if declared.is_some_and(|len| len > limit) {
        if declared.is_some_and(|len| len - limit <= DRAIN_BYTES) {
            drain(stream).await;
        }
        return Err(too_large(limit));
    }
    let mut first: Option<Bytes> = None;
    let mut joined: Option<BytesMut> = None;
    let mut total = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(unreadable)?;
        total += chunk.len();
        if total > limit {
            drain(stream).await;
            return Err(too_large(limit));
        }
        match (&mut joined, first.take()) {
            (Some(buf), _) => buf.extend_from_slice(&chunk),
            (None, None) => first = Some(chunk),
            (None, Some(head)) => {
                let mut buf = BytesMut::with_capacity(declared.unwrap_or(0).max(total));
                buf.extend_from_slice(&head);
                buf.extend_from_slice(&chunk);
                joined = Some(buf);
            }
        }
    }
    Ok(match (joined, first) {
        (Some(buf), _) => buf.freeze(),
        (None, Some(only)) => only,
        (None, None) => Bytes::new(),
    })
}

/// Parses JSON, with Bifrost's `invalid request format: ...` message naming the field at fault.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, BifrostError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(BifrostError::invalid_request(
            "request body is empty: send a JSON object",
        ));
    }
    match bifrost_core::schemas::from_json_slice(bytes) {
        Ok(v) => Ok(v),
        Err(_) => {
            // Parse again with path tracking: only failures pay for it.
            let de = &mut serde_json::Deserializer::from_slice(bytes);
            let err = match serde_path_to_error::deserialize::<_, T>(de) {
                Ok(v) => return Ok(v),
                Err(e) => e,
            };
            let path = err.path().to_string();
            let inner = err.into_inner();
            // A syntax error before any field is entered has no useful path ("." or "?").
            let at_root = matches!(path.as_str(), "" | "." | "?");
            let message = if at_root {
                format!("invalid request format: {inner}")
            } else {
                format!("invalid request format: {path}: {inner}")
            };
            let mut e = BifrostError::invalid_request(message);
            if !at_root {
                e = e.with_param(path);
            }
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bifrost_core::schemas::ChatRequest;

    #[test]
    fn content_types() {
        assert!(is_json("application/json"));
        assert!(is_json("application/json; charset=utf-8"));
        assert!(is_json("application/vnd.api+json"));
        assert!(!is_json("text/plain"));
        assert!(!is_json("application/x-www-form-urlencoded"));
        assert!(is_json("Application/JSON"));
        assert!(is_json("application/Problem+JSON; charset=utf-8"));
        assert!(!is_json("application/+json"));
        assert!(!is_json("json"));
    }

    #[test]
    fn parse_errors_name_the_field() {
        let e = parse_json::<ChatRequest>(br#"{"model":"m","messages":[{"role":"robot"}]}"#)
            .unwrap_err();
        assert!(
            e.message()
                .starts_with("invalid request format: messages[0].role"),
            "{}",
            e.message()
        );
        assert_eq!(e.status(), 400);
        let e = parse_json::<ChatRequest>(b"{not json").unwrap_err();
        assert!(
            e.message()
                .starts_with("invalid request format: key must be a string"),
            "{}",
            e.message()
        );
        let e = parse_json::<ChatRequest>(b"  ").unwrap_err();
        assert_eq!(e.message(), "request body is empty: send a JSON object");
    }
}
