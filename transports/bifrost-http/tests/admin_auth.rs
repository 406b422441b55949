//! Admin authentication: with `auth_config` on, `/api/*`, `/metrics` and inference refuse
//! requests without credentials (401 in Bifrost's error shape) and accept HTTP Basic and
//! session tokens (Bearer or cookie); `disable_auth_on_inference` opens inference only;
//! `/health` and whitelisted routes stay open; sessions survive restarts through the store;
//! the first-run setup token creates the admin account once.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod admin_support;
mod common;

use admin_support::{Running, Site, on_both};
use base64::Engine;
use bifrost_mock_upstream::MockUpstream;
use reqwest::Method;
use serde_json::{Value, json};

const USER: &str = "admin";
const PASS: &str = "correct horse battery";

fn basic(user: &str, pass: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))
    )
}

fn config(base: &str, disable_on_inference: bool) -> Value {
    json!({
        "auth_config": {
            "admin_username": USER, "admin_password": PASS,
            "is_enabled": true, "disable_auth_on_inference": disable_on_inference,
        },
        "client": {"whitelisted_routes": ["/api/version"]},
        "providers": {"openai": common::one_key(base, "sk-good")},
    })
}

async fn status_with(gw: &Running, method: Method, path: &str, auth: Option<&str>) -> (u16, Value) {
    let mut rb = gw.req(method.clone(), path);
    if method == Method::POST {
        rb = rb.json(&common::chat_body("openai/gpt-4o", "hi"));
    }
    if let Some(a) = auth {
        rb = rb.header("authorization", a);
    }
    gw.send(rb).await
}

