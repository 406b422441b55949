//! `GET /v1/models` (paged with `limit` / `after_id`) and `GET /v1/models/{id}` in Anthropic's
//! shape.

use serde_json::{Value, json};

/// The models the mock advertises as `(id, display name, created_at)`, most recent first.
pub const ANTHROPIC_MODELS: [(&str, &str, &str); 3] = [
    (
        "claude-sonnet-4-5-20250929",
        "Claude Sonnet 4.5",
        "2025-09-29T00:00:00Z",
    ),
    (
        "claude-haiku-4-5-20251001",
        "Claude Haiku 4.5",
        "2025-10-01T00:00:00Z",
    ),
    (
        "claude-3-5-haiku-20241022",
        "Claude Haiku 3.5",
        "2024-10-22T00:00:00Z",
    ),
];

fn model((id, name, created): (&str, &str, &str)) -> Value {
    json!({"type": "model", "id": id, "display_name": name, "created_at": created})
}

fn query_param<'a>(query: Option<&'a str>, name: &str) -> Option<&'a str> {
    query?
        .split('&')
        .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
}

/// One page of the list.
pub(crate) fn list(query: Option<&str>) -> Value {
    let limit = query_param(query, "limit")
        .and_then(|l| l.parse::<usize>().ok())
        .unwrap_or(20)
        .clamp(1, 1000);
    let start = query_param(query, "after_id")
        .and_then(|after| ANTHROPIC_MODELS.iter().position(|m| m.0 == after))
        .map_or(0, |i| i + 1);
    let page: Vec<Value> = ANTHROPIC_MODELS
        .iter()
        .skip(start)
        .take(limit)
        .map(|m| model(*m))
        .collect();
    let has_more = start + page.len() < ANTHROPIC_MODELS.len();
    json!({
        "data": page,
        "has_more": has_more,
        "first_id": page.first().map(|m| m["id"].clone()),
        "last_id": page.last().map(|m| m["id"].clone()),
    })
}

/// One model, if the mock knows it.
pub(crate) fn retrieve(id: &str) -> Option<Value> {
    ANTHROPIC_MODELS
        .iter()
        .find(|m| m.0 == id)
        .map(|m| model(*m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages() {
        let first = list(Some("limit=2"));
        assert_eq!(first["data"].as_array().map(Vec::len), Some(2));
        assert_eq!(first["has_more"], true);
        let next = list(Some("limit=2&after_id=claude-haiku-4-5-20251001"));
        assert_eq!(next["data"][0]["id"], "claude-3-5-haiku-20241022");
        assert_eq!(next["has_more"], false);
        assert!(retrieve("nope").is_none());
    }
}
