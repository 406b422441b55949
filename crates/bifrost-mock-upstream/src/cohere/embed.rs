//! `POST /v2/embed`, `POST /v2/rerank` and `GET /v1/models`.
//!
//! Embeddings are the OpenAI mock's deterministic vectors (`output_dimension`, default 8),
//! returned for every requested `embedding_types` entry that is `float` (other types are
//! rejected). Rerank scores a document by the share of query words it contains (ties broken
//! by position), best first.

use serde_json::{Value, json};

use crate::embeddings::{DEFAULT_DIMENSIONS, embed as vector};
use crate::text::count_words;

/// The models the mock lists.
pub const COHERE_MODELS: [(&str, &str); 3] = [
    ("command-a-03-2025", "chat"),
    ("embed-v4.0", "embed"),
    ("rerank-v3.5", "rerank"),
];

fn meta(billed: Value) -> Value {
    json!({"api_version": {"version": "2"}, "billed_units": billed})
}

/// Answers `/v2/embed`.
pub(crate) fn embed(req: &Value, id: u64) -> Result<Value, String> {
    let texts: Vec<&str> = req
        .get("texts")
        .and_then(Value::as_array)
        .map(|t| t.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if texts.is_empty() {
        return Err("invalid request: texts must be a non-empty array of strings".to_owned());
    }
    if req.get("input_type").and_then(Value::as_str).is_none() {
        return Err("invalid request: input_type is required for v3+ embedding models".to_owned());
    }
    let types: Vec<&str> = req
        .get("embedding_types")
        .and_then(Value::as_array)
        .map(|t| t.iter().filter_map(Value::as_str).collect())
        .unwrap_or_else(|| vec!["float"]);
    if let Some(other) = types.iter().find(|t| **t != "float") {
        return Err(format!(
            "invalid request: embedding type {other:?} is not supported by this mock"
        ));
    }
    let dims = req
        .get("output_dimension")
        .and_then(Value::as_u64)
        .map_or(DEFAULT_DIMENSIONS, |d| d as usize);
    let vectors: Vec<Vec<f32>> = texts.iter().map(|t| vector(t.as_bytes(), dims)).collect();
    let tokens: u64 = texts.iter().map(|t| count_words(t).max(1)).sum();
    Ok(json!({
        "id": format!("mock-embed-{id}"),
        "embeddings": {"float": vectors},
        "texts": texts,
        "meta": meta(json!({ "input_tokens": tokens })),
        "response_type": "embeddings_by_type",
    }))
}

/// Answers `/v2/rerank`.
pub(crate) fn rerank(req: &Value, id: u64) -> Result<Value, String> {
    let query = req
        .get("query")
        .and_then(Value::as_str)
        .ok_or("invalid request: query is required")?
        .to_ascii_lowercase();
    let docs: Vec<&str> = req
        .get("documents")
        .and_then(Value::as_array)
        .map(|d| d.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if docs.is_empty() {
        return Err("invalid request: documents must be a non-empty array of strings".to_owned());
    }
    let words: Vec<&str> = query.split_whitespace().collect();
    let mut scored: Vec<(usize, f64)> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let d = d.to_ascii_lowercase();
            let hits = words.iter().filter(|w| d.contains(**w)).count();
            let share = if words.is_empty() {
                0.0
            } else {
                hits as f64 / words.len() as f64
            };
            (i, share * 0.9 + 0.05 / (i as f64 + 1.0))
        })
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    if let Some(n) = req.get("top_n").and_then(Value::as_u64) {
        scored.truncate(n as usize);
    }
    Ok(json!({
        "id": format!("mock-rerank-{id}"),
        "results": scored
            .iter()
            .map(|(index, score)| json!({"index": index, "relevance_score": score}))
            .collect::<Vec<_>>(),
        "meta": meta(json!({ "search_units": 1 })),
    }))
}

/// The `/v1/models` body.
pub(crate) fn models() -> Value {
    json!({
        "models": COHERE_MODELS
            .iter()
            .map(|(name, endpoint)| json!({
                "name": name,
                "endpoints": [endpoint],
                "finetuned": false,
                "context_length": 128000,
                "tokenizer_url": format!("https://storage.googleapis.com/cohere-public/tokenizers/{name}.json"),
                "default_endpoints": [],
            }))
            .collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rerank_prefers_matching_documents() {
        let v = rerank(
            &json!({"model": "rerank-v3.5", "query": "capital of France",
                "documents": ["Berlin is in Germany", "Paris is the capital of France"], "top_n": 1}),
            1,
        )
        .unwrap();
        assert_eq!(v["results"][0]["index"], 1);
        assert_eq!(v["results"].as_array().unwrap().len(), 1);
    }
}
