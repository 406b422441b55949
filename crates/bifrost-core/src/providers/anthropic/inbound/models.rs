//! The gateway's model list in Anthropic's `GET /v1/models` shape, paged with `limit`,
//! `after_id` and `before_id` as Anthropic pages it.

use std::time::{Duration, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::schemas::{ExtraMap, ListModelsResponse, Model};

/// Anthropic's default page size.
pub const DEFAULT_LIMIT: usize = 20;
/// Anthropic's largest page size.
pub const MAX_LIMIT: usize = 1000;

/// Query of `GET /v1/models`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct PageQuery {
    /// Page size (1 to 1000, default 20).
    pub limit: Option<usize>,
    /// Return the models after this id.
    pub after_id: Option<String>,
    /// Return the models before this id.
    pub before_id: Option<String>,
}

/// One model in Anthropic's shape.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelInfo {
    /// Always `model`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Model id: bare for the route's own provider, `provider/model` for the others.
    pub id: String,
    /// Human-readable name (the id when the provider gives none).
    pub display_name: String,
    /// RFC 3339 release time.
    pub created_at: String,
    /// Anthropic's other model fields when the provider sent them ([`KEPT_FIELDS`]).
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// Model fields of Anthropic's listing kept from the provider's answer.
pub const KEPT_FIELDS: &[&str] = &[
    "capabilities",
    "max_input_tokens",
    "max_tokens",
    "lifecycle",
    "deprecated_at",
    "retires_at",
    "line",
];

/// A page of models.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelPage {
    /// The models.
    pub data: Vec<ModelInfo>,
    /// More models exist in the paging direction.
    pub has_more: bool,
    /// First id of the page.
    pub first_id: Option<String>,
    /// Last id of the page.
    pub last_id: Option<String>,
}

fn info(m: Model, own_prefix: &str) -> ModelInfo {
    let id = match m.id.strip_prefix(own_prefix) {
        Some(bare) if !bare.is_empty() => bare.to_owned(),
        _ => m.id,
    };
    let display_name = m
        .extra
        .get("display_name")
        .and_then(Value::as_str)
        .map_or_else(|| id.clone(), str::to_owned);
    let created_at = m
        .extra
        .get("created_at")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| {
            let at = UNIX_EPOCH + Duration::from_secs(m.created);
            humantime::format_rfc3339_seconds(at).to_string()
        });
    let extra = KEPT_FIELDS
        .iter()
        .filter_map(|k| m.extra.get(*k).map(|v| ((*k).to_owned(), v.clone())))
        .collect();
    ModelInfo {
        kind: "model",
        id,
        display_name,
        created_at,
        extra,
    }
}

/// One page of `list`; ids of `own_provider`'s models lose their `provider/` prefix.
pub fn to_model_page(list: ListModelsResponse, own_provider: &str, query: &PageQuery) -> ModelPage {
    let prefix = format!("{own_provider}/");
    let all: Vec<ModelInfo> = list.data.into_iter().map(|m| info(m, &prefix)).collect();
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
    let position = |id: &str| all.iter().position(|m| m.id == id);
    let (start, end, has_more) = if let Some(before) = query.before_id.as_deref() {
        let end = position(before).unwrap_or(0);
        let start = end.saturating_sub(limit);
        (start, end, start > 0)
    } else {
        let start = query
            .after_id
            .as_deref()
            .map_or(0, |after| position(after).map_or(all.len(), |i| i + 1));
        let end = (start + limit).min(all.len());
        (start, end, end < all.len())
    };
    let data: Vec<ModelInfo> = all
        .into_iter()
        .skip(start)
        .take(end.saturating_sub(start))
        .collect();
    ModelPage {
        first_id: data.first().map(|m| m.id.clone()),
        last_id: data.last().map(|m| m.id.clone()),
        has_more,
        data,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(id: &str, created: u64) -> Model {
        Model {
            id: id.to_owned(),
            object: "model".to_owned(),
            created,
            owned_by: String::new(),
            extra: ExtraMap::new(),
        }
    }

    #[test]
    fn pages_and_prefixes() {
        let list = ListModelsResponse {
            data: vec![
                model("anthropic/claude-a", 0),
                model("anthropic/claude-b", 0),
                model("openai/gpt-4o", 86400),
            ],
            ..ListModelsResponse::default()
        };
        let q = PageQuery {
            limit: Some(2),
            ..PageQuery::default()
        };
        let page = to_model_page(list.clone(), "anthropic", &q);
        let ids: Vec<&str> = page.data.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, ["claude-a", "claude-b"]);
        assert!(page.has_more);
        assert_eq!(page.last_id.as_deref(), Some("claude-b"));
        let next = PageQuery {
            limit: Some(2),
            after_id: page.last_id.clone(),
            before_id: None,
        };
        let page = to_model_page(list.clone(), "anthropic", &next);
        assert_eq!(page.data[0].id, "openai/gpt-4o");
        assert_eq!(page.data[0].created_at, "1970-01-02T00:00:00Z");
        assert!(!page.has_more);
        let before = PageQuery {
            limit: Some(1),
            after_id: None,
            before_id: Some("openai/gpt-4o".to_owned()),
        };
        let page = to_model_page(list, "anthropic", &before);
        assert_eq!(page.data[0].id, "claude-b");
        assert!(page.has_more);
    }
}
