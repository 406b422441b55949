//! The log API: `GET /api/logs` (search with Bifrost's filters, a page of rows plus `stats`),
//! `/api/logs/stats`, `/api/logs/filterdata`, `/api/logs/dropped`, `/api/logs/{id}`, and the
//! live feed over WebSocket at `/ws` (also `/ws/logs`, its older path).
//!
//! Query strings are Bifrost's: lists comma-separated or repeated, times RFC 3339, `sort_by`
//! `timestamp|latency|tokens|cost`, `order` `asc|desc`, `limit` (1 to 1000, default 50),
//! `offset`. A bad value answers 400 in Bifrost's error shape, naming the parameter.

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
    let page = logs.store().search(&q).await.map_err(store_error)?;
    Ok(Json(page).into_response())
}

async fn stats(State(state): State<Arc<AppState>>, params: Params) -> Result<Response, ApiError> {
    let logs = logger(&state)?;
    let q = query(params)?;
    let stats = logs.store().stats(&q.filter).await.map_err(store_error)?;
    Ok(Json(stats).into_response())
}

async fn filter_data(State(state): State<Arc<AppState>>) -> Result<Response, ApiError> {
    let logs = logger(&state)?;
    let data = logs.store().filter_data().await.map_err(store_error)?;
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
    match logs.store().get(&id).await.map_err(store_error)? {
        Some(entry) => Ok(Json(entry).into_response()),
        None => Err(store_error(StoreError::NotFound(format!("log {id}")))),
    }
}

async fn live(
    State(state): State<Arc<AppState>>,
    upgrade: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    let logs = logger(&state)?;
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
