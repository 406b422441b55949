//! The upstream call of each request kind, as [`AttemptFn`](super::dispatch::AttemptFn)s.

use futures::future::BoxFuture;

use super::dispatch::{PeekedStream, peek};
use crate::error::BifrostError;
use crate::provider::{CallContext, Provider};
use crate::schemas::{
    ChatRequest, ChatResponse, CountTokensRequest, CountTokensResponse, EmbeddingRequest,
    EmbeddingResponse, ListModelsRequest, ListModelsResponse, PassthroughRequest,
    PassthroughResponse, RerankRequest, RerankResponse, ResponsesRequest, ResponsesResponse,
    TextCompletionRequest, TextCompletionResponse,
};

type Call<'a, T> = BoxFuture<'a, Result<T, BifrostError>>;

fn set_model(slot: &mut String, model: &str) {
    if slot != model {
        slot.clear();
        slot.push_str(model);
    }
}

pub(super) fn chat<'a>(
    p: &'a dyn Provider,
    cx: CallContext<'a>,
    b: &'a mut ChatRequest,
) -> Call<'a, ChatResponse> {
    set_model(&mut b.model, cx.model);
    p.chat(cx, b)
}

pub(super) fn chat_stream<'a>(
    p: &'a dyn Provider,
    cx: CallContext<'a>,
    b: &'a mut ChatRequest,
) -> Call<'a, PeekedStream> {
    set_model(&mut b.model, cx.model);
    Box::pin(async move { peek(p.name(), p.chat_stream(cx, b).await).await })
}

pub(super) fn text<'a>(
    p: &'a dyn Provider,
    cx: CallContext<'a>,
    b: &'a mut TextCompletionRequest,
) -> Call<'a, TextCompletionResponse> {
    set_model(&mut b.model, cx.model);
    p.text_completion(cx, b)
}

pub(super) fn text_stream<'a>(
    p: &'a dyn Provider,
    cx: CallContext<'a>,
    b: &'a mut TextCompletionRequest,
) -> Call<'a, PeekedStream> {
    set_model(&mut b.model, cx.model);
    Box::pin(async move { peek(p.name(), p.text_completion_stream(cx, b).await).await })
}

pub(super) fn responses<'a>(
    p: &'a dyn Provider,
    cx: CallContext<'a>,
    b: &'a mut ResponsesRequest,
) -> Call<'a, ResponsesResponse> {
    set_model(&mut b.model, cx.model);
    p.responses(cx, b)
}

pub(super) fn responses_stream<'a>(
    p: &'a dyn Provider,
    cx: CallContext<'a>,
    b: &'a mut ResponsesRequest,
) -> Call<'a, PeekedStream> {
    set_model(&mut b.model, cx.model);
    Box::pin(async move { peek(p.name(), p.responses_stream(cx, b).await).await })
}

pub(super) fn embedding<'a>(
    p: &'a dyn Provider,
    cx: CallContext<'a>,
    b: &'a mut EmbeddingRequest,
) -> Call<'a, EmbeddingResponse> {
    set_model(&mut b.model, cx.model);
    p.embedding(cx, b)
}

pub(super) fn count_tokens<'a>(
    p: &'a dyn Provider,
    cx: CallContext<'a>,
    b: &'a mut CountTokensRequest,
) -> Call<'a, CountTokensResponse> {
    set_model(&mut b.model, cx.model);
    p.count_tokens(cx, b)
}

pub(super) fn rerank<'a>(
    p: &'a dyn Provider,
    cx: CallContext<'a>,
    b: &'a mut RerankRequest,
) -> Call<'a, RerankResponse> {
    set_model(&mut b.model, cx.model);
    p.rerank(cx, b)
}

pub(super) fn list_models<'a>(
    p: &'a dyn Provider,
    cx: CallContext<'a>,
    b: &'a mut ListModelsRequest,
) -> Call<'a, ListModelsResponse> {
    p.list_models(cx, b)
}

pub(super) fn passthrough<'a>(
    p: &'a dyn Provider,
    cx: CallContext<'a>,
    b: &'a mut PassthroughRequest,
) -> Call<'a, PassthroughResponse> {
    p.passthrough(cx, b)
}

pub(super) fn passthrough_stream<'a>(
    p: &'a dyn Provider,
    cx: CallContext<'a>,
    b: &'a mut PassthroughRequest,
) -> Call<'a, PeekedStream> {
    Box::pin(async move { peek(p.name(), p.passthrough_stream(cx, b).await).await })
}
