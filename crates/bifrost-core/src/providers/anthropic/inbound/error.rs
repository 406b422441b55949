//! Errors in Anthropic's shape: `{"type":"error","error":{"type":..,"message":..},"request_id":..}`
//! with the error's own HTTP status.

use serde::Serialize;

use crate::error::BifrostError;

/// Anthropic's error type for an HTTP status: 400 `invalid_request_error`, 401
/// `authentication_error`, 402 `billing_error`, 403 `permission_error`, 404 `not_found_error`,
/// 413 `request_too_large`, 429 `rate_limit_error`, 504 `timeout_error`, 529
/// `overloaded_error`, other 5xx `api_error`, other 4xx `invalid_request_error`.
pub fn error_type_for_status(status: u16) -> &'static str {
    match status {
        401 => "authentication_error",
        402 => "billing_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        504 => "timeout_error",
        529 => "overloaded_error",
        500..=599 => "api_error",
        _ => "invalid_request_error",
    }
}

/// The error object.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorObject<'a> {
    /// Error type.
    #[serde(rename = "type")]
    pub kind: &'a str,
    /// Human-readable message.
    pub message: &'a str,
}

/// The error envelope.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorEnvelope<'a> {
    /// Always `error`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The error object.
    pub error: ErrorObject<'a>,
    /// The gateway's request id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<&'a str>,
}

/// The envelope of `err` (its type follows its status, see [`error_type_for_status`]).
pub fn envelope<'a>(err: &'a BifrostError, request_id: Option<&'a str>) -> ErrorEnvelope<'a> {
    ErrorEnvelope {
        kind: "error",
        error: ErrorObject {
            kind: error_type_for_status(err.status()),
            message: err.message(),
        },
        request_id,
    }
}

/// The JSON body of `err`.
pub fn to_json(err: &BifrostError, request_id: Option<&str>) -> Vec<u8> {
    serde_json::to_vec(&envelope(err, request_id)).unwrap_or_else(|_| {
        br#"{"type":"error","error":{"type":"api_error","message":"internal error"}}"#.to_vec()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn types_follow_the_status() {
        for (status, kind) in [
            (400, "invalid_request_error"),
            (401, "authentication_error"),
            (403, "permission_error"),
            (404, "not_found_error"),
            (413, "request_too_large"),
            (429, "rate_limit_error"),
            (500, "api_error"),
            (502, "api_error"),
            (529, "overloaded_error"),
        ] {
            assert_eq!(error_type_for_status(status), kind);
        }
        let err = BifrostError::new(ErrorKind::QueueFull, "busy");
        let body: serde_json::Value = serde_json::from_slice(&to_json(&err, Some("r1"))).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"type":"error","error":{"type":"rate_limit_error","message":"busy"},"request_id":"r1"})
        );
    }
}
