//! InvokeModel for embedding models: Amazon Titan text embeddings (v1, v2) and Cohere embed.
//!
//! Vectors are the deterministic, normalized vectors of the OpenAI mock (default 8
//! dimensions; Titan v2 `dimensions` and Cohere `output_dimension` are honoured). Bedrock
//! reports the input tokens in `X-Amzn-Bedrock-Input-Token-Count`.

use serde_json::{Value, json};

use super::converse::Invalid;
use crate::embeddings::{DEFAULT_DIMENSIONS, embed};
use crate::text::count_words;

/// An InvokeModel answer: body and input token count.
pub(crate) type Invoked = (Value, u64);

fn dimensions(v: Option<&Value>) -> Result<usize, Invalid> {
    match v.and_then(Value::as_u64) {
        None => Ok(DEFAULT_DIMENSIONS),
        Some(d @ 1..=4096) => Ok(d as usize),
        Some(d) => Err((
            "ValidationException",
            format!(
                "Malformed input request: #/dimensions: {d} is not a valid value, please reformat your input and try again."
            ),
        )),
    }
}

/// Answers an InvokeModel call for `model`.
pub(crate) fn invoke(model: &str, req: &Value) -> Result<Invoked, Invalid> {
    if model.contains("titan-embed") {
        let Some(text) = req.get("inputText").and_then(Value::as_str) else {
            return Err((
                "ValidationException",
                "Malformed input request: #: required key [inputText] not found, please reformat your input and try again.".to_owned(),
            ));
        };
        let tokens = count_words(text).max(1);
        let vector = embed(text.as_bytes(), dimensions(req.get("dimensions"))?);
        let mut body = json!({ "embedding": vector, "inputTextTokenCount": tokens });
        if model.contains("-v2") {
            body["embeddingsByType"] = json!({ "float": vector });
        }
        return Ok((body, tokens));
    }
    if model.contains("cohere.embed") {
        let texts: Vec<&str> = req
            .get("texts")
            .and_then(Value::as_array)
            .map(|t| t.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if texts.is_empty() || req.get("input_type").and_then(Value::as_str).is_none() {
            return Err((
                "ValidationException",
                "Malformed input request: #: required key [input_type] not found or texts is empty, please reformat your input and try again.".to_owned(),
            ));
        }
        let dims = dimensions(req.get("output_dimension"))?;
        let vectors: Vec<Vec<f32>> = texts.iter().map(|t| embed(t.as_bytes(), dims)).collect();
        let tokens = texts.iter().map(|t| count_words(t).max(1)).sum();
        let by_type = req.get("embedding_types").is_some();
        let body = json!({
            "id": "mock-embed",
            "texts": texts,
            "embeddings": if by_type { json!({ "float": vectors }) } else { json!(vectors) },
            "response_type": if by_type { "embeddings_by_type" } else { "embeddings_floats" },
        });
        return Ok((body, tokens));
    }
    Err((
        "ValidationException",
        format!(
            "The provided model identifier is invalid. Model {model} does not support InvokeModel in this mock"
        ),
    ))
}
