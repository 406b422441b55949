//! The plugin trait and what its hooks exchange with the engine.
//!
//! Pre-hooks run in registration order before a request is dispatched; each may change the
//! request or short-circuit it with a response, a stream or an error. Post-hooks run in reverse
//! order, only for plugins whose pre-hook ran, also when the request failed or was
//! short-circuited. Streams additionally pass each chunk through `stream_chunk_hook` (cheap and
//! synchronous), and post-hooks see a [`StreamSummary`] once the stream ends.
//!
//! A fallback is a new request: the hooks run again for it with `ctx.fallback_index` set.

use std::time::Duration;

use async_trait::async_trait;

use crate::context::RequestContext;
use crate::error::BifrostError;
use crate::provider::ChunkStream;
use crate::schemas::{Request, Response, StreamChunk, Usage};

/// A failure inside a plugin. Logged, never sent to the caller: a broken plugin must not fail
/// requests. To reject a request, short-circuit with an error instead.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct PluginError(pub String);

/// An answer produced by a plugin instead of the upstream.
pub enum ShortCircuit {
    /// A complete response (cache hit, mock).
    Response(Response),
    /// A stream of chunks (cached or mocked stream).
    Stream(ChunkStream),
    /// An error (budget exceeded, blocked model).
    Error(BifrostError),
}

impl std::fmt::Debug for ShortCircuit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Response(r) => f.debug_tuple("Response").field(r).finish(),
            Self::Stream(_) => f.write_str("Stream(..)"),
            Self::Error(e) => f.debug_tuple("Error").field(e).finish(),
        }
    }
}

/// What a pre-hook decided.
#[derive(Debug)]
pub enum PreHookOutcome {
    /// Go on with the (possibly modified) request.
    Continue,
    /// Stop here and answer with this.
    ShortCircuit(ShortCircuit),
}

/// How a streamed request ended.
#[derive(Debug, Clone, Default)]
pub struct StreamSummary {
    /// Chunks delivered to the caller.
    pub chunks: u64,
    /// The last usage seen in the stream.
    pub usage: Option<Usage>,
    /// The last finish reason seen.
    pub finish_reason: Option<String>,
    /// Time from the request's arrival to the first chunk.
    pub time_to_first_chunk: Option<Duration>,
    /// The error that ended the stream, if any.
    pub error: Option<BifrostError>,
    /// True when the caller went away before the end.
    pub cancelled: bool,
}

/// What post-hooks see.
#[derive(Debug)]
pub enum Outcome {
    /// A complete response; hooks may change it, or replace it with an error.
    Response(Response),
    /// An error; hooks may change it, or recover by replacing it with a response.
    Error(BifrostError),
    /// A stream that has ended (observed only).
    StreamEnded(StreamSummary),
}

/// What to do with a stream chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkAction {
    /// Send it to the caller.
    Forward,
    /// Drop it.
    Skip,
}

/// A gateway plugin. Every hook has a no-op default, so a plugin implements only what it needs.
#[async_trait]
pub trait Plugin: Send + Sync + 'static {
    /// Unique plugin name (used in logs and configuration).
    fn name(&self) -> &str;

    /// Runs before dispatch.
    async fn pre_hook(
        &self,
        ctx: &mut RequestContext,
        req: &mut Request,
    ) -> Result<PreHookOutcome, PluginError> {
        let _ = (ctx, req);
        Ok(PreHookOutcome::Continue)
    }

    /// Runs after the request completed, failed or was short-circuited (reverse order).
    async fn post_hook(
        &self,
        ctx: &mut RequestContext,
        outcome: &mut Outcome,
    ) -> Result<(), PluginError> {
        let _ = (ctx, outcome);
        Ok(())
    }

    /// Runs for every chunk of a stream, in registration order. Keep it cheap.
    fn stream_chunk_hook(&self, ctx: &mut RequestContext, chunk: &mut StreamChunk) -> ChunkAction {
        let _ = (ctx, chunk);
        ChunkAction::Forward
    }

    /// Releases resources when the engine shuts down.
    async fn cleanup(&self) {}
}
