//! The service every connection runs: inference requests take a direct path to their handler,
//! everything else goes through the router.
//!
//! The router wraps each route in its middleware stack (authentication, CORS, HTTP metrics),
//! and each layer adds a future, a clone or an allocation per request. For the four inference
//! routes, when the request carries no `Origin` (no browser, so CORS decides nothing) and
//! authentication does not guard inference, those layers have nothing to decide: the direct
//! path calls the handler itself, adds the headers the CORS layer would have added, and records
//! the same HTTP metrics. Any other request, and any inference request that needs a decision,
//! goes to the router unchanged.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use futures::FutureExt;
use http::{HeaderMap, Method};
use tower::{Layer, Service, ServiceExt};

use crate::routes::inference::{self, Route};
use crate::state::AppState;

/// What the direct path needs.
struct Direct {
    state: Arc<AppState>,
    /// HTTP metrics, when telemetry is on.
    metrics: Option<bifrost_plugin_telemetry::HttpMetricsLayer>,
    /// The headers the CORS layer adds to an answer to a request without `Origin`.
    cors_headers: HeaderMap,
}

/// The per-connection service: the router, plus the direct path for inference requests.
#[derive(Clone)]
pub struct GatewayService {
    router: Router,
    direct: Option<Arc<Direct>>,
}

impl std::fmt::Debug for GatewayService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GatewayService")
            .field("direct_path", &self.direct.is_some())
            .finish()
    }
}

impl GatewayService {
    /// Serves everything through `router`.
    pub fn new(router: Router) -> Self {
        Self {
            router,
            direct: None,
        }
    }

    /// Serves through `router` (built by [`crate::routes::router`] over `state`), with the
    /// direct path for inference requests.
    pub fn with_direct_path(router: Router, state: Arc<AppState>) -> Self {
        let cors_headers = cors_headers_without_origin(&state);
        Self {
            router,
            direct: Some(Arc::new(Direct {
                metrics: state.telemetry.as_ref().map(|t| t.http_layer()),
                state,
                cors_headers,
            })),
        }
    }

    /// The inference route `req` goes to directly, if it may.
    fn direct_route(&self, req: &Request) -> Option<(&Arc<Direct>, Route, &'static str)> {
        let direct = self.direct.as_ref()?;
        if req.method() != Method::POST {
            return None;
        }
        let (route, path) = match req.uri().path() {
            "/v1/chat/completions" => (Route::Chat, "/v1/chat/completions"),
            "/v1/completions" => (Route::Text, "/v1/completions"),
            "/v1/embeddings" => (Route::Embeddings, "/v1/embeddings"),
            "/v1/responses" => (Route::Responses, "/v1/responses"),
            _ => return None,
        };
        if req.headers().contains_key(http::header::ORIGIN) {
            return None;
        }
        let auth = &direct.state.auth;
        let open = !auth.is_enabled() || !auth.guards_inference() || auth.is_whitelisted(path);
        open.then_some((direct, route, path))
    }
}

/// The headers the router's CORS layer adds to an answer when the request has no `Origin`
/// (`Access-Control-Allow-Origin` for a wildcard, `Vary`, `Access-Control-Expose-Headers`):
/// taken from the layer itself, so the direct path answers with exactly the same headers.
fn cors_headers_without_origin(state: &AppState) -> HeaderMap {
    let probe = crate::routes::cors(state).layer(tower::service_fn(|_: Request| async {
        Ok::<_, Infallible>(Response::new(Body::empty()))
    }));
    let request = http::Request::builder()
        .method(Method::POST)
        .uri("/v1/chat/completions")
        .body(Body::empty());
    match request {
        Ok(request) => match probe.oneshot(request).now_or_never() {
            Some(Ok(response)) => response.headers().clone(),
            _ => HeaderMap::new(),
        },
        Err(_) => HeaderMap::new(),
    }
}

