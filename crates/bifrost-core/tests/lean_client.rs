//! The lean upstream client against real local servers: plain HTTP with connection reuse, a
//! response dropped half-read, a server that closes connections, a refused connection, and TLS
//! with `ca_cert_pem` and `insecure_skip_verify`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bifrost_core::config::NetworkConfig;
use bifrost_core::providers::common::{HttpClient, SendError, build_client};
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// A local HTTP/1.1 server that counts the connections it accepts.
struct TestServer {
    addr: SocketAddr,
    accepted: Arc<AtomicUsize>,
}

/// Answers `/echo` with the request's method, target and headers, `/close` with
/// `Connection: close`, and `/big` with 1 MiB.
async fn answer(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let mut text = format!("{} {}\n", req.method(), req.uri());
    for (name, value) in req.headers() {
        text.push_str(&format!("{name}: {}\n", value.to_str().unwrap_or("?")));
    }
    let response = match req.uri().path() {
        "/close" => Response::builder()
            .header("connection", "close")
            .body(Full::new(Bytes::from(text))),
        "/big" => Response::builder().body(Full::new(Bytes::from(vec![b'x'; 1 << 20]))),
        _ => Response::builder().body(Full::new(Bytes::from(text))),
    };
    Ok(response.unwrap())
}

async fn start_server(tls: Option<tokio_rustls::TlsAcceptor>) -> TestServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            counter.fetch_add(1, Ordering::SeqCst);
            let tls = tls.clone();
            tokio::spawn(async move {
                let builder = hyper::server::conn::http1::Builder::new();
                match tls {
                    Some(acceptor) => {
                        if let Ok(stream) = acceptor.accept(tcp).await {
                            let _ = builder
                                .serve_connection(TokioIo::new(stream), service_fn(answer))
                                .await;
                        }
                    }
                    None => {
                        let _ = builder
                            .serve_connection(TokioIo::new(tcp), service_fn(answer))
                            .await;
                    }
                }
            });
        }
    });
    TestServer { addr, accepted }
}

fn client(network: &NetworkConfig) -> HttpClient {
    let mut headers = http::HeaderMap::new();
    headers.insert("x-extra", "from-config".parse().unwrap());
    build_client(network, None, headers).unwrap()
}

async fn get(client: &HttpClient, url: &str) -> Result<(u16, String), SendError> {
    let resp = client.send(client.get(url).header("x-call", "1")).await?;
    let status = resp.status().as_u16();
    Ok((status, resp.text().await.unwrap()))
}

#[tokio::test]
async fn plain_http_reuses_one_connection_and_sends_the_expected_head() {
    let server = start_server(None).await;
    let client = client(&NetworkConfig::default());
    assert!(
        client.lean().is_some(),
        "no proxy, no HTTP/2: the lean client carries requests"
    );
    for i in 0..5 {
        let url = format!("http://{}/echo?round={i}", server.addr);
        let (status, text) = get(&client, &url).await.unwrap();
        assert_eq!(status, 200);
        assert!(
            text.starts_with(&format!("GET /echo?round={i}\n")),
            "{text}"
        );
        assert!(text.contains(&format!("host: {}\n", server.addr)), "{text}");
        assert!(text.contains("x-extra: from-config\n"), "{text}");
        assert!(text.contains("x-call: 1\n"), "{text}");
        assert!(text.contains("user-agent: bifrost-rs/"), "{text}");
    }
    assert_eq!(
        server.accepted.load(Ordering::SeqCst),
        1,
        "one keep-alive connection"
    );
    assert_eq!(client.lean().unwrap().idle_connections(), 1);
}

