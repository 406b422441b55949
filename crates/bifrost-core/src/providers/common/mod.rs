//! Pieces shared by provider implementations: HTTP client, upstream errors, SSE decoding.

pub mod client;
pub mod passthrough;
pub mod sse;
pub mod upstream_error;

pub use client::{ClientBuildError, build_client, ensure_crypto_provider};
