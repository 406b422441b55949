//! Writing errors in Bifrost's JSON shape (which is also OpenAI's: an `error` object with
//! `message`, `type`, `code`, `param`).

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use bifrost_core::BifrostError;
use http::{HeaderValue, StatusCode, header};

/// An error answer. Converts from [`BifrostError`].
#[derive(Debug)]
pub struct ApiError(pub BifrostError);

impl From<BifrostError> for ApiError {
    fn from(e: BifrostError) -> Self {
        Self(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        error_response(&self.0)
    }
}

/// Renders an error with its status.
pub fn error_response(err: &BifrostError) -> Response {
    let status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut resp = Response::new(Body::from(err.to_json()));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}
