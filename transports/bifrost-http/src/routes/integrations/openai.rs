//! OpenAI drop-in routes under `/openai` (for SDKs whose base URL is `.../openai` or
//! `.../openai/v1`) and the Azure-SDK shaped deployment paths
//! `/openai/openai/deployments/{deployment}/...` (the Azure SDK calls the Responses API without a
//! deployment: `/openai/openai/responses`, model in the body).
//!
//! A bare model name goes to the `openai` provider (`azure` on deployment paths); any configured
//! provider is reachable with a `provider/model` name.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Request, State};
use axum::response::Response;
use axum::routing::{get, post};

use crate::routes::inference::{self, Dialect, Route};
use crate::state::AppState;

const OPENAI: Dialect<'static> = Dialect {
    default_provider: Some("openai"),
    model_from_path: None,
};

async fn chat(State(state): State<Arc<AppState>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    inference::handle_with(&state, Route::Chat, OPENAI, parts.headers, body).await
}

async fn completions(State(state): State<Arc<AppState>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    inference::handle_with(&state, Route::Text, OPENAI, parts.headers, body).await
}

async fn embeddings(State(state): State<Arc<AppState>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    inference::handle_with(&state, Route::Embeddings, OPENAI, parts.headers, body).await
}

async fn responses(State(state): State<Arc<AppState>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    inference::handle_with(&state, Route::Responses, OPENAI, parts.headers, body).await
}

async fn azure_responses(State(state): State<Arc<AppState>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let dialect = Dialect {
        default_provider: Some("azure"),
        model_from_path: None,
    };
    inference::handle_with(&state, Route::Responses, dialect, parts.headers, body).await
}

fn azure(deployment: &str) -> Dialect<'_> {
    Dialect {
        default_provider: Some("azure"),
        model_from_path: Some(deployment),
    }
}

async fn azure_chat(
    State(state): State<Arc<AppState>>,
    Path(deployment): Path<String>,
    req: Request,
) -> Response {
    let (parts, body) = req.into_parts();
    inference::handle_with(&state, Route::Chat, azure(&deployment), parts.headers, body).await
}

async fn azure_completions(
    State(state): State<Arc<AppState>>,
    Path(deployment): Path<String>,
    req: Request,
) -> Response {
    let (parts, body) = req.into_parts();
    inference::handle_with(&state, Route::Text, azure(&deployment), parts.headers, body).await
}

async fn azure_embeddings(
    State(state): State<Arc<AppState>>,
    Path(deployment): Path<String>,
    req: Request,
) -> Response {
    let (parts, body) = req.into_parts();
    inference::handle_with(
        &state,
        Route::Embeddings,
        azure(&deployment),
        parts.headers,
        body,
    )
    .await
}

/// The `/openai` routes (to be nested under `/openai`).
pub fn router() -> Router<Arc<AppState>> {
    let mut r = Router::new();
    for prefix in ["", "/v1"] {
        r = r
            .route(&format!("{prefix}/chat/completions"), post(chat))
            .route(&format!("{prefix}/completions"), post(completions))
            .route(&format!("{prefix}/embeddings"), post(embeddings))
            .route(&format!("{prefix}/responses"), post(responses))
            .route(&format!("{prefix}/models"), get(inference::list_models));
    }
    r.route("/openai/responses", post(azure_responses))
        .route(
            "/openai/deployments/{deployment}/chat/completions",
            post(azure_chat),
        )
        .route(
            "/openai/deployments/{deployment}/completions",
            post(azure_completions),
        )
        .route(
            "/openai/deployments/{deployment}/embeddings",
            post(azure_embeddings),
        )
        .route(
            "/openai/deployments/{deployment}/models",
            get(inference::list_models),
        )
}
