//! A faithful mock of Google's Gemini API (Generative Language API) and of Vertex AI's Gemini
//! endpoints, with an OAuth token endpoint for service accounts.
//!
//! | method and path | what |
//! |---|---|
//! | `POST /v1beta/models/{model}:generateContent` (also `/v1/models/...`) | chat |
//! | `POST /v1beta/models/{model}:streamGenerateContent?alt=sse` | SSE stream (`data: {...}\r\n\r\n`, no `[DONE]`); without `alt=sse` a streamed JSON array |
//! | `POST /v1beta/models/{model}:countTokens` | token count |
//! | `POST /v1beta/models/{model}:embedContent` / `:batchEmbedContents` | embeddings |
//! | `GET /v1beta/models` (`pageSize`, `pageToken`), `GET /v1beta/models/{model}` | models |
//! | `POST /v1/projects/{p}/locations/{r}/publishers/google/models/{model}:{method}` | Vertex AI: `generateContent`, `streamGenerateContent`, `countTokens`, `predict` (embeddings) |
//! | `GET /v1beta1/publishers/google/models` | Vertex AI Model Garden listing |
//! | `POST /v1/projects/{p}/locations/{r}/publishers/anthropic/models/{model}:rawPredict` (`:streamRawPredict`) | Claude on Vertex AI: the Anthropic mock behind Vertex's body rules (`anthropic_version: vertex-2023-10-16`, no `model`); model `count-tokens` counts tokens |
//! | `POST /token` | OAuth JWT-bearer grant for the test service account |
//!
//! Credentials are described in [`auth`], request validation in [`validate`], answers in
//! [`generate`]. The model name in the path selects the same faults as the OpenAI mock
//! (`error-<status>`, `flaky-<N>[-<status>]`, `slow-<ms>`, `slow-stream-<ms>`, `truncated`,
//! `stream-error`, `garbage`, `html`, `empty`), with Google's error bodies.

pub(crate) mod auth;
mod embed;
mod error;
mod generate;
mod models;
mod validate;

use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;
use futures::{StreamExt as _, stream};
use serde_json::Value;

use self::auth::Api;
use self::error::{bad, google_error, injected, invalid_argument, json_response, mid_stream_error};
use crate::faults::{self, Fault, abort_after_delay};

/// The `anthropic_version` Vertex AI requires for Claude models.
const VERTEX_ANTHROPIC_VERSION: &str = "vertex-2023-10-16";
use crate::server::Shared;

/// Unix seconds now.
pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route<'a> {
    Model {
        api: Api,
        publisher: &'a str,
        model: &'a str,
        method: &'a str,
    },
    GeminiModels,
    GeminiModel(&'a str),
    VertexModels,
    Token,
}

fn split_method(rest: &str) -> Option<(&str, &str)> {
    let (model, method) = rest.split_once(':')?;
    (!model.is_empty() && !model.contains('/') && !method.is_empty()).then_some((model, method))
}

fn route<'a>(method: &Method, path: &'a str) -> Option<Route<'a>> {
    if path == "/token" && method == Method::POST {
        return Some(Route::Token);
    }
    if method == Method::GET {
        return match path {
            "/v1beta/models" => Some(Route::GeminiModels),
            "/v1beta1/publishers/google/models" | "/v1/publishers/google/models" => {
                Some(Route::VertexModels)
            }
            p => p
                .strip_prefix("/v1beta/models/")
                .filter(|id| !id.is_empty() && !id.contains(['/', ':']))
                .map(Route::GeminiModel),
        };
    }
    if method != Method::POST {
        return None;
    }
    for prefix in ["/v1beta/models/", "/v1/models/"] {
        if let Some((model, method)) = path.strip_prefix(prefix).and_then(split_method) {
            return Some(Route::Model {
                api: Api::Gemini,
                publisher: "google",
                model,
                method,
            });
        }
    }
    let rest = path
        .strip_prefix("/v1/projects/")
        .or_else(|| path.strip_prefix("/v1beta1/projects/"))?;
    let segs: Vec<&str> = rest.splitn(7, '/').collect();
    match segs.as_slice() {
        [
            _project,
            "locations",
            _region,
            "publishers",
            publisher,
            "models",
            tail,
        ] => {
            let (model, method) = split_method(tail)?;
            Some(Route::Model {
                api: Api::Vertex,
                publisher,
                model,
                method,
            })
        }
        _ => None,
    }
}

