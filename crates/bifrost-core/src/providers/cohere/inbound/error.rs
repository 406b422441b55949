//! Errors in Cohere's shape: `{"id": <request id>, "message": ...}` with the error's status.

use serde::Serialize;

use crate::error::BifrostError;

/// The error body.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorBody<'a> {
    /// The request id.
    pub id: &'a str,
    /// Human-readable message.
    pub message: &'a str,
}

/// The JSON body of `err`.
pub fn to_json(err: &BifrostError, request_id: &str) -> Vec<u8> {
    serde_json::to_vec(&ErrorBody {
        id: request_id,
        message: err.message(),
    })
    .unwrap_or_else(|_| br#"{"message":"internal error"}"#.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_carries_id_and_message() {
        let err = BifrostError::invalid_request("model is required");
        let body: serde_json::Value = serde_json::from_slice(&to_json(&err, "r1")).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"id": "r1", "message": "model is required"})
        );
    }
}
