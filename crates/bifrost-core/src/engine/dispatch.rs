//! One target's upstream call: key choice, admission, per-attempt timeout and retries.

use std::time::{Duration, Instant};

use futures::StreamExt;
use futures::future::BoxFuture;

use super::retry::{RetryClass, backoff, classify};
use super::snapshot::ProviderState;
use crate::context::{Attempt, RequestContext};
use crate::error::{BifrostError, ErrorKind};
use crate::provider::{CallContext, ChunkStream, Provider};
use crate::schemas::StreamChunk;

/// A stream whose first chunk has already arrived (so the attempt is known to be good).
pub struct PeekedStream {
    /// The first chunk.
    pub first: Box<StreamChunk>,
    /// The rest of the stream.
    pub rest: ChunkStream,
}

/// One upstream call of a request body `B` producing `T`: given the provider, the call context
/// and the body (whose `model` the function sets to the upstream model first).
///
/// A plain function pointer rather than a closure keeps the returned future provably `Send` for
/// every lifetime, which async closures cannot express yet.
pub type AttemptFn<B, T> = for<'a> fn(
    &'a dyn Provider,
    CallContext<'a>,
    &'a mut B,
) -> BoxFuture<'a, Result<T, BifrostError>>;

/// Opens a stream and waits for its first chunk, so that a stream that fails before sending
/// anything is an ordinary failed attempt (retried, then fallen back from).
pub async fn peek(
    provider: &str,
    stream: Result<ChunkStream, BifrostError>,
) -> Result<PeekedStream, BifrostError> {
    let mut rest = stream?;
    match rest.next().await {
        Some(Ok(first)) => Ok(PeekedStream {
            first: Box::new(first),
            rest,
        }),
        Some(Err(e)) => Err(e),
        None => Err(BifrostError::new(
            ErrorKind::Network,
            format!("{provider} closed the stream without sending any data"),
        )
        .with_code("empty_stream")),
    }
}

fn timeout_error(state: &ProviderState) -> BifrostError {
    BifrostError::new(
        ErrorKind::Timeout,
        format!(
            "request to {} timed out after {} seconds; raise default_request_timeout_in_seconds in the provider's network_config if the model needs longer",
            state.name,
            state.request_timeout.as_secs_f64()
        ),
    )
    .with_code("request_timed_out")
}

fn credentials_exhausted() -> BifrostError {
    BifrostError::new(
        ErrorKind::CredentialsExhausted,
        "all configured keys returned permanent per-key errors (401/402/403)",
    )
    .with_code("upstream_credentials_exhausted")
}

/// Calls `attempt` with keys chosen for `model` until it succeeds or the retry rules stop it.
///
/// Retries follow [`classify`]: 5xx and network errors retry the same key, 429 moves to another
/// key, 401/402/403 retire the key for this request without spending a retry, anything else
/// returns at once. Each attempt holds an admission slot and is bounded by the provider's
/// request timeout.
pub async fn with_retries<B: ?Sized + Send, T: Send>(
    state: &ProviderState,
    ctx: &mut RequestContext,
    model: &str,
    body: &mut B,
    attempt: AttemptFn<B, T>,
) -> Result<T, BifrostError> {
    let pool = &state.keys;
    if pool.is_empty() {
        return Err(BifrostError::new(
            ErrorKind::NoKeysForModel,
            format!(
                "no keys found for provider: {} and model: {model}; add a key under providers.{}.keys",
                state.name, state.name
            ),
        )
        .with_code("no_keys"));
    }
    let candidates = pool.candidates(model);
    if candidates.is_empty() {
        return Err(BifrostError::new(
            ErrorKind::NoKeysForModel,
            format!("no keys found that support model: {model}"),
        )
        .with_code("no_keys"));
    }
    let pinned = match &ctx.key_pin {
        Some(pin) => Some(pool.pinned(&state.name, model, pin)?),
        None => None,
    };
    let send_back_raw = ctx
        .send_back_raw_response
        .unwrap_or(state.send_back_raw_response);
    let mut dead: Vec<u16> = Vec::new();
    let mut used: Vec<u16> = Vec::new();
    let mut current: Option<u16> = None;
    let mut retries = 0u32;
    ctx.retries = 0;
    loop {
        let index = match (pinned, current) {
            (Some(i), _) => i,
            (None, Some(i)) => i,
            (None, None) => {
                let excluded = |i: u16| dead.contains(&i) || used.contains(&i);
                match pool.choose(candidates, excluded) {
                    Some(i) => i,
                    None if !used.is_empty() => {
                        // Every live key was tried this cycle: start a new cycle.
                        used.clear();
                        match pool.choose(candidates, |i| dead.contains(&i)) {
                            Some(i) => i,
                            None => return Err(credentials_exhausted()),
                        }
                    }
                    None => return Err(credentials_exhausted()),
                }
            }
        };
        let key = pool.key(index);
        let upstream_model = key.upstream_model(model);
        let result = {
            let permit = state.admission.acquire(&state.name).await?;
            let cx = CallContext {
                key,
                model: &upstream_model,
                request_id: &ctx.request_id,
                extra_headers: &ctx.extra_headers,
                send_back_raw_response: send_back_raw,
            };
            let started = Instant::now();
            let call = attempt(&*state.provider, cx, &mut *body);
            let outcome = tokio::time::timeout(state.request_timeout, call).await;
            drop(permit);
            let spent = started.elapsed();
            ctx.upstream_time += spent;
            let outcome = outcome.unwrap_or_else(|_| Err(timeout_error(state)));
            ctx.attempts.push(Attempt {
                provider: state.name.clone(),
                key_id: key.id.clone(),
                key_name: key.name.clone(),
                status: outcome.as_ref().err().map(BifrostError::status),
                success: outcome.is_ok(),
                started_at: started,
                latency: spent,
            });
            outcome
        };
        let err = match result {
            Ok(value) => return Ok(value),
            Err(e) => e,
        };
        let class = classify(&err);
        tracing::debug!(
            provider = %state.name,
            key = %key.name,
            status = err.status(),
            ?class,
            retries,
            "upstream attempt failed"
        );
        match class {
            RetryClass::Fatal => return Err(err),
            RetryClass::KeyDead => {
                if pinned.is_some() {
                    return Err(err);
                }
                dead.push(index);
                current = None;
                if candidates.iter().all(|i| dead.contains(i)) {
                    return Err(credentials_exhausted());
                }
            }
            RetryClass::SameKey | RetryClass::RotateKey => {
                if retries >= state.max_retries {
                    return Err(err);
                }
                retries += 1;
                ctx.retries = retries;
                if class == RetryClass::RotateKey && pinned.is_none() {
                    used.push(index);
                    current = None;
                } else {
                    current = Some(index);
                }
                let wait = backoff(
                    retries,
                    state.backoff_initial,
                    state.backoff_max,
                    err.retry_after(),
                );
                sleep(wait).await;
            }
        }
    }
}

async fn sleep(d: Duration) {
    if !d.is_zero() {
        tokio::time::sleep(d).await;
    }
}
