//! Pieces shared by provider implementations: HTTP client, upstream errors, SSE decoding, the
//! Responses API over chat completions.

pub mod client;
pub mod lean;
pub mod passthrough;
pub mod responses;
pub mod sse;
pub mod upstream_error;

pub use client::{ClientBuildError, HttpClient, SendError, build_client, ensure_crypto_provider};
