//! The log API: `GET /api/logs` (search with Bifrost's filters, a page of rows plus `stats`),
//! `/api/logs/stats`, `/api/logs/filterdata`, `/api/logs/dropped`, `/api/logs/{id}`, and the
//! live feed over WebSocket at `/ws` (also `/ws/logs`, its older path).
//!
//! Query strings are Bifrost's: lists comma-separated or repeated, times RFC 3339, `sort_by`
//! `timestamp|latency|tokens|cost`, `order` `asc|desc`, `limit` (1 to 1000, default 50),
//! `offset`. A bad value answers 400 in Bifrost's error shape, naming the parameter.
//!
//! Browsers may open `/ws` from an origin in `client.allowed_origins` (every origin by default)
//! or from a local page; other origins get 403.

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bifrost_core::{BifrostError, ErrorKind};
use bifrost_framework::{LogQuery, StoreError};
use bifrost_plugin_logging::{LiveLog, RequestLogger};
use serde_json::json;
use tokio::sync::broadcast::error::RecvError;

use crate::error::ApiError;
use crate::state::AppState;

/// The log API routes.
pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/logs", get(search))
        .route("/api/logs/stats", get(stats))
        .route("/api/logs/filterdata", get(filter_data))
        .route("/api/logs/dropped", get(dropped))
        .route("/api/logs/{id}", get(by_id))
        .route("/ws", get(live))
        .route("/ws/logs", get(live))
}

type Params = Result<Query<Vec<(String, String)>>, QueryRejection>;

fn logger(state: &AppState) -> Result<&RequestLogger, ApiError> {
    state.logs.as_ref().ok_or_else(|| {
        ApiError(
            BifrostError::new(
                ErrorKind::InvalidRequest,
                "request logging is disabled (see logs_store and client.enable_logging)",
            )
            .with_status(503)
            .with_code("logging_disabled"),
        )
    })
}

fn bad_request(message: impl Into<String>) -> ApiError {
    ApiError(
        BifrostError::new(ErrorKind::InvalidRequest, message)
            .with_status(400)
            .with_code("invalid_query"),
    )
}

fn store_error(e: StoreError) -> ApiError {
    match e {
        StoreError::Invalid(m) => bad_request(m),
        StoreError::NotFound(what) => ApiError(
            BifrostError::new(ErrorKind::InvalidRequest, format!("{what} not found"))
                .with_status(404)
                .with_code("not_found"),
        ),
        other => {
            tracing::error!(error = %other, "log store query failed");
            ApiError(BifrostError::internal(format!("log store error: {other}")))
        }
    }
}

fn query(params: Params) -> Result<LogQuery, ApiError> {
    let Query(pairs) = params.map_err(|e| bad_request(e.body_text()))?;
    LogQuery::from_params(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))).map_err(store_error)
}

async fn search(State(state): State<Arc<AppState>>, params: Params) -> Result<Response, ApiError> {
    let logs = logger(&state)?;
    let q = query(params)?;
    let page = logs
        .query(|store| async move { store.search(&q).await })
        .await
        .map_err(store_error)?;
    Ok(Json(page).into_response())
}

async fn stats(State(state): State<Arc<AppState>>, params: Params) -> Result<Response, ApiError> {
    let logs = logger(&state)?;
    let q = query(params)?;
    let stats = logs
        .query(|store| async move { store.stats(&q.filter).await })
        .await
        .map_err(store_error)?;
    Ok(Json(stats).into_response())
}

async fn filter_data(State(state): State<Arc<AppState>>) -> Result<Response, ApiError> {
    let logs = logger(&state)?;
    let data = logs
        .query(|store| async move { store.filter_data().await })
        .await
        .map_err(store_error)?;
    Ok(Json(data).into_response())
}

async fn dropped(State(state): State<Arc<AppState>>) -> Result<Response, ApiError> {
    let logs = logger(&state)?;
    Ok(Json(json!({"dropped_requests": logs.dropped()})).into_response())
}

async fn by_id(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let logs = logger(&state)?;
    let key = id.clone();
    let found = logs
        .query(|store| async move { store.get(&key).await })
        .await
        .map_err(store_error)?;
    match found {
        Some(entry) => Ok(Json(entry).into_response()),
        None => Err(store_error(StoreError::NotFound(format!("log {id}")))),
    }
}

/// Whether a browser page from `origin` may open the live feed: any origin when
/// `client.allowed_origins` allows all (the default), else a listed origin or a local one.
fn origin_allowed(state: &AppState, origin: &str) -> bool {
    let origin = origin.trim_end_matches('/');
    let local = origin
        .split_once("://")
        .map(|(_, rest)| rest.rsplit_once(':').map_or(rest, |(host, _)| host))
        .is_some_and(|host| matches!(host, "localhost" | "127.0.0.1" | "[::1]"));
    match &state.client.allowed_origins {
        None => true,
        Some(list) => {
            local
                || list
                    .iter()
                    .any(|o| o == "*" || o.trim_end_matches('/').eq_ignore_ascii_case(origin))
        }
    }
}

async fn live(
    State(state): State<Arc<AppState>>,
    headers: http::HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    let logs = logger(&state)?;
    if let Some(origin) = headers.get(http::header::ORIGIN)
        && !origin_allowed(&state, origin.to_str().unwrap_or(""))
    {
        return Err(ApiError(
            BifrostError::new(
                ErrorKind::InvalidRequest,
                "origin not allowed (see client.allowed_origins)",
            )
            .with_status(403)
            .with_code("origin_not_allowed"),
        ));
    }
    let feed = logs.subscribe();
    Ok(upgrade.on_upgrade(move |socket| relay(socket, feed)))
}

/// Sends every stored entry to the client until it goes away. A client that falls behind
/// skips what it missed.
async fn relay(mut socket: WebSocket, mut feed: tokio::sync::broadcast::Receiver<LiveLog>) {
    loop {
        tokio::select! {
            msg = feed.recv() => match msg {
                Ok(log) => {
                    let Ok(text) = serde_json::to_string(&log) else { continue };
                    if socket.send(Message::Text(text.into())).await.is_err() {
                        return;
                    }
                }
                Err(RecvError::Lagged(n)) => {
                    tracing::debug!(skipped = n, "live log client fell behind");
                }
                Err(RecvError::Closed) => {
                    let _ = socket.send(Message::Close(None)).await;
                    return;
                }
            },
            incoming = socket.recv() => match incoming {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return,
                Some(Ok(_)) => {}
            },
        }
    }
}
