//! Anthropic (Claude) models on Vertex AI: `publishers/anthropic/models/{model}:rawPredict` and
//! `:streamRawPredict` with Anthropic's Messages API body.
//!
//! This build does not translate the Anthropic wire format yet, so requests for Claude models
//! on Vertex answer with a typed "unsupported operation" error instead of being sent to the
//! Gemini endpoint (which would fail with a confusing upstream error).

use crate::error::{BifrostError, ErrorKind};

/// True for model names served through the Anthropic publisher.
pub fn is_anthropic_model(model: &str) -> bool {
    model.to_ascii_lowercase().contains("claude")
}

/// The error answered for Claude models on Vertex AI.
pub fn unsupported(provider: &str, model: &str) -> BifrostError {
    BifrostError::new(
        ErrorKind::UnsupportedOperation,
        format!(
            "unsupported_operation: anthropic models on vertex ({model}) are not supported by the {provider} provider of this build"
        ),
    )
    .with_code("unsupported_operation")
}
