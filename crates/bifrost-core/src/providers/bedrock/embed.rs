//! Embeddings through InvokeModel (`POST /model/{modelId}/invoke`), whose body is the model's
//! own format, chosen by the model id:
//!
//! | model id contains | request | response |
//! |---|---|---|
//! | `titan-embed` | `{"inputText", "dimensions"?, "normalize"?}`, one call per input | `{"embedding", "inputTextTokenCount"}` |
//! | `cohere.embed` | `{"texts", "input_type", "truncate"?, "embedding_types": ["float"], "output_dimension"?}` | `{"embeddings": [[..]] or {"float": [[..]]}}` |
//!
//! `encoding_format: "base64"` is produced here from the float vectors (little-endian f32, as
//! OpenAI encodes them). Cohere's `input_type` defaults to `search_document`.

use serde_json::Value;

use super::types::{
    CohereEmbedRequest, CohereEmbedResponse, TitanEmbedRequest, TitanEmbedResponse,
};
use crate::error::BifrostError;
use crate::schemas::{
    Embedding, EmbeddingRequest, EmbeddingResponse, EmbeddingVector, ExtraMap, Usage,
};

/// The embedding body format of a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmbedFamily {
    /// Amazon Titan text embeddings (`v2` accepts `dimensions` and `normalize`).
    Titan {
        /// Titan text embeddings v2.
        v2: bool,
    },
    /// Cohere embed.
    Cohere,
}

/// The format of `model`, if it is an embedding model Bifrost knows how to call.
pub fn family(model: &str) -> Option<EmbedFamily> {
    if model.contains("titan-embed") {
        Some(EmbedFamily::Titan {
            v2: model.contains("-v2"),
        })
    } else if model.contains("cohere.embed") {
        Some(EmbedFamily::Cohere)
    } else {
        None
    }
}

/// The texts of the request; Bedrock's embedding models take text only.
pub fn texts(req: &EmbeddingRequest) -> Result<Vec<String>, BifrostError> {
    let texts: Vec<String> = match &req.input {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .map(|v| v.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| {
                BifrostError::invalid_request(
                    "Bedrock embedding models take text input: a string or an array of strings",
                )
            })?,
        _ => Vec::new(),
    };
    if texts.is_empty() {
        return Err(BifrostError::invalid_request(
            "input is required for embeddings",
        ));
    }
    Ok(texts)
}

/// The Titan request for one text.
pub fn titan_request(text: &str, req: &EmbeddingRequest, v2: bool) -> TitanEmbedRequest {
    TitanEmbedRequest {
        input_text: text.to_owned(),
        dimensions: if v2 { req.dimensions } else { None },
        normalize: if v2 {
            req.extra.get("normalize").and_then(Value::as_bool)
        } else {
            None
        },
    }
}

/// The Cohere request for all texts.
pub fn cohere_request(texts: Vec<String>, req: &EmbeddingRequest) -> CohereEmbedRequest {
    let string = |k: &str| req.extra.get(k).and_then(Value::as_str).map(str::to_owned);
    CohereEmbedRequest {
        texts,
        input_type: string("input_type").unwrap_or_else(|| "search_document".to_owned()),
        truncate: string("truncate"),
        embedding_types: Some(vec!["float".to_owned()]),
        output_dimension: req.dimensions,
    }
}

fn vector(values: Vec<f64>, base64: bool) -> EmbeddingVector {
    if base64 {
        let floats: Vec<f32> = values.iter().map(|v| *v as f32).collect();
        EmbeddingVector::Base64(EmbeddingVector::base64_from_floats(&floats))
    } else {
        EmbeddingVector::Float(values)
    }
}

fn wants_base64(req: &EmbeddingRequest) -> bool {
    req.encoding_format.as_deref() == Some("base64")
}

fn response(
    data: Vec<Vec<f64>>,
    model: &str,
    req: &EmbeddingRequest,
    tokens: u64,
) -> EmbeddingResponse {
    let base64 = wants_base64(req);
    EmbeddingResponse {
        object: "list".to_owned(),
        data: data
            .into_iter()
            .enumerate()
            .map(|(i, v)| Embedding {
                object: "embedding".to_owned(),
                index: i as u32,
                embedding: vector(v, base64),
                extra: ExtraMap::new(),
            })
            .collect(),
        model: model.to_owned(),
        usage: Some(Usage::new(tokens, 0)),
        extra_fields: None,
        extra: ExtraMap::new(),
    }
}

/// Titan answers (one per input, in input order) -> an embeddings response.
pub fn titan_response(
    answers: Vec<TitanEmbedResponse>,
    model: &str,
    req: &EmbeddingRequest,
) -> EmbeddingResponse {
    let tokens = answers.iter().map(|a| a.input_text_token_count).sum();
    response(
        answers.into_iter().map(|a| a.embedding).collect(),
        model,
        req,
        tokens,
    )
}

/// A Cohere answer -> an embeddings response; `tokens` comes from Bedrock's
/// `X-Amzn-Bedrock-Input-Token-Count` header.
pub fn cohere_response(
    answer: CohereEmbedResponse,
    model: &str,
    req: &EmbeddingRequest,
    tokens: u64,
) -> Result<EmbeddingResponse, String> {
    let floats = match answer.embeddings {
        Value::Object(mut by_type) => by_type.remove("float").unwrap_or(Value::Null),
        other => other,
    };
    let vectors: Vec<Vec<f64>> =
        serde_json::from_value(floats).map_err(|e| format!("embeddings: {e}"))?;
    Ok(response(vectors, model, req, tokens))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_follow_the_model_id() {
        assert_eq!(
            family("amazon.titan-embed-text-v2:0"),
            Some(EmbedFamily::Titan { v2: true })
        );
        assert_eq!(
            family("amazon.titan-embed-text-v1"),
            Some(EmbedFamily::Titan { v2: false })
        );
        assert_eq!(family("cohere.embed-english-v3"), Some(EmbedFamily::Cohere));
        assert_eq!(family("us.cohere.embed-v4:0"), Some(EmbedFamily::Cohere));
        assert_eq!(family("anthropic.claude-3-haiku"), None);
    }
}
