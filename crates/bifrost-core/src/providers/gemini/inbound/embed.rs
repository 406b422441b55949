//! `embedContent` / `batchEmbedContents` <-> unified embeddings.
//!
//! | Gemini | unified |
//! |---|---|
//! | `content.parts[].text` (joined with newlines) | one `input` string; a batch is an array of them, in order |
//! | `outputDimensionality` | `dimensions` |
//! | `taskType`, `title` | `task_type`, `title` (extra fields, the Gemini provider's names) |
//! | `data[i].embedding` | `embedding.values` / `embeddings[i].values` |
//!
//! A batch takes the dimensions, task type and title of its first request (the SDKs send the
//! same for every request). Only text can be embedded through the unified request.

use serde_json::Value;

use super::super::types::{
    BatchEmbedContentsResponse, ContentEmbedding, EmbedContentRequest, EmbedContentResponse,
};
use crate::error::BifrostError;
use crate::schemas::{EmbeddingRequest, EmbeddingResponse, EmbeddingVector, ExtraMap};

fn text_of(req: &EmbedContentRequest, at: &str) -> Result<String, BifrostError> {
    if req.content.parts.is_empty() {
        return Err(BifrostError::invalid_request(format!(
            "* {at}.content: content is not specified"
        ))
        .with_param("content"));
    }
    let mut texts = Vec::with_capacity(req.content.parts.len());
    for part in &req.content.parts {
        match &part.text {
            Some(t) => texts.push(t.as_str()),
            None => {
                return Err(BifrostError::invalid_request(format!(
                    "{at}.content: only text parts can be embedded"
                ))
                .with_param("content"));
            }
        }
    }
    Ok(texts.join("\n"))
}

/// Translates `embedContent` (`batch` false, one request) or `batchEmbedContents` (`batch`
/// true) for `model`.
pub fn to_embedding_request(
    requests: &[EmbedContentRequest],
    model: &str,
    batch: bool,
) -> Result<EmbeddingRequest, BifrostError> {
    let Some(first) = requests.first() else {
        return Err(BifrostError::invalid_request(
            "* BatchEmbedContentsRequest.requests: requests is not specified",
        )
        .with_param("requests"));
    };
    let input = if batch {
        let texts = requests
            .iter()
            .enumerate()
            .map(|(i, r)| text_of(r, &format!("BatchEmbedContentsRequest.requests[{i}]")))
            .collect::<Result<Vec<_>, _>>()?;
        Value::Array(texts.into_iter().map(Value::String).collect())
    } else {
        Value::String(text_of(first, "EmbedContentRequest")?)
    };
    let mut extra = ExtraMap::new();
    if let Some(t) = &first.task_type {
        extra.insert("task_type".to_owned(), Value::String(t.clone()));
    }
    if let Some(t) = &first.title {
        extra.insert("title".to_owned(), Value::String(t.clone()));
    }
    Ok(EmbeddingRequest {
        model: model.to_owned(),
        input,
        encoding_format: None,
        dimensions: first.output_dimensionality,
        user: None,
        fallbacks: None,
        extra,
    })
}

fn embeddings(resp: &EmbeddingResponse) -> Vec<ContentEmbedding> {
    let mut data: Vec<_> = resp.data.iter().collect();
    data.sort_by_key(|e| e.index);
    data.into_iter()
        .map(|e| ContentEmbedding {
            values: match &e.embedding {
                EmbeddingVector::Float(v) => v.clone(),
                other => other
                    .to_floats()
                    .unwrap_or_default()
                    .into_iter()
                    .map(f64::from)
                    .collect(),
            },
        })
        .collect()
}

/// The `embedContent` answer.
pub fn to_embed_content_response(resp: &EmbeddingResponse) -> EmbedContentResponse {
    EmbedContentResponse {
        embedding: embeddings(resp).into_iter().next().unwrap_or_default(),
        usage_metadata: None,
    }
}

/// The `batchEmbedContents` answer.
pub fn to_batch_response(resp: &EmbeddingResponse) -> BatchEmbedContentsResponse {
    BatchEmbedContentsResponse {
        embeddings: embeddings(resp),
        usage_metadata: None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn batches_map_both_ways() {
        let reqs: Vec<EmbedContentRequest> = serde_json::from_value(json!([
            {"model": "models/x", "content": {"parts": [{"text": "a"}]}, "taskType": "RETRIEVAL_QUERY", "outputDimensionality": 4},
            {"model": "models/x", "content": {"parts": [{"text": "b"}, {"text": "c"}]}}
        ]))
        .unwrap();
        let req = to_embedding_request(&reqs, "openai/text-embedding-3-small", true).unwrap();
        assert_eq!(req.input, json!(["a", "b\nc"]));
        assert_eq!(req.dimensions, Some(4));
        assert_eq!(req.extra["task_type"], "RETRIEVAL_QUERY");
        let single = to_embedding_request(&reqs[..1], "m", false).unwrap();
        assert_eq!(single.input, json!("a"));

        let resp: EmbeddingResponse = serde_json::from_value(json!({
            "object": "list", "model": "m",
            "data": [
                {"object": "embedding", "index": 1, "embedding": [0.5, 0.25]},
                {"object": "embedding", "index": 0, "embedding": [1.0, 0.0]}
            ]
        }))
        .unwrap();
        assert_eq!(
            serde_json::to_value(to_batch_response(&resp)).unwrap(),
            json!({"embeddings": [{"values": [1.0, 0.0]}, {"values": [0.5, 0.25]}]})
        );
        assert_eq!(
            serde_json::to_value(to_embed_content_response(&resp)).unwrap(),
            json!({"embedding": {"values": [1.0, 0.0]}})
        );
    }
}