async fn answer_directly(direct: Arc<Direct>, route: Route, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let mut response = inference::handle(&direct.state, route, parts.headers, body).await;
    let headers = response.headers_mut();
    for (name, value) in &direct.cors_headers {
        headers.append(name.clone(), value.clone());
    }
    response
}

impl Service<Request> for GatewayService {
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request) -> Self::Future {
        if let Some((direct, route, path)) = self.direct_route(&req) {
            let direct = direct.clone();
            return match &direct.metrics {
                Some(metrics) => {
                    let tracked = metrics.track(path, req, |req| {
                        answer_directly(direct.clone(), route, req).map(Ok::<_, Infallible>)
                    });
                    Box::pin(tracked.map(|r| r.map(|response| response.map(Body::new))))
                }
                None => Box::pin(answer_directly(direct, route, req).map(Ok)),
            };
        }
        Box::pin(self.router.clone().oneshot(req))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::path::Path;

    use bifrost_core::config::ConfigFile;

    use super::*;
    use crate::config_load;
    use crate::server::Gateway;

    fn gateway(config: &str) -> Gateway {
        let file = ConfigFile::parse(config.as_bytes()).unwrap();
        let loaded = config_load::from_file(file, None, Path::new("config.json")).unwrap();
        Gateway::from_loaded(loaded)
    }

    fn request(method: Method, path: &str, origin: bool) -> Request {
        let mut b = http::Request::builder().method(method).uri(path);
        if origin {
            b = b.header("origin", "https://app.example.com");
        }
        b.body(Body::empty()).unwrap()
    }

    fn direct(service: &GatewayService, req: &Request) -> Option<(Route, &'static str)> {
        service
            .direct_route(req)
            .map(|(_, route, path)| (route, path))
    }

    #[test]
    fn inference_posts_without_origin_take_the_direct_path() {
        let g = gateway("{}");
        let s = &g.service;
        for (path, route) in [
            ("/v1/chat/completions", Route::Chat),
            ("/v1/completions", Route::Text),
            ("/v1/embeddings", Route::Embeddings),
            ("/v1/responses", Route::Responses),
        ] {
            let req = request(Method::POST, path, false);
            assert_eq!(direct(s, &req), Some((route, path)));
            assert_eq!(direct(s, &request(Method::POST, path, true)), None);
            assert_eq!(direct(s, &request(Method::GET, path, false)), None);
        }
        for path in [
            "/v1/models",
            "/openai/v1/chat/completions",
            "/api/providers",
        ] {
            assert_eq!(direct(s, &request(Method::POST, path, false)), None);
        }
        assert_eq!(
            direct(
                &GatewayService::new(g.router.clone()),
                &request(Method::POST, "/v1/chat/completions", false)
            ),
            None
        );
    }

    #[test]
    fn guarded_inference_goes_through_the_router() {
        let auth = |disable_on_inference: bool| {
            format!(
                r#"{{"auth_config": {{"admin_username": "admin", "admin_password": "a long password",
                    "is_enabled": true, "disable_auth_on_inference": {disable_on_inference}}}}}"#
            )
        };
        let chat = request(Method::POST, "/v1/chat/completions", false);
        assert_eq!(direct(&gateway(&auth(false)).service, &chat), None);
        assert_eq!(
            direct(&gateway(&auth(true)).service, &chat),
            Some((Route::Chat, "/v1/chat/completions"))
        );
    }

    #[test]
    fn the_cors_headers_are_the_layers_own() {
        let g = gateway("{}");
        let headers = &g.service.direct.as_ref().unwrap().cors_headers;
        assert_eq!(headers["access-control-allow-origin"], "*");
        assert_eq!(headers["access-control-expose-headers"], "x-request-id");
        assert!(headers.contains_key("vary"));
        let listed = gateway(r#"{"client": {"allowed_origins": ["https://app.example.com"]}}"#);
        let headers = &listed.service.direct.as_ref().unwrap().cors_headers;
        assert!(!headers.contains_key("access-control-allow-origin"));
    }
}
