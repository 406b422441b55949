//! The gateway's model list in Google's `GET /v1beta/models` shape, paged with `pageSize` and
//! `pageToken` as Google pages it.
//!
//! Every model is `models/<id>`: bare for the route's own provider (`models/gemini-2.5-flash`),
//! `provider/model` for the others (`models/openai/gpt-4o`). `displayName`, `description`,
//! `inputTokenLimit`, `outputTokenLimit` and `supportedGenerationMethods` come from what the
//! provider reported; without methods a model is listed with `generateContent` and
//! `countTokens` (`embedContent` and `batchEmbedContents` when its id says it embeds).

use serde::Deserialize;
use serde_json::Value;

use super::super::types::{ListModelsResponse as NativeList, Model as NativeModel};
use crate::error::BifrostError;
use crate::schemas::{ExtraMap, ListModelsResponse, Model};

/// Google's default page size.
pub const DEFAULT_PAGE_SIZE: usize = 50;
/// Google's largest page size.
pub const MAX_PAGE_SIZE: usize = 1000;

/// Query of `GET /models`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageQuery {
    /// Page size (default 50, at most 1000).
    pub page_size: Option<usize>,
    /// The `nextPageToken` of the previous page.
    pub page_token: Option<String>,
}

fn first_str<'a>(extra: &'a ExtraMap, keys: &[&str]) -> Option<&'a str> {
    keys.iter()
        .find_map(|k| extra.get(*k).and_then(Value::as_str))
        .filter(|s| !s.is_empty())
}

fn first_u64(extra: &ExtraMap, keys: &[&str]) -> Option<u64> {
    keys.iter()
        .find_map(|k| extra.get(*k).and_then(Value::as_u64))
}

/// One model in Google's shape; `own_prefix` (`gemini/`) is stripped from its id.
pub fn to_model(m: &Model, own_prefix: &str) -> NativeModel {
    let id = match m.id.strip_prefix(own_prefix) {
        Some(bare) if !bare.is_empty() => bare,
        _ => m.id.as_str(),
    };
    let methods = m
        .extra
        .get("supported_methods")
        .or_else(|| m.extra.get("supportedGenerationMethods"))
        .and_then(|v| serde_json::from_value::<Vec<String>>(v.clone()).ok())
        .unwrap_or_else(|| {
            let methods: &[&str] = if id.contains("embed") {
                &["embedContent", "batchEmbedContents"]
            } else {
                &["generateContent", "countTokens"]
            };
            methods.iter().map(|s| (*s).to_owned()).collect()
        });
    NativeModel {
        name: format!("models/{id}"),
        display_name: Some(
            first_str(&m.extra, &["display_name", "displayName", "name"])
                .unwrap_or(id)
                .to_owned(),
        ),
        description: first_str(&m.extra, &["description"]).map(str::to_owned),
        version: first_str(&m.extra, &["version"]).map(str::to_owned),
        input_token_limit: first_u64(
            &m.extra,
            &["context_length", "max_input_tokens", "inputTokenLimit"],
        ),
        output_token_limit: first_u64(
            &m.extra,
            &["max_output_tokens", "max_tokens", "outputTokenLimit"],
        ),
        supported_generation_methods: Some(methods),
        extra: ExtraMap::new(),
    }
}

/// One page of `list`.
pub fn to_model_page(
    list: &ListModelsResponse,
    own_provider: &str,
    query: &PageQuery,
) -> Result<NativeList, BifrostError> {
    let prefix = format!("{own_provider}/");
    let size = query
        .page_size
        .filter(|s| *s > 0)
        .unwrap_or(DEFAULT_PAGE_SIZE)
        .min(MAX_PAGE_SIZE);
    let start = match query.page_token.as_deref().filter(|t| !t.is_empty()) {
        None => 0,
        Some(token) => token.parse::<usize>().map_err(|_| {
            BifrostError::invalid_request(format!("page_token {token:?} is not valid"))
                .with_param("pageToken")
        })?,
    };
    let end = (start + size).min(list.data.len());
    let models = list
        .data
        .get(start.min(end)..end)
        .unwrap_or_default()
        .iter()
        .map(|m| to_model(m, &prefix))
        .collect();
    Ok(NativeList {
        models,
        next_page_token: (end < list.data.len()).then(|| end.to_string()),
    })
}

/// The model named `id` (`gemini-2.5-flash`, `openai/gpt-4o`), if listed.
pub fn find_model(list: &ListModelsResponse, own_provider: &str, id: &str) -> Option<NativeModel> {
    let prefix = format!("{own_provider}/");
    let id = id.strip_prefix("models/").unwrap_or(id);
    list.data
        .iter()
        .map(|m| to_model(m, &prefix))
        .find(|m| m.name.strip_prefix("models/") == Some(id))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn list() -> ListModelsResponse {
        serde_json::from_value(json!({"object": "list", "data": [
            {"id": "gemini/gemini-2.5-flash", "object": "model", "created": 0, "owned_by": "google",
             "name": "Gemini 2.5 Flash", "context_length": 1048576, "max_output_tokens": 65536,
             "supported_methods": ["generateContent", "countTokens"]},
            {"id": "openai/gpt-4o", "object": "model", "created": 0, "owned_by": "openai"},
            {"id": "openai/text-embedding-3-small", "object": "model", "created": 0, "owned_by": "openai"}
        ]}))
        .unwrap()
    }

    #[test]
    fn lists_in_googles_shape_with_pages() {
        let q = PageQuery {
            page_size: Some(2),
            page_token: None,
        };
        let page = to_model_page(&list(), "gemini", &q).unwrap();
        let v = serde_json::to_value(&page).unwrap();
        assert_eq!(
            v["models"][0],
            json!({"name": "models/gemini-2.5-flash", "displayName": "Gemini 2.5 Flash",
                   "inputTokenLimit": 1048576, "outputTokenLimit": 65536,
                   "supportedGenerationMethods": ["generateContent", "countTokens"]})
        );
        assert_eq!(v["models"][1]["name"], "models/openai/gpt-4o");
        assert_eq!(v["nextPageToken"], "2");
        let next = PageQuery {
            page_size: Some(2),
            page_token: Some("2".into()),
        };
        let page = to_model_page(&list(), "gemini", &next).unwrap();
        assert_eq!(
            page.models[0].supported_generation_methods.as_deref(),
            Some(&["embedContent".to_owned(), "batchEmbedContents".to_owned()][..])
        );
        assert!(page.next_page_token.is_none());
        let bad = PageQuery {
            page_size: None,
            page_token: Some("x".into()),
        };
        assert!(to_model_page(&list(), "gemini", &bad).is_err());
        assert_eq!(
            find_model(&list(), "gemini", "openai/gpt-4o").unwrap().name,
            "models/openai/gpt-4o"
        );
        assert!(find_model(&list(), "gemini", "nope").is_none());
    }
}
