//! Drop-in routes that speak each SDK's native API (`/openai`, `/anthropic`, ...) and the framework prefixes
//! (`/litellm`, `/langchain`, `/pydanticai`) that expose them again under one prefix.

pub mod anthropic;
pub mod bedrock;
pub mod cohere;
pub mod genai;
pub mod openai;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};

use crate::routes::inference;
use crate::state::AppState;

/// Every drop-in route group, without a framework prefix.
pub fn integrations() -> Router<Arc<AppState>> {
    Router::new()
        .nest("/openai", openai::router())
        .nest("/anthropic", anthropic::router())
        .nest("/genai", genai::router())
        .nest("/bedrock", bedrock::router())
        .nest("/cohere", cohere::router())
}

/// What a framework prefix exposes: the OpenAI-compatible `/v1` routes and every integration.
pub fn framework() -> Router<Arc<AppState>> {
    Router::new()
        .route("/v1/chat/completions", post(inference::chat_completions))
        .route("/v1/completions", post(inference::completions))
        .route("/v1/embeddings", post(inference::embeddings))
        .route("/v1/responses", post(inference::responses))
        .route("/v1/models", get(inference::list_models))
        .route("/chat/completions", post(inference::chat_completions))
        .route("/completions", post(inference::completions))
        .route("/embeddings", post(inference::embeddings))
        .route("/responses", post(inference::responses))
        .route("/models", get(inference::list_models))
        .merge(integrations())
}

/// Framework prefixes Bifrost serves.
pub const FRAMEWORK_PREFIXES: &[&str] = &["/litellm", "/langchain", "/pydanticai"];
