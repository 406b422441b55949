//! The HTTP server itself: CORS and graceful shutdown.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use common::*;
use serde_json::json;

async fn preflight(gw: &Gw, origin: &str) -> reqwest::Response {
    gw.client
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/v1/chat/completions", gw.url),
        )
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type,authorization",
        )
        .send()
        .await
        .expect("preflight")
}

fn header<'a>(resp: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    resp.headers().get(name).and_then(|v| v.to_str().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_allows_any_origin_by_default() {
    let gw = start(|base| providers(&[("openai", one_key(base, GOOD_KEY))])).await;
    let resp = preflight(&gw, "https://anywhere.example").await;
    assert!(resp.status().is_success(), "{}", resp.status());
    assert_eq!(header(&resp, "access-control-allow-origin"), Some("*"));
    let methods = header(&resp, "access-control-allow-methods").unwrap();
    assert!(methods.contains("POST"), "{methods}");
    assert_eq!(gw.upstream_calls(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_allows_only_configured_origins() {
    let gw = start(|base| {
        let mut cfg = providers(&[("openai", one_key(base, GOOD_KEY))]);
        cfg["client"] = json!({"allowed_origins": ["https://app.example.com/"]});
        cfg
    })
    .await;
    let ok = preflight(&gw, "https://app.example.com").await;
    assert!(ok.status().is_success());
    assert_eq!(
        header(&ok, "access-control-allow-origin"),
        Some("https://app.example.com")
    );
    assert_eq!(
        header(&ok, "access-control-allow-headers"),
        Some("*"),
        "any request header unless client.allowed_headers narrows them"
    );

    let denied = preflight(&gw, "https://evil.example").await;
    assert_eq!(header(&denied, "access-control-allow-origin"), None);

    let resp = gw
        .post_with(
            "/v1/chat/completions",
            &chat_body("openai/gpt-4o", "hi"),
            &[("origin", "https://app.example.com")],
        )
        .await;
    assert_eq!(
        header(&resp, "access-control-allow-origin"),
        Some("https://app.example.com")
    );
    let exposed = header(&resp, "access-control-expose-headers").unwrap();
    assert!(exposed.contains("x-request-id"), "{exposed}");
    ok_json(resp).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_finishes_in_flight_requests_and_refuses_new_connections() {
    let mut gw = start(|base| providers(&[("openai", one_key(base, GOOD_KEY))])).await;
    let client = gw.client.clone();
    let url = format!("{}/v1/chat/completions", gw.url);
    let in_flight = tokio::spawn(async move {
        let resp = client
            .post(url)
            .json(&chat_body("openai/slow-500", "finish me"))
            .send()
            .await
            .expect("in-flight request");
        ok_json(resp).await
    });
    let mock = gw.mock.clone();
    wait_until("the slow request reached the upstream", || {
        mock.request_count() == 1
    })
    .await;

    let addr = gw.addr;
    let clean = gw.shutdown(Duration::from_secs(10));
    let refused = async move {
        wait_until_refused(addr).await;
    };
    let (clean, ()) = tokio::join!(clean, refused);
    assert!(clean, "stopped within the grace period");

    let body = in_flight.await.unwrap();
    assert_eq!(body["choices"][0]["message"]["content"], "Echo: finish me");
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "no new connections after shutdown"
    );
    let err = common::client()
        .get(format!("http://{addr}/health"))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_connect(), "{err}");
}

/// Waits until connecting to `addr` is refused (the listener is closed).
async fn wait_until_refused(addr: std::net::SocketAddr) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        if tokio::net::TcpStream::connect(addr).await.is_err() {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the gateway kept accepting connections"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_lets_a_stream_in_flight_finish() {
    let mut gw = start(|base| providers(&[("openai", one_key(base, GOOD_KEY))])).await;
    let mut body = chat_body("openai/slow-stream-100", "one two three four five");
    body["stream"] = json!(true);
    let resp = gw.chat_json(&body).await;
    assert_eq!(resp.status(), 200);
    let reading = tokio::spawn(async move { resp.text().await.expect("the whole stream") });

    assert!(
        gw.shutdown(Duration::from_secs(10)).await,
        "stopped in time"
    );
    let text = reading.await.unwrap();
    let events = json_events(&text);
    assert_eq!(streamed_content(&events), "Echo: one two three four five");
    assert!(events.iter().all(|e| e.get("error").is_none()), "{text}");
}

/// The CORS and identity headers of an answer, by name (values joined in order).
fn cors_and_id_headers(resp: &reqwest::Response) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = resp
        .headers()
        .keys()
        .filter(|k| {
            let k = k.as_str();
            k.starts_with("access-control-") || k == "vary" || k == "content-type"
        })
        .map(|k| {
            let values: Vec<&str> = resp
                .headers()
                .get_all(k)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .collect();
            (k.as_str().to_owned(), values.join(" | "))
        })
        .collect();
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inference_answers_carry_the_same_headers_on_the_direct_path_and_through_the_router() {
    let gw = start(|base| providers(&[("openai", one_key(base, GOOD_KEY))])).await;
    let body = chat_body("openai/gpt-4o", "hi");
    // `/v1/chat/completions` without `Origin` takes the direct path; the same endpoint under a
    // framework prefix, or with `Origin`, goes through the router and its CORS layer.
    let direct = gw.post("/v1/chat/completions", &body).await;
    let routed = gw.post("/langchain/v1/chat/completions", &body).await;
    assert_eq!(direct.status(), 200);
    assert_eq!(routed.status(), 200);
    let direct_headers = cors_and_id_headers(&direct);
    assert_eq!(direct_headers, cors_and_id_headers(&routed));
    assert!(
        direct_headers.contains(&("access-control-allow-origin".to_owned(), "*".to_owned())),
        "{direct_headers:?}"
    );
    assert!(direct.headers().contains_key("x-request-id"));
    let with_origin = gw
        .post_with(
            "/v1/chat/completions",
            &body,
            &[("origin", "https://app.example.com")],
        )
        .await;
    assert_eq!(with_origin.status(), 200);
    assert_eq!(
        header(&with_origin, "access-control-allow-origin"),
        Some("*")
    );

    // Errors on the direct path carry them too.
    let bad = gw
        .post("/v1/chat/completions", &json!({"model": "openai/gpt-4o"}))
        .await;
    assert_eq!(bad.status(), 400);
    assert_eq!(header(&bad, "access-control-allow-origin"), Some("*"));
    assert!(bad.headers().contains_key("x-request-id"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configured_origins_apply_to_inference_answers_on_either_path() {
    let gw = start(|base| {
        let mut cfg = providers(&[("openai", one_key(base, GOOD_KEY))]);
        cfg["client"] = json!({"allowed_origins": ["https://app.example.com"]});
        cfg
    })
    .await;
    let body = chat_body("openai/gpt-4o", "hi");
    let direct = gw.post("/v1/chat/completions", &body).await;
    let routed = gw.post("/langchain/v1/chat/completions", &body).await;
    assert_eq!(cors_and_id_headers(&direct), cors_and_id_headers(&routed));
    assert_eq!(header(&direct, "access-control-allow-origin"), None);
    let allowed = gw
        .post_with(
            "/v1/chat/completions",
            &body,
            &[("origin", "https://app.example.com")],
        )
        .await;
    assert_eq!(
        header(&allowed, "access-control-allow-origin"),
        Some("https://app.example.com")
    );
}
