//! Errors in Bedrock's shape: a `{"message": ...}` body, the exception name in the
//! `x-amzn-ErrorType` header (which AWS SDKs read as the error code) and the error's status.

use serde::Serialize;

use crate::error::BifrostError;

/// The exception Bedrock answers with for an HTTP status: 400 `ValidationException`, 401 / 403
/// `AccessDeniedException`, 404 `ResourceNotFoundException`, 408 `ModelTimeoutException`, 424
/// `ModelErrorException`, 429 `ThrottlingException`, 503 `ServiceUnavailableException`, other
/// 5xx `InternalServerException`, other 4xx `ValidationException`.
pub fn exception_for_status(status: u16) -> &'static str {
    match status {
        401 | 403 => "AccessDeniedException",
        404 => "ResourceNotFoundException",
        408 => "ModelTimeoutException",
        424 => "ModelErrorException",
        429 => "ThrottlingException",
        503 => "ServiceUnavailableException",
        500..=599 => "InternalServerException",
        _ => "ValidationException",
    }
}

/// The exception name of `err`: the upstream's own Bedrock exception when it had one (a name
/// ending in `Exception`), else the one of its status.
pub fn exception_name(err: &BifrostError) -> String {
    err.detail()
        .kind
        .as_deref()
        .filter(|k| k.ends_with("Exception"))
        .map_or_else(
            || exception_for_status(err.status()).to_owned(),
            str::to_owned,
        )
}

/// The error body.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorBody<'a> {
    /// Human-readable message.
    pub message: &'a str,
}

/// The JSON body of `err`.
pub fn to_json(err: &BifrostError) -> Vec<u8> {
    serde_json::to_vec(&ErrorBody {
        message: err.message(),
    })
    .unwrap_or_else(|_| br#"{"message":"internal error"}"#.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exceptions_follow_the_status() {
        for (status, name) in [
            (400, "ValidationException"),
            (401, "AccessDeniedException"),
            (404, "ResourceNotFoundException"),
            (429, "ThrottlingException"),
            (500, "InternalServerException"),
            (503, "ServiceUnavailableException"),
        ] {
            assert_eq!(exception_for_status(status), name);
        }
        let err = BifrostError::invalid_request("bad \"input\"");
        assert_eq!(exception_name(&err), "ValidationException");
        let body: serde_json::Value = serde_json::from_slice(&to_json(&err)).unwrap();
        assert_eq!(body, serde_json::json!({"message": "bad \"input\""}));
    }
}
