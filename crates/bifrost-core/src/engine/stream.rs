//! The stream handed to the caller: chunk hooks, idle timeout, `extra_fields` on every chunk, and
//! post-hooks once the stream ends (also when the caller goes away mid-stream).

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures::{Stream, StreamExt};

use crate::context::{HookPhase, RequestContext};
use crate::error::{BifrostError, ErrorKind};
use crate::plugin::{ChunkAction, Outcome, Plugin, StreamSummary};
use crate::provider::ChunkStream;
use crate::schemas::{
    ChatDelta, ChatResponse, ChatStreamChoice, ChatStreamChunk, ExtraFields, RequestType, Response,
    Role, StreamChunk, TextChoice, TextCompletionResponse,
};

/// The streamed answer to a request.
pub struct ResponseStream {
    inner: ChunkStream,
    provider: String,
    model: String,
    request_type: RequestType,
}

impl std::fmt::Debug for ResponseStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseStream")
            .field("provider", &self.provider)
            .field("model", &self.model)
            .finish()
    }
}

impl ResponseStream {
    /// The provider serving the stream.
    pub fn provider(&self) -> &str {
        &self.provider
    }

    /// The model serving the stream (without provider prefix).
    pub fn model(&self) -> &str {
        &self.model
    }

    /// The request type (`chat_completion_stream`, `text_completion_stream`).
    pub fn request_type(&self) -> RequestType {
        self.request_type
    }
}

impl Stream for ResponseStream {
    type Item = Result<StreamChunk, BifrostError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.poll_next_unpin(cx)
    }
}

/// Runs the post-hooks with the stream's summary exactly once: at the end of the stream, or
/// from `Drop` when the caller disconnects first.
struct Finalizer {
    ctx: Option<RequestContext>,
    plugins: Arc<[Arc<dyn Plugin>]>,
    ran: usize,
    summary: StreamSummary,
}

impl Finalizer {
    async fn finish(&mut self) {
        if let Some(mut ctx) = self.ctx.take() {
            let summary = std::mem::take(&mut self.summary);
            run_stream_post_hooks(&self.plugins[..self.ran], &mut ctx, summary).await;
        }
    }
}

impl Drop for Finalizer {
    fn drop(&mut self) {
        let Some(mut ctx) = self.ctx.take() else {
            return;
        };
        let mut summary = std::mem::take(&mut self.summary);
        summary.cancelled = true;
        if summary.error.is_none() {
            summary.error = Some(BifrostError::new(
                ErrorKind::Cancelled,
                "the caller closed the connection before the stream ended",
            ));
        }
        let plugins = self.plugins.clone();
        let ran = self.ran;
        if ran == 0 {
            return;
        }
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            handle.spawn(async move {
                run_stream_post_hooks(&plugins[..ran], &mut ctx, summary).await;
            });
        }
    }
}

async fn run_stream_post_hooks(
    plugins: &[Arc<dyn Plugin>],
    ctx: &mut RequestContext,
    summary: StreamSummary,
) {
    let mut outcome = Outcome::StreamEnded(summary);
    for p in plugins.iter().rev() {
        let clock = ctx.hook_clock();
        let result = p.post_hook(ctx, &mut outcome).await;
        ctx.record_hook(p.name(), HookPhase::Post, clock);
        if let Err(e) = result {
            // Runs while the response body is polled, outside the handler's span.
            tracing::warn!(request_id = %ctx.request_id, plugin = p.name(), error = %e, "plugin post-hook failed");
        }
    }
}

struct State {
    first: Option<Box<StreamChunk>>,
    upstream: ChunkStream,
    finalizer: Finalizer,
    template: ExtraFields,
    idle_timeout: Duration,
    started_at: Instant,
    index: u64,
    done: bool,
}

/// What the engine knows when it hands a stream over.
pub(crate) struct StreamSetup {
    pub first: Option<Box<StreamChunk>>,
    pub upstream: ChunkStream,
    pub ctx: RequestContext,
    pub plugins: Arc<[Arc<dyn Plugin>]>,
    pub ran: usize,
    pub provider: String,
    pub model: String,
    pub request_type: RequestType,
    pub idle_timeout: Duration,
}

