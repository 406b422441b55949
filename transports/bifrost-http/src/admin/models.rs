//! `GET /api/models`: the models the configured providers offer.
//!
//! Models named in keys' `models` lists come from the configuration; a provider with a key
//! that allows every model (`"*"`) is asked for its model list (when it supports listing), and
//! a provider that fails to answer contributes only its configured names.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::extract::{Query, State};
use bifrost_core::RequestContext;
use serde::Deserialize;
use serde_json::json;

use super::json::{ApiResult, ok};
use super::providers::all_providers;
use crate::state::AppState;

/// Query parameters.
#[derive(Debug, Deserialize)]
pub struct ModelsQuery {
    /// Only this provider.
    #[serde(default)]
    pub provider: Option<String>,
    /// Case-insensitive substring of the model name.
    #[serde(default)]
    pub query: Option<String>,
    /// At most this many models.
    #[serde(default)]
    pub limit: Option<usize>,
}

/// `GET /api/models?provider=&query=&limit=` -> `{"models": [{"name", "provider"}], "total"}`.
pub async fn list(State(state): State<Arc<AppState>>, Query(q): Query<ModelsQuery>) -> ApiResult {
    let providers = all_providers(&state).await?;
    let mut found: BTreeSet<(String, String)> = BTreeSet::new();
    let snapshot = state.bifrost.snapshot();
    for (name, p) in &providers {
        if q.provider.as_deref().is_some_and(|f| f != name) {
            continue;
        }
        let mut wildcard = false;
        for k in p.keys.iter().filter(|k| k.enabled != Some(false)) {
            for m in k.models.iter().flatten() {
                if m == "*" {
                    wildcard = true;
                } else {
                    found.insert((name.clone(), m.clone()));
                }
            }
            for alias in k.aliases.iter().flat_map(|a| a.keys()) {
                found.insert((name.clone(), alias.clone()));
            }
        }
        if wildcard && snapshot.provider(name).is_some() {
            let mut ctx = RequestContext::new(uuid::Uuid::new_v4().to_string());
            match state.bifrost.list_models(&mut ctx, Some(name)).await {
                Ok(list) => {
                    for m in list.data {
                        let id =
                            m.id.strip_prefix(&format!("{name}/"))
                                .unwrap_or(&m.id)
                                .to_owned();
                        found.insert((name.clone(), id));
                    }
                }
                Err(e) => {
                    tracing::warn!(provider = %name, error = %e, "listing models for /api/models failed");
                }
            }
        }
    }
    let needle = q.query.as_deref().map(str::to_ascii_lowercase);
    let models: Vec<_> = found
        .into_iter()
        .filter(|(_, m)| {
            needle
                .as_deref()
                .is_none_or(|n| m.to_ascii_lowercase().contains(n))
        })
        .take(q.limit.unwrap_or(usize::MAX))
        .map(|(provider, name)| json!({"name": name, "provider": provider}))
        .collect();
    ok(json!({"total": models.len(), "models": models}))
}