#[tokio::test]
async fn a_response_dropped_early_with_much_left_closes_its_connection() {
    let server = start_server(None).await;
    let client = client(&NetworkConfig::default());
    let resp = client
        .send(client.get(format!("http://{}/big", server.addr)))
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    // 1 MiB cannot be drained at once: hyper closes the connection, and the next call opens
    // another one.
    drop(resp);
    let (status, text) = get(&client, &format!("http://{}/echo", server.addr))
        .await
        .unwrap();
    assert_eq!(status, 200);
    assert!(text.starts_with("GET /echo\n"));
    assert_eq!(server.accepted.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_response_dropped_after_its_last_byte_arrived_keeps_its_connection() {
    let server = start_server(None).await;
    let client = client(&NetworkConfig::default());
    for _ in 0..3 {
        let resp = client
            .send(client.get(format!("http://{}/echo", server.addr)))
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        // Like an event stream consumer that stops at `[DONE]`: the body is not read to its
        // end, but all of it has arrived, so hyper drains it and the connection stays.
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        drop(resp);
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(server.accepted.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn connections_the_server_closes_are_not_reused() {
    let server = start_server(None).await;
    let client = client(&NetworkConfig::default());
    for _ in 0..3 {
        let (status, _) = get(&client, &format!("http://{}/close", server.addr))
            .await
            .unwrap();
        assert_eq!(status, 200);
        // Let the connection task see the close.
        tokio::task::yield_now().await;
    }
    assert_eq!(server.accepted.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_refused_connection_is_a_connect_error() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let client = client(&NetworkConfig::default());
    let err = get(&client, &format!("http://127.0.0.1:{port}/echo"))
        .await
        .unwrap_err();
    assert!(err.is_connect(), "{err:?}");
    let message = bifrost_core::providers::common::upstream_error::send_error("openai", err)
        .message()
        .to_owned();
    assert!(
        message.starts_with("could not connect to openai: "),
        "{message}"
    );
    assert!(message.contains(&format!("127.0.0.1:{port}")), "{message}");
}

#[tokio::test]
async fn a_proxy_or_http2_falls_back_to_reqwest() {
    let http2 = NetworkConfig {
        enforce_http2: Some(true),
        ..Default::default()
    };
    assert!(client(&http2).lean().is_none());
    let proxy = bifrost_core::config::ProxyConfig {
        kind: bifrost_core::config::ProxyType::Http,
        url: Some("http://127.0.0.1:9".to_owned()),
        ..Default::default()
    };
    let proxied = build_client(
        &NetworkConfig::default(),
        Some(&proxy),
        http::HeaderMap::new(),
    );
    assert!(proxied.unwrap().lean().is_none());
}

/// A self-signed certificate for 127.0.0.1 and a TLS acceptor serving it.
fn tls_server_parts() -> (String, tokio_rustls::TlsAcceptor) {
    bifrost_core::providers::common::ensure_crypto_provider();
    let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    let pem = certified.cert.pem();
    let key =
        rustls::pki_types::PrivateKeyDer::try_from(certified.signing_key.serialize_der()).unwrap();
    let config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(vec![certified.cert.der().clone()], key)
        .unwrap();
    (pem, tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

#[tokio::test]
async fn tls_trusts_ca_cert_pem_and_rejects_an_unknown_issuer() {
    let (pem, acceptor) = tls_server_parts();
    let server = start_server(Some(acceptor)).await;
    let url = format!("https://{}/echo", server.addr);

    let trusting = client(&NetworkConfig {
        ca_cert_pem: Some(pem),
        ..Default::default()
    });
    for _ in 0..3 {
        let (status, text) = get(&trusting, &url).await.unwrap();
        assert_eq!(status, 200);
        assert!(text.starts_with("GET /echo\n"), "{text}");
    }
    assert_eq!(
        server.accepted.load(Ordering::SeqCst),
        1,
        "TLS connections are reused"
    );

    let default_roots = client(&NetworkConfig::default());
    let err = get(&default_roots, &url).await.unwrap_err();
    assert!(err.is_connect(), "{err:?}");
    let message = bifrost_core::providers::common::upstream_error::send_error("openai", err)
        .message()
        .to_owned();
    assert!(message.contains("TLS handshake failed"), "{message}");
    assert!(message.contains("certificate"), "{message}");
}

#[tokio::test]
async fn tls_insecure_skip_verify_accepts_a_self_signed_certificate() {
    let (_pem, acceptor) = tls_server_parts();
    let server = start_server(Some(acceptor)).await;
    let insecure = client(&NetworkConfig {
        insecure_skip_verify: Some(true),
        ..Default::default()
    });
    let (status, text) = get(&insecure, &format!("https://{}/echo", server.addr))
        .await
        .unwrap();
    assert_eq!(status, 200);
    assert!(text.starts_with("GET /echo\n"), "{text}");
}

#[tokio::test]
async fn workers_and_other_threads_keep_separate_pools() {
    bifrost_core::workers::set_worker_count(2);
    let server = start_server(None).await;
    let client = client(&NetworkConfig::default());
    let url = format!("http://{}/echo", server.addr);
    get(&client, &url).await.unwrap();
    assert_eq!(
        client.lean().unwrap().idle_connections(),
        1,
        "the shared pool"
    );

    let on_worker = client.clone();
    let worker = std::thread::spawn(move || {
        bifrost_core::workers::enter_worker(1);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let before = on_worker.lean().unwrap().idle_connections();
            get(&on_worker, &url).await.unwrap();
            (before, on_worker.lean().unwrap().idle_connections())
        })
    });
    // Joined from a blocking task, so that this test's runtime keeps serving the test server.
    let idle_on_worker = tokio::task::spawn_blocking(move || worker.join().unwrap())
        .await
        .unwrap();
    assert_eq!(
        idle_on_worker,
        (0, 1),
        "worker 1 opened and pooled its own connection"
    );
    assert_eq!(server.accepted.load(Ordering::SeqCst), 2);
    assert_eq!(client.lean().unwrap().idle_connections(), 1);
}
