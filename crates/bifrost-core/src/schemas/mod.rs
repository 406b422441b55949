//! Unified request and response types.
//!
//! OpenAI's wire shapes are the lingua franca: every provider translates its native format into
//! these types and back. Every struct keeps the fields it does not know in an `extra` map
//! (`#[serde(flatten)]`), so an OpenAI-compatible round trip never drops what a caller sent.

pub mod chat;
pub mod count_tokens;
pub mod embedding;
pub mod extra_fields;
pub mod models;
pub mod passthrough;
pub mod request;
pub mod rerank;
pub mod responses;
pub mod stream;
pub mod text;
pub mod usage;

pub use chat::*;
pub use count_tokens::*;
pub use embedding::*;
pub use extra_fields::ExtraFields;
pub use models::*;
pub use passthrough::*;
pub use request::*;
pub use rerank::*;
pub use responses::*;
pub use stream::*;
pub use text::*;
pub use usage::*;

/// Unknown JSON fields kept on a typed value so that they can be forwarded unchanged.
pub type ExtraMap = serde_json::Map<String, serde_json::Value>;

/// Serializes `value` as JSON into a buffer sized for a typical gateway body, so that small
/// bodies are written without reallocating.
pub fn to_json_vec<T: serde::Serialize + ?Sized>(value: &T) -> serde_json::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(1024);
    serde_json::to_writer(&mut buf, value)?;
    Ok(buf)
}