/// Serves the request when its path is one of Google's; `None` otherwise.
pub(crate) async fn handle(
    shared: &Shared,
    parts: &Parts,
    body: &[u8],
    id: u64,
) -> Option<Response> {
    let route = route(&parts.method, parts.uri.path())?;
    Some(serve(shared, route, parts, body, id).await)
}

async fn serve(shared: &Shared, route: Route<'_>, parts: &Parts, body: &[u8], id: u64) -> Response {
    let query = parts.uri.query();
    let api = match route {
        Route::Token => return auth::token_endpoint(body, id),
        Route::Model { api, .. } => api,
        Route::GeminiModels | Route::GeminiModel(_) => Api::Gemini,
        Route::VertexModels => Api::Vertex,
    };
    if let Some(rejection) = auth::check(api, &parts.headers, query) {
        return rejection;
    }
    match route {
        Route::GeminiModels | Route::VertexModels => {
            let fault_name = query
                .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("fault=")))
                .unwrap_or_default();
            if let Some(resp) = pre_faults(shared, Fault::parse(fault_name), fault_name).await {
                return resp;
            }
            let value = if route == Route::GeminiModels {
                models::list(query)
            } else {
                models::publisher_models()
            };
            json_ok(&value, Fault::None)
        }
        Route::GeminiModel(model) => match models::get(model) {
            Ok(v) => json_ok(&v, Fault::None),
            Err(resp) => *resp,
        },
        Route::Model {
            api,
            publisher,
            model,
            method,
        } => {
            if api == Api::Vertex && publisher == "anthropic" {
                return anthropic_on_vertex(shared, model, method, body, id).await;
            }
            if publisher != "google" {
                return google_error(
                    StatusCode::NOT_FOUND,
                    &format!(
                        "Publisher Model `publishers/{publisher}/models/{model}` is not served by this mock."
                    ),
                    None,
                );
            }
            let fault = Fault::parse(model);
            if let Some(resp) = pre_faults(shared, fault, model).await {
                return resp;
            }
            let Ok(value) = serde_json::from_slice::<Value>(body) else {
                return invalid_argument(
                    "Invalid JSON payload received. Unexpected token.\nthis is not json\n^",
                );
            };
            let sse = query.is_some_and(|q| q.split('&').any(|kv| kv == "alt=sse"));
            model_method(api, model, method, &value, id, fault, sse)
        }
        Route::Token => auth::token_endpoint(body, id),
    }
}

fn model_method(
    api: Api,
    model: &str,
    method: &str,
    body: &Value,
    id: u64,
    fault: Fault,
    sse: bool,
) -> Response {
    let vertex = api == Api::Vertex;
    let result = match (method, api) {
        ("generateContent", _) => validate::check_generate(body, api)
            .map(|()| generate::plan(body, model, id, vertex).response()),
        ("streamGenerateContent", _) => {
            return match validate::check_generate(body, api) {
                Ok(()) => {
                    let chunks = generate::plan(body, model, id, vertex).stream_chunks();
                    stream_response(chunks, sse, fault)
                }
                Err(resp) => *resp,
            };
        }
        ("countTokens", _) => {
            let has_input =
                body.get("contents").is_some() || body.get("generateContentRequest").is_some();
            if has_input {
                Ok(generate::count_tokens(body, vertex))
            } else {
                Err(bad(
                    "* CountTokensRequest.contents: contents is not specified\n",
                ))
            }
        }
        ("embedContent", Api::Gemini) => embed::embed_content(body),
        ("batchEmbedContents", Api::Gemini) => embed::batch_embed_contents(body, model),
        ("predict", Api::Vertex) => embed::predict(body),
        _ => Err(Box::new(google_error(
            StatusCode::NOT_FOUND,
            &format!("Method {method} not found for model {model}."),
            None,
        ))),
    };
    match result {
        Ok(v) => json_ok(&v, fault),
        Err(resp) => *resp,
    }
}

