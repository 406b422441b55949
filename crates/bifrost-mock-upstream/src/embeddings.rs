//! `POST /v1/embeddings`.
//!
//! Embeddings are deterministic: each input's vector is generated from a
//! 64-bit FNV-1a hash of its text (token-id inputs hash their ids), has
//! `dimensions` entries (default 8), and is L2-normalized like OpenAI's, so
//! every value lies in `[-1, 1]`. `encoding_format: "base64"` returns the
//! little-endian `f32` bytes base64-encoded, exactly as OpenAI does.

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Rejection, bad_request, missing_param};
use crate::server::{Endpoint, Output, serialize_error};
use crate::text::count_words;

/// Dimensions when the request does not ask for any.
pub const DEFAULT_DIMENSIONS: usize = 8;
/// Largest accepted `dimensions`.
const MAX_DIMENSIONS: i64 = 16_384;
/// Largest accepted number of inputs, as OpenAI enforces.
const MAX_INPUTS: usize = 2048;

/// The subset of the embeddings request the mock looks at.
#[derive(Debug, Deserialize)]
pub(crate) struct EmbeddingRequest {
    model: Option<String>,
    input: Option<Value>,
    dimensions: Option<i64>,
    encoding_format: Option<String>,
}

#[derive(Serialize)]
struct EmbeddingList<'a> {
    object: &'static str,
    data: Vec<EmbeddingObject>,
    model: &'a str,
    usage: Usage,
}

#[derive(Serialize)]
struct EmbeddingObject {
    object: &'static str,
    index: usize,
    embedding: Embedding,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Embedding {
    Float(Vec<f32>),
    Base64(String),
}

#[derive(Serialize)]
struct Usage {
    prompt_tokens: u64,
    total_tokens: u64,
}

/// One normalized input: the bytes to hash and its token count.
struct Input {
    key: Vec<u8>,
    tokens: u64,
}

fn invalid_input() -> Rejection {
    bad_request(
        "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.",
        None,
        None,
    )
}

fn text_input(s: &str) -> Result<Input, Rejection> {
    if s.is_empty() {
        return Err(invalid_input());
    }
    Ok(Input {
        key: s.as_bytes().to_vec(),
        tokens: count_words(s).max(1),
    })
}

fn token_input(tokens: &[Value]) -> Result<Input, Rejection> {
    if tokens.is_empty() {
        return Err(invalid_input());
    }
    let mut key = Vec::with_capacity(tokens.len() * 8 + 1);
    key.push(0xff); // domain-separate token inputs from text inputs
    for t in tokens {
        let t = t.as_i64().ok_or_else(invalid_input)?;
        key.extend_from_slice(&t.to_le_bytes());
    }
    Ok(Input {
        key,
        tokens: tokens.len() as u64,
    })
}

fn inputs(input: &Value) -> Result<Vec<Input>, Rejection> {
    let inputs = match input {
        Value::String(s) => vec![text_input(s)?],
        Value::Array(items) if items.is_empty() => return Err(invalid_input()),
        Value::Array(items) if items.iter().all(Value::is_number) => vec![token_input(items)?],
        Value::Array(items) => items
            .iter()
            .map(|item| match item {
                Value::String(s) => text_input(s),
                Value::Array(tokens) => token_input(tokens),
                _ => Err(invalid_input()),
            })
            .collect::<Result<_, _>>()?,
        _ => return Err(invalid_input()),
    };
    if inputs.len() > MAX_INPUTS {
        return Err(bad_request(
            &format!("'$.input' is invalid: at most {MAX_INPUTS} inputs are allowed."),
            None,
            None,
        ));
    }
    Ok(inputs)
}

/// 64-bit FNV-1a.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// SplitMix64 step.
fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The deterministic, L2-normalized embedding of `key`.
pub(crate) fn embed(key: &[u8], dimensions: usize) -> Vec<f32> {
    let mut state = fnv1a(key);
    let mut v: Vec<f32> = (0..dimensions)
        .map(|_| {
            // 24 random bits -> [0, 1) -> [-1, 1)
            let unit = (splitmix(&mut state) >> 40) as f32 / (1u32 << 24) as f32;
            unit * 2.0 - 1.0
        })
        .collect();
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > f32::EPSILON {
        for x in &mut v {
            *x = (*x / norm).clamp(-1.0, 1.0);
        }
    }
    v
}

fn to_base64(v: &[f32]) -> String {
    let mut bytes = Vec::with_capacity(v.len() * 4);
    for x in v {
        bytes.extend_from_slice(&x.to_le_bytes());
    }
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

impl Endpoint for EmbeddingRequest {
    fn model(&self) -> Option<&str> {
        self.model.as_deref()
    }

    fn generate(&self, _id: u64, _created: u64) -> Result<Output, Rejection> {
        let Some(model) = self.model.as_deref() else {
            return Err(bad_request(
                "you must provide a model parameter",
                None,
                None,
            ));
        };
        let Some(input) = self.input.as_ref() else {
            return Err(missing_param("input"));
        };
        let inputs = inputs(input)?;
        let dimensions = match self.dimensions {
            None => DEFAULT_DIMENSIONS,
            Some(d) if (1..=MAX_DIMENSIONS).contains(&d) => d as usize,
            Some(d) => {
                return Err(bad_request(
                    &format!(
                        "Invalid 'dimensions': expected a value between 1 and {MAX_DIMENSIONS}, but got {d} instead."
                    ),
                    Some("dimensions"),
                    Some("invalid_value"),
                ));
            }
        };
        let base64 = match self.encoding_format.as_deref() {
            None | Some("float") => false,
            Some("base64") => true,
            Some(other) => {
                return Err(bad_request(
                    &format!(
                        "Invalid value for 'encoding_format': '{other}'. Supported values are: 'float' and 'base64'."
                    ),
                    Some("encoding_format"),
                    Some("invalid_value"),
                ));
            }
        };
        let prompt_tokens = inputs.iter().map(|i| i.tokens).sum();
        let data = inputs
            .iter()
            .enumerate()
            .map(|(index, input)| {
                let v = embed(&input.key, dimensions);
                EmbeddingObject {
                    object: "embedding",
                    index,
                    embedding: if base64 {
                        Embedding::Base64(to_base64(&v))
                    } else {
                        Embedding::Float(v)
                    },
                }
            })
            .collect();
        serde_json::to_vec(&EmbeddingList {
            object: "list",
            data,
            model,
            usage: Usage {
                prompt_tokens,
                total_tokens: prompt_tokens,
            },
        })
        .map(Output::Json)
        .map_err(serialize_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embeddings_are_deterministic_and_normalized() {
        let a = embed(b"hello", 16);
        let b = embed(b"hello", 16);
        let c = embed(b"world", 16);
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.len(), 16);
        assert!(a.iter().all(|x| (-1.0..=1.0).contains(x)));
        let norm: f32 = a.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-4, "{norm}");
    }

    #[test]
    fn base64_is_le_f32() {
        let v = [1.0f32, -0.5];
        let b = to_base64(&v);
        let bytes = base64::engine::general_purpose::STANDARD.decode(b).unwrap();
        assert_eq!(bytes, [0, 0, 128, 63, 0, 0, 0, 191]);
    }
}
