//! Embeddings: the Gemini API's `embedContent` / `batchEmbedContents` and Vertex AI's text
//! embedding `:predict`. Vectors are the OpenAI mock's (hash of the text, 8 dimensions unless
//! `outputDimensionality` says otherwise, L2-normalized), so both mocks agree.

use serde_json::{Value, json};

use super::error::{Rejection, bad};
use crate::embeddings::{DEFAULT_DIMENSIONS, embed};
use crate::text::count_words;

fn dimensions(v: Option<&Value>) -> Result<usize, Rejection> {
    match v.and_then(Value::as_i64) {
        None => Ok(DEFAULT_DIMENSIONS),
        Some(d) if (1..=3072).contains(&d) => Ok(d as usize),
        Some(d) => Err(bad(&format!(
            "* EmbedContentRequest.output_dimensionality: must be between 1 and 3072, got {d}\n"
        ))),
    }
}

fn content_text(req: &Value) -> Result<String, Rejection> {
    let parts = req
        .pointer("/content/parts")
        .and_then(Value::as_array)
        .filter(|p| !p.is_empty())
        .ok_or_else(|| bad("* EmbedContentRequest.content: content is not specified\n"))?;
    Ok(parts
        .iter()
        .filter_map(|p| p.get("text").and_then(Value::as_str))
        .collect())
}

fn vector(text: &str, dims: usize) -> Value {
    json!({ "values": embed(text.as_bytes(), dims) })
}

/// `embedContent`.
pub(crate) fn embed_content(body: &Value) -> Result<Value, Rejection> {
    let text = content_text(body)?;
    let dims = dimensions(body.get("outputDimensionality"))?;
    Ok(json!({ "embedding": vector(&text, dims) }))
}

/// `batchEmbedContents`; every request must name `models/{model}` of the path.
pub(crate) fn batch_embed_contents(body: &Value, model: &str) -> Result<Value, Rejection> {
    let requests = body
        .get("requests")
        .and_then(Value::as_array)
        .filter(|r| !r.is_empty())
        .ok_or_else(|| bad("* BatchEmbedContentsRequest.requests: requests is not specified\n"))?;
    let expected = format!("models/{model}");
    let mut embeddings = Vec::with_capacity(requests.len());
    for (i, req) in requests.iter().enumerate() {
        if req.get("model").and_then(Value::as_str) != Some(expected.as_str()) {
            return Err(bad(&format!(
                "* BatchEmbedContentsRequest.requests[{i}].model: the model must be {expected}, the model of the request URL\n"
            )));
        }
        let text = content_text(req)?;
        embeddings.push(vector(&text, dimensions(req.get("outputDimensionality"))?));
    }
    Ok(json!({ "embeddings": embeddings }))
}

/// Vertex AI `:predict` for text-embedding models.
pub(crate) fn predict(body: &Value) -> Result<Value, Rejection> {
    let instances = body
        .get("instances")
        .and_then(Value::as_array)
        .filter(|i| !i.is_empty())
        .ok_or_else(|| bad("instances must be a non-empty list"))?;
    let dims = dimensions(body.pointer("/parameters/outputDimensionality"))?;
    let mut predictions = Vec::with_capacity(instances.len());
    let mut chars = 0usize;
    for inst in instances {
        let text = inst
            .get("content")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("Each instance must have a \"content\" string."))?;
        chars += text.chars().filter(|c| !c.is_whitespace()).count();
        predictions.push(json!({
            "embeddings": {
                "statistics": {"truncated": false, "token_count": count_words(text).max(1)},
                "values": embed(text.as_bytes(), dims),
            }
        }));
    }
    Ok(json!({
        "predictions": predictions,
        "metadata": {"billableCharacterCount": chars},
    }))
}