/// Anthropic's error envelope, as Vertex AI relays it for Claude models.
fn anthropic_invalid(message: &str) -> Response {
    let body = serde_json::json!({
        "type": "error",
        "error": {"type": "invalid_request_error", "message": message}
    });
    json_response(StatusCode::BAD_REQUEST, body.to_string().into_bytes())
}

/// Claude on Vertex AI: `:rawPredict` / `:streamRawPredict` with a Messages API body that has
/// `anthropic_version: "vertex-2023-10-16"` and no `model` (it is in the path); the model
/// `count-tokens` counts tokens of a body that names its model. Answered by the Anthropic mock.
async fn anthropic_on_vertex(
    shared: &Shared,
    model: &str,
    method: &str,
    body: &[u8],
    id: u64,
) -> Response {
    let stream = match method {
        "rawPredict" => false,
        "streamRawPredict" => true,
        _ => {
            return google_error(
                StatusCode::NOT_FOUND,
                &format!("Method {method} not found for model {model}."),
                None,
            );
        }
    };
    let Ok(mut value) = serde_json::from_slice::<Value>(body) else {
        return anthropic_invalid("There was an error parsing the body");
    };
    let Some(obj) = value.as_object_mut() else {
        return anthropic_invalid("body: Input should be an object");
    };
    if obj.remove("anthropic_version") != Some(Value::String(VERTEX_ANTHROPIC_VERSION.into())) {
        return anthropic_invalid(&format!(
            "anthropic_version: Input should be '{VERTEX_ANTHROPIC_VERSION}'"
        ));
    }
    obj.remove("anthropic_beta");
    let count_only = model == "count-tokens";
    if !count_only {
        if obj.contains_key("model") {
            return anthropic_invalid("model: Extra inputs are not permitted");
        }
        if obj.get("stream").and_then(Value::as_bool).unwrap_or(false) != stream {
            return anthropic_invalid(if stream {
                "stream: streamRawPredict requires \"stream\": true"
            } else {
                "stream: rawPredict does not stream; use streamRawPredict"
            });
        }
        obj.insert("model".to_owned(), Value::String(model.to_owned()));
    }
    let body = value.to_string().into_bytes();
    crate::anthropic::messages(shared, &body, id, count_only).await
}

/// Faults that act before the body is looked at; `Some` means answer with it.
async fn pre_faults(shared: &Shared, fault: Fault, key: &str) -> Option<Response> {
    match fault {
        Fault::Error(status) => Some(injected(status)),
        Fault::Flaky { count, status } => shared
            .flaky_should_fail(key, count)
            .then(|| injected(status)),
        Fault::Slow(delay) => {
            tokio::time::sleep(delay).await;
            None
        }
        Fault::Garbage => Some(faults::garbage()),
        Fault::Html => Some(faults::html()),
        Fault::Empty => Some(faults::empty()),
        Fault::None | Fault::SlowStream(_) | Fault::Truncated | Fault::StreamError => None,
    }
}

fn json_ok(value: &Value, fault: Fault) -> Response {
    let body = serde_json::to_vec(value).unwrap_or_default();
    if fault == Fault::Truncated {
        return faults::truncated_json(body);
    }
    json_response(StatusCode::OK, body)
}

/// Encodes stream chunks as SSE events or as the pieces of a JSON array.
fn encode(chunks: &[Value], sse: bool) -> Vec<Bytes> {
    chunks
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let json = c.to_string();
            let framed = match (sse, i) {
                (true, _) => format!("data: {json}\r\n\r\n"),
                (false, 0) => format!("[{json}"),
                (false, _) => format!(",\r\n{json}"),
            };
            Bytes::from(framed)
        })
        .collect()
}

