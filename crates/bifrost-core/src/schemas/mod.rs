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

/// Parses JSON from bytes, checking UTF-8 once for the whole input.
///
/// `serde_json::from_slice` validates every string (every key included) on its own, which costs
/// more than the rest of the string's parsing for the short strings JSON bodies are made of;
/// once the whole input is known to be UTF-8, `from_str` skips those checks. Input that is not
/// UTF-8 is parsed by `from_slice`, so its error reports where the bad byte is.
pub fn from_json_slice<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> serde_json::Result<T> {
    match std::str::from_utf8(bytes) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(bytes),
    }
}

/// Serializes `value` as JSON into a buffer sized for a typical gateway body, so that small
/// bodies are written without reallocating.
pub fn to_json_vec<T: serde::Serialize + ?Sized>(value: &T) -> serde_json::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(1024);
    serde_json::to_writer(&mut buf, value)?;
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_from_bytes_parses_and_reports_bad_input_like_serde_json() {
        let req: ChatRequest =
            from_json_slice(br#"{"model":"m","messages":[{"role":"user","content":"h\u00e9"}]}"#)
                .unwrap_or_default();
        assert_eq!(req.messages[0].text_content(), "hé");
        let bad_utf8: &[u8] = b"{\"model\":\"m\xff\"}";
        let ours = from_json_slice::<ChatRequest>(bad_utf8)
            .map(|_| ())
            .map_err(|e| e.to_string());
        let theirs = serde_json::from_slice::<ChatRequest>(bad_utf8)
            .map(|_| ())
            .map_err(|e| e.to_string());
        assert_eq!(ours, theirs);
        assert!(ours.is_err_and(|m| m.contains("line 1")));
        let syntax = from_json_slice::<ChatRequest>(b"{\"model\":").map(|_| ());
        assert!(syntax.is_err_and(|e| e.is_eof()));
    }
}
