//! JSON answers and request bodies of the management API.

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use bifrost_core::BifrostError;
use http::{HeaderMap, StatusCode, header};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::state::AppState;

/// What management handlers return.
pub type ApiResult = Result<Response, ApiError>;

/// A 200 JSON answer.
pub fn ok(body: Value) -> ApiResult {
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response())
}

/// Reads the body as a JSON object.
pub async fn object(
    state: &AppState,
    headers: &HeaderMap,
    body: Body,
) -> Result<Map<String, Value>, ApiError> {
    crate::body::check_content_type(headers)?;
    let bytes = crate::body::read_body(headers, body, state.body_limit).await?;
    match crate::body::parse_json::<Value>(&bytes)? {
        Value::Object(map) => Ok(map),
        other => Err(ApiError(BifrostError::invalid_request(format!(
            "invalid request format: expected a JSON object, got {}",
            kind(&other)
        )))),
    }
}

/// Reads `value` as `T`, naming the field at fault (under `prefix`) in the 400.
pub fn typed<T: DeserializeOwned>(value: Value, prefix: &str) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let path = match (prefix.is_empty(), path.as_str()) {
            (true, p) => p.to_owned(),
            (false, "." | "" | "?") => prefix.to_owned(),
            (false, p) => format!("{prefix}.{p}"),
        };
        let inner = e.into_inner();
        let err = if matches!(path.as_str(), "." | "" | "?") {
            BifrostError::invalid_request(format!("invalid request format: {inner}"))
        } else {
            BifrostError::invalid_request(format!("invalid request format: {path}: {inner}"))
                .with_param(path)
        };
        ApiError(err)
    })
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
