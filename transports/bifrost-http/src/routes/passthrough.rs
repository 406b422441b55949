//! Passthrough routes: `/openai_passthrough/*`, `/anthropic_passthrough/*`,
//! `/genai_passthrough/*`, `/azure_passthrough/*`.
//!
//! The body is forwarded unchanged to the provider's base URL plus the rest of the path. The
//! caller's credentials are dropped and the gateway's chosen key is sent instead; the plugin
//! pipeline, key choice and retries run as for every other request, so policy cannot be bypassed
//! here. Only `POST` (inference) is forwarded.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::response::Response;
use axum::routing::any;
use bifrost_core::schemas::{PassthroughRequest, RequestBody, StreamChunk};
use bifrost_core::{BifrostError, ErrorKind};
use bytes::Bytes;
use futures::StreamExt;
use http::{HeaderValue, Method, StatusCode, header};
use serde::Deserialize;

use crate::body::read_body;
use crate::error::error_response;
use crate::routes::inference::failed;
use crate::{request_context, state::AppState};

/// Fields read from a passthrough body (everything else is left alone).
#[derive(Deserialize)]
struct Peek {
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    stream: Option<bool>,
}

/// The model named in a Google path: `.../models/{model}:{method}`.
fn model_from_path(path: &str) -> Option<&str> {
    let rest = &path[path.find("models/")? + "models/".len()..];
    let end = rest.find([':', '/']).unwrap_or(rest.len());
    Some(&rest[..end]).filter(|m| !m.is_empty())
}

/// Relays an upstream error as the upstream sent it when there is a body, else in Bifrost's shape.
fn relay_error(err: &BifrostError, request_id: &str) -> Response {
    match err.upstream_body() {
        Some(body) if !err.is_bifrost_error() && !body.is_empty() => {
            tracing::info!(
                request_id,
                status = err.status(),
                "passthrough upstream error relayed"
            );
            let mut resp = Response::new(Body::from(body.clone()));
            *resp.status_mut() =
                StatusCode::from_u16(err.status()).unwrap_or(StatusCode::BAD_GATEWAY);
            let ct = if body.first() == Some(&b'{') {
                "application/json"
            } else {
                "text/plain"
            };
            resp.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
            if let Ok(v) = HeaderValue::from_str(request_id) {
                resp.headers_mut().insert("x-request-id", v);
            }
            resp
        }
        _ => failed(err, request_id),
    }
}

fn with_headers(
    mut resp: Response,
    status: u16,
    headers: &[(String, String)],
    rid: &str,
) -> Response {
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let h = resp.headers_mut();
    for (k, v) in headers {
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_str(v),
        ) {
            h.insert(name, value);
        }
    }
    if let Ok(v) = HeaderValue::from_str(rid) {
        h.insert("x-request-id", v);
    }
    resp
}

async fn forward(state: &AppState, provider: &str, path: String, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let request_id = request_context::request_id(&parts.headers);
    if parts.method != Method::POST {
        let err = BifrostError::new(
            ErrorKind::InvalidRequest,
            format!(
                "passthrough forwards POST inference requests only, not {} {}",
                parts.method,
                parts.uri.path()
            ),
        )
        .with_status(403)
        .with_code("passthrough_method_not_allowed");
        return failed(&err, &request_id);
    }
    let bytes: Bytes = match read_body(&parts.headers, body, state.body_limit).await {
        Ok(b) => b,
        Err(e) => return failed(&e, &request_id),
    };
    let peek: Option<Peek> = serde_json::from_slice(&bytes).ok();
    let path = format!("/{}", path.trim_start_matches('/'));
    let mut query = parts.uri.query().map(str::to_owned);
    if provider == "azure" && path.contains("/deployments/") {
        let has_version = query.as_deref().is_some_and(|q| q.contains("api-version="));
        if !has_version {
            let q = query.take().map(|q| format!("{q}&")).unwrap_or_default();
            query = Some(format!("{q}api-version=2025-04-01-preview"));
        }
    }
    let model = peek
        .as_ref()
        .and_then(|p| p.model.clone())
        .or_else(|| model_from_path(&path).map(str::to_owned))
        .unwrap_or_default();
    let stream = peek.as_ref().and_then(|p| p.stream).unwrap_or(false)
        || path.contains(":streamGenerateContent")
        || query.as_deref().is_some_and(|q| q.contains("alt=sse"));
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .filter(|(k, _)| bifrost_core::providers::common::passthrough::forwardable(k.as_str()))
        .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect();
    let mut ctx = match request_context::build(
        parts.headers,
        request_id.clone(),
        state.client.header_filter_config.as_ref(),
        &state.required_headers,
    ) {
        Ok(ctx) => ctx,
        Err(e) => return failed(&e, &request_id),
    };
    ctx.model_requested = if model.is_empty() {
        provider.to_owned()
    } else {
        format!("{provider}/{model}")
    };
    let request = bifrost_core::schemas::Request {
        provider: provider.to_owned(),
        model: model.clone(),
        fallbacks: Vec::new(),
        body: RequestBody::Passthrough(Box::new(PassthroughRequest {
            method: parts.method.to_string(),
            path,
            query,
            headers,
            body: bytes,
            model,
            stream,
        })),
    };
    if stream {
        let mut s = match state.bifrost.execute_stream(ctx, request).await {
            Ok(s) => s,
            Err(e) => return relay_error(&e, &request_id),
        };
        let head = match s.next().await {
            Some(Ok(StreamChunk::RawHead(h))) => h,
            Some(Err(e)) => return relay_error(&e, &request_id),
            _ => {
                return failed(
                    &BifrostError::internal("passthrough stream did not start with its head"),
                    &request_id,
                );
            }
        };
        let body = s.filter_map(|item| async move {
            match item {
                Ok(StreamChunk::Raw(b)) => Some(Ok::<Bytes, std::io::Error>(b)),
                Ok(_) => None,
                Err(e) => Some(Err(std::io::Error::other(e.to_string()))),
            }
        });
        return with_headers(
            Response::new(Body::from_stream(body)),
            head.status,
            &head.headers,
            &request_id,
        );
    }
    match state.bifrost.execute(&mut ctx, request).await {
        Ok(bifrost_core::schemas::Response::Passthrough(r)) => with_headers(
            Response::new(Body::from(r.body)),
            r.status,
            &r.headers,
            &request_id,
        ),
        Ok(_) => error_response(&BifrostError::internal("unexpected passthrough answer")),
        Err(e) => relay_error(&e, &request_id),
    }
}

macro_rules! passthrough_handler {
    ($name:ident, $provider:literal) => {
        async fn $name(
            State(state): State<Arc<AppState>>,
            Path(path): Path<String>,
            req: Request,
        ) -> Response {
            forward(&state, $provider, path, req).await
        }
    };
}

passthrough_handler!(openai, "openai");
passthrough_handler!(anthropic, "anthropic");
passthrough_handler!(genai, "gemini");
passthrough_handler!(azure, "azure");

/// The passthrough routes.
pub fn router() -> axum::Router<Arc<AppState>> {
    axum::Router::new()
        .route("/openai_passthrough/{*path}", any(openai))
        .route("/anthropic_passthrough/{*path}", any(anthropic))
        .route("/genai_passthrough/{*path}", any(genai))
        .route("/azure_passthrough/{*path}", any(azure))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_model_of_google_paths() {
        assert_eq!(
            model_from_path("/v1beta/models/gemini-2.0-flash:generateContent"),
            Some("gemini-2.0-flash")
        );
        assert_eq!(model_from_path("/v1/chat/completions"), None);
    }
}