/// Wraps a stream with the plugin pipeline and the idle timeout.
pub(crate) fn pipeline(setup: StreamSetup) -> ResponseStream {
    let template = ExtraFields {
        provider: setup.provider.clone(),
        request_type: Some(setup.request_type),
        model_requested: setup.ctx.model_requested.clone(),
        fallback_index: Some(setup.ctx.fallback_index),
        ..ExtraFields::default()
    };
    let state = State {
        first: setup.first,
        upstream: setup.upstream,
        started_at: setup.ctx.started_at,
        finalizer: Finalizer {
            ctx: Some(setup.ctx),
            plugins: setup.plugins,
            ran: setup.ran,
            summary: StreamSummary::default(),
        },
        template,
        idle_timeout: setup.idle_timeout,
        index: 0,
        done: false,
    };
    let provider = setup.provider;
    let inner = futures::stream::unfold(state, move |mut st| async move {
        if st.done {
            return None;
        }
        loop {
            let item = match st.first.take() {
                Some(chunk) => Some(Ok(*chunk)),
                None => match tokio::time::timeout(st.idle_timeout, st.upstream.next()).await {
                    Ok(item) => item,
                    Err(_) => Some(Err(BifrostError::new(
                        ErrorKind::StreamIdleTimeout,
                        format!(
                            "stream from {} went silent for {} seconds (stream_idle_timeout_in_seconds)",
                            st.template.provider,
                            st.idle_timeout.as_secs()
                        ),
                    )
                    .with_code("stream_idle_timeout"))),
                },
            };
            match item {
                Some(Ok(mut chunk)) => {
                    let fin = &mut st.finalizer;
                    let summary = &mut fin.summary;
                    if summary.time_to_first_chunk.is_none() {
                        summary.time_to_first_chunk = Some(st.started_at.elapsed());
                    }
                    if let Some(u) = chunk.usage() {
                        summary.usage = Some(u.clone());
                    }
                    if let Some(r) = chunk.finish_reason() {
                        summary.finish_reason = Some(r.to_owned());
                    }
                    let mut skip = false;
                    if let Some(ctx) = fin.ctx.as_mut() {
                        for p in &fin.plugins[..fin.ran] {
                            if p.stream_chunk_hook(ctx, &mut chunk) == ChunkAction::Skip {
                                skip = true;
                                break;
                            }
                        }
                    }
                    if skip {
                        continue;
                    }
                    fin.summary.chunks += 1;
                    let mut fields = st.template.clone();
                    fields.chunk_index = Some(st.index);
                    fields.latency = Some(st.started_at.elapsed().as_millis() as u64);
                    st.index += 1;
                    chunk.set_extra_fields(fields);
                    return Some((Ok(chunk), st));
                }
                Some(Err(mut err)) => {
                    st.done = true;
                    err.set_context(
                        &st.template.provider,
                        &st.template.model_requested,
                        st.template
                            .request_type
                            .unwrap_or(RequestType::ChatCompletionStream),
                    );
                    st.finalizer.summary.error = Some(err.clone());
                    st.finalizer.finish().await;
                    return Some((Err(err), st));
                }
                None => {
                    st.done = true;
                    st.finalizer.finish().await;
                    return None;
                }
            }
        }
    });
    ResponseStream {
        inner: Box::pin(inner),
        provider,
        model: setup.model,
        request_type: setup.request_type,
    }
}

/// Turns a complete response into the chunks a stream of it would have carried (for plugins
/// that answer a streamed request with a whole response, such as a cache or a mock).
pub fn stream_from_response(response: Response) -> ChunkStream {
    let chunks: Vec<Result<StreamChunk, BifrostError>> = match response {
        Response::Chat(r) => chat_chunks(*r).into_iter().map(Ok).collect(),
        Response::TextCompletion(r) => text_chunks(*r).into_iter().map(Ok).collect(),
        Response::Responses(r) => crate::providers::common::responses::events_from_response(*r)
            .into_iter()
            .map(|e| Ok(StreamChunk::Responses(e)))
            .collect(),
        other => vec![Err(BifrostError::internal(format!(
            "a {:?} response cannot be streamed",
            std::mem::discriminant(&other)
        )))],
    };
    Box::pin(futures::stream::iter(chunks))
}

fn chat_chunks(r: ChatResponse) -> Vec<StreamChunk> {
    let base = |choices: Vec<ChatStreamChoice>| ChatStreamChunk {
        id: r.id.clone(),
        object: "chat.completion.chunk".to_owned(),
        created: r.created,
        model: r.model.clone(),
        system_fingerprint: r.system_fingerprint.clone(),
        choices,
        ..ChatStreamChunk::default()
    };
    let mut out = Vec::with_capacity(r.choices.len() * 2 + 1);
    for c in &r.choices {
        let tool_calls = c.message.tool_calls.as_ref().map(|calls| {
            calls
                .iter()
                .enumerate()
                .map(|(i, tc)| crate::schemas::ToolCallDelta {
                    index: i as u32,
                    id: Some(tc.id.clone()),
                    kind: Some(tc.kind.clone()),
                    function: Some(crate::schemas::FunctionCallDelta {
                        name: Some(tc.function.name.clone()),
                        arguments: Some(tc.function.arguments.clone()),
                    }),
                    extra: Default::default(),
                })
                .collect()
        });
        out.push(StreamChunk::Chat(base(vec![ChatStreamChoice {
            index: c.index,
            delta: ChatDelta {
                role: Some(Role::Assistant),
                content: c.message.content.as_ref().map(|m| m.to_text()),
                tool_calls,
                refusal: c.message.refusal.clone(),
                reasoning: c.message.reasoning.clone(),
                reasoning_details: c.message.reasoning_details.clone(),
                ..ChatDelta::default()
            },
            ..ChatStreamChoice::default()
        }])));
        out.push(StreamChunk::Chat(base(vec![ChatStreamChoice {
            index: c.index,
            finish_reason: c.finish_reason.clone().or_else(|| Some("stop".to_owned())),
            ..ChatStreamChoice::default()
        }])));
    }
    if let Some(usage) = r.usage.clone() {
        let mut last = base(Vec::new());
        last.usage = Some(usage);
        out.push(StreamChunk::Chat(last));
    }
    out
}

fn text_chunks(r: TextCompletionResponse) -> Vec<StreamChunk> {
    let mut out = Vec::with_capacity(r.choices.len() + 1);
    for c in &r.choices {
        out.push(StreamChunk::Text(TextCompletionResponse {
            id: r.id.clone(),
            object: "text_completion".to_owned(),
            created: r.created,
            model: r.model.clone(),
            choices: vec![TextChoice {
                text: c.text.clone(),
                index: c.index,
                logprobs: None,
                finish_reason: c.finish_reason.clone().or_else(|| Some("stop".to_owned())),
                extra: Default::default(),
            }],
            ..TextCompletionResponse::default()
        }));
    }
    if let Some(usage) = r.usage {
        out.push(StreamChunk::Text(TextCompletionResponse {
            id: r.id,
            object: "text_completion".to_owned(),
            created: r.created,
            model: r.model,
            usage: Some(usage),
            ..TextCompletionResponse::default()
        }));
    }
    out
}