type Chunk = Result<Bytes, std::io::Error>;

fn stream_response(chunks: Vec<Value>, sse: bool, fault: Fault) -> Response {
    let events = encode(&chunks, sse);
    let close: Option<Bytes> = (!sse).then(|| Bytes::from_static(b"]"));
    // The fault modes keep two content chunks, never the final one.
    let keep = 2.min(events.len().saturating_sub(1));
    let body = match fault {
        Fault::Truncated => {
            let head = stream::iter(
                events
                    .into_iter()
                    .take(keep)
                    .map(Ok::<Bytes, std::io::Error>),
            );
            Body::from_stream(head.chain(abort_after_delay()))
        }
        Fault::StreamError => {
            let err = mid_stream_error().to_string();
            let tail = if sse {
                format!("data: {err}\r\n\r\n")
            } else if keep == 0 {
                format!("[{err}]")
            } else {
                format!(",\r\n{err}]")
            };
            let mut out: Vec<Chunk> = events.into_iter().take(keep).map(Ok).collect();
            out.push(Ok(Bytes::from(tail)));
            Body::from_stream(stream::iter(out))
        }
        Fault::SlowStream(delay) => {
            let all: Vec<Bytes> = events.into_iter().chain(close).collect();
            Body::from_stream(stream::unfold(
                (all.into_iter(), true),
                move |(mut it, first)| async move {
                    let next = it.next()?;
                    if !first {
                        tokio::time::sleep(delay).await;
                    }
                    Some((Ok::<Bytes, std::io::Error>(next), (it, false)))
                },
            ))
        }
        _ => {
            let all: Vec<Chunk> = events.into_iter().chain(close).map(Ok).collect();
            Body::from_stream(stream::iter(all))
        }
    };
    let mut resp = Response::new(body);
    let content_type = if sse {
        "text/event-stream"
    } else {
        "application/json; charset=UTF-8"
    };
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_google_paths() {
        assert_eq!(
            route(
                &Method::POST,
                "/v1beta/models/gemini-2.5-flash:generateContent"
            ),
            Some(Route::Model {
                api: Api::Gemini,
                publisher: "google",
                model: "gemini-2.5-flash",
                method: "generateContent"
            })
        );
        assert_eq!(
            route(
                &Method::POST,
                "/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.0-flash:streamGenerateContent"
            ),
            Some(Route::Model {
                api: Api::Vertex,
                publisher: "google",
                model: "gemini-2.0-flash",
                method: "streamGenerateContent"
            })
        );
        assert_eq!(
            route(&Method::GET, "/v1beta/models"),
            Some(Route::GeminiModels)
        );
        assert_eq!(
            route(&Method::GET, "/v1beta/models/gemini-2.0-flash"),
            Some(Route::GeminiModel("gemini-2.0-flash"))
        );
        assert_eq!(route(&Method::POST, "/token"), Some(Route::Token));
        assert_eq!(route(&Method::GET, "/v1/models"), None, "OpenAI's route");
        assert_eq!(route(&Method::POST, "/v1/chat/completions"), None);
        assert_eq!(route(&Method::GET, "/v1/models/gpt-4o"), None);
    }

    #[test]
    fn frames_streams() {
        let chunks = vec![serde_json::json!({"a": 1}), serde_json::json!({"b": 2})];
        let sse = encode(&chunks, true);
        assert_eq!(&sse[0][..], b"data: {\"a\":1}\r\n\r\n");
        let arr = encode(&chunks, false);
        let joined: Vec<u8> = arr.iter().flat_map(|b| b.to_vec()).chain(*b"]").collect();
        let parsed: Value = serde_json::from_slice(&joined).unwrap();
        assert_eq!(parsed, serde_json::json!([{"a": 1}, {"b": 2}]));
    }
}