fn assert_unauthorized(status: u16, body: &Value, what: &str) {
    assert_eq!(status, 401, "{what}: {body}");
    assert_eq!(body["is_bifrost_error"], true, "{what}: {body}");
    assert_eq!(body["status_code"], 401, "{what}: {body}");
    assert_eq!(body["error"]["code"], "unauthorized", "{what}: {body}");
    assert!(
        body["error"]["message"].as_str().is_some(),
        "{what}: {body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guarded_routes_need_credentials_and_accept_basic_and_sessions() {
    on_both(|site: Site| async move {
        let mock = MockUpstream::start().await.unwrap();
        site.write_config(&config(&mock.base_url(), false));
        let gw = site.start().await;
        assert!(gw.gateway.setup_token.is_none());

        for (method, path) in [
            (Method::GET, "/api/providers"),
            (Method::GET, "/api/config"),
            (Method::GET, "/metrics"),
            (Method::POST, "/v1/chat/completions"),
        ] {
            let (status, body) = status_with(&gw, method.clone(), path, None).await;
            assert_unauthorized(status, &body, path);
            let (status, body) = status_with(
                &gw,
                method.clone(),
                path,
                Some(&basic(USER, "wrong password")),
            )
            .await;
            assert_unauthorized(status, &body, path);
            let (status, body) =
                status_with(&gw, method.clone(), path, Some(&basic(USER, PASS))).await;
            assert_eq!(status, 200, "{path} with Basic: {body}");
        }
        assert_eq!(
            mock.request_count(),
            1,
            "refused inference never reached the upstream"
        );

        // Open routes.
        let (status, _) = gw.get("/health").await;
        assert_eq!(status, 200);
        let (status, _) = gw.get("/api/version").await;
        assert_eq!(status, 200, "whitelisted");
        let (status, body) = gw.get("/api/session/is-auth-enabled").await;
        assert_eq!(status, 200);
        assert_eq!(body["is_auth_enabled"], true);
        assert_eq!(body["has_valid_token"], false);

        // Login: wrong password, then right.
        let (status, body) = gw
            .post(
                "/api/session/login",
                &json!({"username": USER, "password": "nope"}),
            )
            .await;
        assert_unauthorized(status, &body, "bad login");
        let resp = gw
            .req(Method::POST, "/api/session/login")
            .json(&json!({"username": USER, "password": PASS}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        let cookie = resp
            .headers()
            .get("set-cookie")
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        let body: Value = resp.json().await.unwrap();
        let token = body["token"].as_str().unwrap().to_owned();
        assert!(cookie.starts_with(&format!("token={token};")), "{cookie}");
        assert!(cookie.contains("HttpOnly"), "{cookie}");

        let bearer = format!("Bearer {token}");
        for (method, path) in [
            (Method::GET, "/api/providers"),
            (Method::GET, "/metrics"),
            (Method::POST, "/v1/chat/completions"),
        ] {
            let (status, body) = status_with(&gw, method, path, Some(&bearer)).await;
            assert_eq!(status, 200, "{path} with session: {body}");
        }
        let (status, _) = gw
            .send(
                gw.req(Method::GET, "/api/keys")
                    .header("cookie", format!("token={token}")),
            )
            .await;
        assert_eq!(status, 200, "session cookie");
        let (_, body) = gw
            .send(
                gw.req(Method::GET, "/api/session/is-auth-enabled")
                    .header("authorization", &bearer),
            )
            .await;
        assert_eq!(body["has_valid_token"], true);
        let (status, body) = status_with(
            &gw,
            Method::GET,
            "/api/providers",
            Some("Bearer not-a-session"),
        )
        .await;
        assert_unauthorized(status, &body, "unknown token");
        gw.stop().await;

        // The session survives a restart (it is in the store).
        let gw = site.start().await;
        let (status, body) = status_with(&gw, Method::GET, "/api/providers", Some(&bearer)).await;
        assert_eq!(status, 200, "session after restart: {body}");
        // Logout ends it.
        let (status, _) = gw
            .send(
                gw.req(Method::POST, "/api/session/logout")
                    .header("authorization", &bearer),
            )
            .await;
        assert_eq!(status, 200);
        let (status, body) = status_with(&gw, Method::GET, "/api/providers", Some(&bearer)).await;
        assert_unauthorized(status, &body, "after logout");
        gw.stop().await;
        site.finish().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disable_auth_on_inference_opens_inference_only() {
    let mock = MockUpstream::start().await.unwrap();
    let site = Site::new(admin_support::Db::Sqlite).await.unwrap();
    site.write_config(&config(&mock.base_url(), true));
    let gw = site.start().await;
    let (status, body) = status_with(&gw, Method::POST, "/v1/chat/completions", None).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = status_with(&gw, Method::GET, "/v1/models", None).await;
    assert_eq!(status, 200, "{body}");
    for path in ["/api/providers", "/metrics"] {
        let (status, body) = status_with(&gw, Method::GET, path, None).await;
        assert_unauthorized(status, &body, path);
    }
    gw.stop().await;
    site.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_credentials_everything_is_open() {
    let mock = MockUpstream::start().await.unwrap();
    let gw = common::start_with(mock, &json!({"providers": {}})).await;
    for path in ["/api/providers", "/metrics", "/api/session/is-auth-enabled"] {
        let resp = gw.get(path).await;
        assert_eq!(resp.status().as_u16(), 200, "{path}");
    }
    let body: Value = gw
        .get("/api/session/is-auth-enabled")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["is_auth_enabled"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_run_setup_token_creates_the_admin_once() {
    on_both(|site: Site| async move {
        site.write_config(&json!({}));
        let gw = site.start().await;
        let token = gw
            .gateway
            .setup_token
            .clone()
            .expect("a setup token at first run");
        let (status, body) = gw.get("/api/session/is-auth-enabled").await;
        assert_eq!(status, 200);
        assert_eq!(body["setup_required"], true);
        let (status, _) = gw.get("/api/providers").await;
        assert_eq!(status, 200, "open until an admin exists");

        let setup = json!({"admin_username": "root", "admin_password": "a long password"});
        let (status, body) = gw
            .send(
                gw.req(Method::POST, "/api/session/setup")
                    .header("x-bifrost-setup-token", "wrong")
                    .json(&setup),
            )
            .await;
        assert_unauthorized(status, &body, "wrong setup token");
        let (status, body) = gw
            .send(
                gw.req(Method::POST, "/api/session/setup")
                    .header("x-bifrost-setup-token", &token)
                    .json(&json!({"admin_username": "root", "admin_password": "short"})),
            )
            .await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["error"]["param"], "admin_password");
        let (status, body) = gw
            .send(
                gw.req(Method::POST, "/api/session/setup")
                    .header("x-bifrost-setup-token", &token)
                    .json(&setup),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let session = body["token"].as_str().unwrap().to_owned();

        let (status, body) = gw.get("/api/providers").await;
        assert_unauthorized(status, &body, "after setup");
        let (status, _) = status_with(
            &gw,
            Method::GET,
            "/api/providers",
            Some(&basic("root", "a long password")),
        )
        .await;
        assert_eq!(status, 200);
        let (status, _) = status_with(
            &gw,
            Method::GET,
            "/api/providers",
            Some(&format!("Bearer {session}")),
        )
        .await;
        assert_eq!(status, 200);
        let (status, body) = gw
            .send(
                gw.req(Method::POST, "/api/session/setup")
                    .header("x-bifrost-setup-token", &token)
                    .json(&setup),
            )
            .await;
        assert_eq!(status, 409, "{body}");

        // Changing the password through /api/config ends sessions; the new password works.
        let (status, body) = gw
            .send(
                gw.req(Method::PUT, "/api/config")
                    .header("authorization", basic("root", "a long password"))
                    .json(&json!({"auth_config": {"admin_password": "another long password"}})),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["auth_config"]["admin_password"], "<redacted>");
        let (status, _) = status_with(
            &gw,
            Method::GET,
            "/api/providers",
            Some(&basic("root", "a long password")),
        )
        .await;
        assert_eq!(status, 401);
        let (status, _) = status_with(
            &gw,
            Method::GET,
            "/api/providers",
            Some(&format!("Bearer {session}")),
        )
        .await;
        assert_eq!(status, 401);
        gw.stop().await;

        // After a restart the account is still there and no setup token is offered.
        let gw = site.start().await;
        assert!(gw.gateway.setup_token.is_none());
        let (status, _) = gw.get("/api/providers").await;
        assert_eq!(status, 401);
        let (status, _) = status_with(
            &gw,
            Method::GET,
            "/api/providers",
            Some(&basic("root", "another long password")),
        )
        .await;
        assert_eq!(status, 200);
        gw.stop().await;
        site.finish().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_auth_config_in_the_file_replaces_the_stored_account() {
    let mock = MockUpstream::start().await.unwrap();
    let site = Site::new(admin_support::Db::Sqlite).await.unwrap();
    site.write_config(&config(&mock.base_url(), false));
    let gw = site.start().await;
    assert_eq!(
        gw.gateway.admin_source,
        bifrost_http::auth::AdminSource::FileSeeded
    );
    gw.stop().await;
    let gw = site.start().await;
    assert_eq!(
        gw.gateway.admin_source,
        bifrost_http::auth::AdminSource::Store
    );
    gw.stop().await;
    let mut cfg = config(&mock.base_url(), false);
    cfg["auth_config"]["admin_password"] = json!("a new file password");
    site.write_config(&cfg);
    let gw = site.start().await;
    assert_eq!(
        gw.gateway.admin_source,
        bifrost_http::auth::AdminSource::FileSeeded
    );
    let (status, _) =
        status_with(&gw, Method::GET, "/api/providers", Some(&basic(USER, PASS))).await;
    assert_eq!(status, 401);
    let (status, _) = status_with(
        &gw,
        Method::GET,
        "/api/providers",
        Some(&basic(USER, "a new file password")),
    )
    .await;
    assert_eq!(status, 200);
    gw.stop().await;
    site.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_only_auth_applies_the_file_account() {
    let mock = MockUpstream::start().await.unwrap();
    let mut cfg = config(&mock.base_url(), false);
    cfg["config_store"] = json!({"enabled": false});
    let gw = common::start_with(mock, &cfg).await;
    assert_eq!(gw.get("/api/providers").await.status().as_u16(), 401);
    let resp = gw
        .client
        .get(format!("{}/api/providers", gw.url))
        .header("authorization", basic(USER, PASS))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let resp = gw.chat("openai/gpt-4o", "hi").await;
    assert_eq!(resp.status().as_u16(), 401);
}
