//! Embeddings (OpenAI `POST /v1/embeddings`).

use serde::{Deserialize, Serialize};

use super::{ExtraFields, ExtraMap};

/// An embeddings request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct EmbeddingRequest {
    /// `provider/model` from the caller, the bare model name once dispatched.
    #[serde(default)]
    pub model: String,
    /// A string, an array of strings, an array of tokens or an array of token arrays.
    #[serde(default)]
    pub input: serde_json::Value,
    /// `float` (default) or `base64`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding_format: Option<String>,
    /// Output dimensions (models that support shortening).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimensions: Option<u32>,
    /// End-user identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Bifrost fallbacks (`provider/model` strings). Never sent upstream.
    #[serde(default, skip_serializing)]
    pub fallbacks: Option<Vec<String>>,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

impl EmbeddingRequest {
    /// The inputs that are text (string or array of strings).
    pub fn texts(&self) -> Vec<&str> {
        match &self.input {
            serde_json::Value::String(s) => vec![s.as_str()],
            serde_json::Value::Array(items) => items.iter().filter_map(|v| v.as_str()).collect(),
            _ => Vec::new(),
        }
    }
}

/// An embeddings response.
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct EmbeddingResponse {
    /// Always `list`.
    #[serde(default = "list_object")]
    pub object: String,
    /// One embedding per input.
    #[serde(default)]
    pub data: Vec<Embedding>,
    /// The model that answered.
    #[serde(default)]
    pub model: String,
    /// Token usage (`prompt_tokens`, `total_tokens`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<super::Usage>,
    /// Bifrost's metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_fields: Option<ExtraFields>,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

fn list_object() -> String {
    "list".to_owned()
}

/// One embedding.
#[derive(Debug, Clone, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct Embedding {
    /// Always `embedding`.
    #[serde(default = "embedding_object")]
    pub object: String,
    /// Position of the input.
    #[serde(default)]
    pub index: u32,
    /// The vector, as floats or base64 of little-endian f32.
    pub embedding: EmbeddingVector,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

fn embedding_object() -> String {
    "embedding".to_owned()
}

/// An embedding vector in either encoding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum EmbeddingVector {
    /// `encoding_format: float`.
    Float(Vec<f64>),
    /// `encoding_format: base64`: little-endian f32 values, base64-encoded.
    Base64(String),
}

impl EmbeddingVector {
    /// The vector as floats, decoding base64 when needed.
    pub fn to_floats(&self) -> Option<Vec<f32>> {
        use base64::Engine as _;
        match self {
            Self::Float(v) => Some(v.iter().map(|x| *x as f32).collect()),
            Self::Base64(s) => {
                let bytes = base64::engine::general_purpose::STANDARD.decode(s).ok()?;
                if bytes.len() % 4 != 0 {
                    return None;
                }
                Some(
                    bytes
                        .chunks_exact(4)
                        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                        .collect(),
                )
            }
        }
    }

    /// Encodes floats as OpenAI's base64 form.
    pub fn base64_from_floats(values: &[f32]) -> String {
        use base64::Engine as _;
        let mut bytes = Vec::with_capacity(values.len() * 4);
        for v in values {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips() {
        let v = [0.5f32, -1.0, 0.25];
        let enc = EmbeddingVector::Base64(EmbeddingVector::base64_from_floats(&v));
        assert_eq!(enc.to_floats().unwrap(), v.to_vec());
    }
}
