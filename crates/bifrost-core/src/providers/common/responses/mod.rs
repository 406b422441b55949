//! The Responses API served over chat completions, for providers without a native endpoint.
//!
//! [`to_chat_request`] builds the chat request, the provider answers it, and
//! [`from_chat_response`] / [`translate_chat_stream`] turn the answer into a Responses response
//! or event stream. [`responses_over_chat`] and [`responses_stream_over_chat`] do the whole
//! round trip for any [`Provider`]; they are what `Provider::responses` and
//! `Provider::responses_stream` do by default.

mod builder;
mod request;
mod response;
mod stream;

pub use self::builder::EventBuilder;
pub use self::request::to_chat_request;
pub use self::response::{echoed_params, events_from_response, from_chat_response};
pub use self::stream::{ChatStreamTranslator, translate_chat_stream};

use crate::error::BifrostError;
use crate::provider::{CallContext, ChunkStream, Provider};
use crate::schemas::{ResponsesRequest, ResponsesResponse};

/// Serves a Responses request with `provider`'s chat completion.
pub async fn responses_over_chat<P: Provider + ?Sized>(
    provider: &P,
    cx: CallContext<'_>,
    req: &ResponsesRequest,
) -> Result<ResponsesResponse, BifrostError> {
    let mut chat = to_chat_request(req)?;
    chat.stream = None;
    chat.stream_options = None;
    let answer = provider.chat(cx, &chat).await?;
    Ok(from_chat_response(answer, req))
}

/// Serves a streamed Responses request with `provider`'s streamed chat completion.
pub async fn responses_stream_over_chat<P: Provider + ?Sized>(
    provider: &P,
    cx: CallContext<'_>,
    req: &ResponsesRequest,
) -> Result<ChunkStream, BifrostError> {
    let mut chat = to_chat_request(req)?;
    chat.stream = Some(true);
    chat.stream_options = Some(crate::schemas::StreamOptions {
        include_usage: Some(true),
        extra: crate::schemas::ExtraMap::new(),
    });
    let upstream = provider.chat_stream(cx, &chat).await?;
    Ok(translate_chat_stream(upstream, req))
}

#[cfg(test)]
mod tests;
