//! AWS Bedrock Runtime: `POST /model/{modelId}/converse`, `/converse-stream` (AWS
//! event-stream frames) and `/invoke` (Titan and Cohere embeddings).
//!
//! Requests must be signed with SigV4 for service `bedrock` using the mock's key pair
//! ([`sigv4::ACCESS_KEY_ID`], [`sigv4::SECRET_ACCESS_KEY`]) or carry a Bedrock API key
//! (`Authorization: Bearer ...`); see [`sigv4`] for the errors. The (percent-decoded) model id
//! selects faults like the OpenAI mock's model names. Errors are Bedrock's: a JSON
//! `{"message": ...}` body with the exception name in `x-amzn-errortype`.

pub mod converse;
pub mod eventstream;
pub mod invoke;
pub mod sigv4;

use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::faults::{self, Fault, StreamMode};
use crate::server::Shared;

/// A Bedrock error response.
pub(crate) fn error(
    status: StatusCode,
    error_type: &str,
    message: &str,
    request_id: &str,
) -> Response {
    let mut resp = (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        json!({ "message": message }).to_string(),
    )
        .into_response();
    let headers = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(error_type) {
        headers.insert("x-amzn-errortype", v);
    }
    if let Ok(v) = HeaderValue::from_str(request_id) {
        headers.insert("x-amzn-requestid", v);
    }
    resp
}

/// The error Bedrock answers with for an injected status.
fn injected(status: StatusCode, request_id: &str) -> Response {
    let (kind, message) = match status.as_u16() {
        400 => ("ValidationException", "mock upstream error 400"),
        403 => (
            "AccessDeniedException",
            "You don't have access to the model with the specified model ID.",
        ),
        404 => (
            "ResourceNotFoundException",
            "Could not resolve the foundation model from the provided model identifier.",
        ),
        408 => (
            "ModelTimeoutException",
            "Model has timed out in processing the request.",
        ),
        424 => ("ModelErrorException", "The model returned an error."),
        429 => (
            "ThrottlingException",
            "Too many requests, please wait before trying again.",
        ),
        503 => (
            "ServiceUnavailableException",
            "Bedrock is unable to process your request.",
        ),
        s if s >= 500 => (
            "InternalServerException",
            "The server encountered an internal error while processing the request.",
        ),
        _ => ("ValidationException", "mock upstream error"),
    };
    error(status, kind, message, request_id)
}

fn json_response(body: &Value, request_id: &str, input_tokens: Option<u64>) -> Response {
    let mut resp = (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body.to_string(),
    )
        .into_response();
    let headers = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(request_id) {
        headers.insert("x-amzn-requestid", v);
    }
    if let Some(tokens) = input_tokens {
        headers.insert(
            "x-amzn-bedrock-input-token-count",
            HeaderValue::from(tokens),
        );
    }
    resp
}

/// Answers a Bedrock Runtime request.
pub(crate) async fn handle(shared: &Shared, parts: &Parts, body: &[u8], id: u64) -> Response {
    let request_id = format!("00000000-0000-4000-8000-{id:012}");
    let path = parts.uri.path();
    let Some((model, operation)) = path
        .strip_prefix("/model/")
        .and_then(|rest| rest.rsplit_once('/'))
    else {
        return error(
            StatusCode::NOT_FOUND,
            "UnknownOperationException",
            "Unknown operation",
            &request_id,
        );
    };
    let model = percent_encoding::percent_decode_str(model)
        .decode_utf8_lossy()
        .into_owned();
    if parts.method != Method::POST
        || !matches!(operation, "converse" | "converse-stream" | "invoke")
    {
        return error(
            StatusCode::NOT_FOUND,
            "UnknownOperationException",
            "Unknown operation",
            &request_id,
        );
    }
    if let Err((kind, message)) = sigv4::check(parts, body) {
        return error(StatusCode::FORBIDDEN, kind, &message, &request_id);
    }
    let fault = Fault::parse(&model);
    if let Some(resp) =
        crate::native::pre_faults(shared, fault, &model, |s| injected(s, &request_id)).await
    {
        return resp;
    }
    let Ok(req) = serde_json::from_slice::<Value>(body) else {
        return error(
            StatusCode::BAD_REQUEST,
            "SerializationException",
            "Unable to parse the request body as JSON",
            &request_id,
        );
    };
    let invalid = |(kind, message): (&str, String)| {
        error(StatusCode::BAD_REQUEST, kind, &message, &request_id)
    };
    match operation {
        "invoke" => match invoke::invoke(&model, &req) {
            Ok((body, _)) if fault == Fault::Truncated => {
                faults::truncated_json(body.to_string().into_bytes())
            }
            Ok((body, tokens)) => json_response(&body, &request_id, Some(tokens)),
            Err(e) => invalid(e),
        },
        "converse" => match converse::plan(&req) {
            Ok(reply) if fault == Fault::Truncated => {
                faults::truncated_json(converse::response(&reply).to_string().into_bytes())
            }
            Ok(reply) => json_response(&converse::response(&reply), &request_id, None),
            Err(e) => invalid(e),
        },
        _ => match converse::plan(&req) {
            Ok(reply) => {
                let (events, content_end) = converse::events(&reply);
                let frames = events
                    .iter()
                    .map(|(kind, payload)| eventstream::event_frame(kind, payload))
                    .collect();
                eventstream::response(
                    frames,
                    content_end,
                    StreamMode::from_fault(fault),
                    &request_id,
                )
            }
            Err(e) => invalid(e),
        },
    }
}
