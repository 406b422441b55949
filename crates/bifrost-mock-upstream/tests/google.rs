//! The Gemini / Vertex AI mock over HTTP: wire formats, credentials, OAuth, faults.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use bifrost_mock_upstream::{
    TEST_CLIENT_EMAIL, test_service_account_json, wrong_service_account_json,
};
use common::{Harness, read_until_error, start};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

const GEN: &str = "/v1beta/models/gemini-2.5-flash:generateContent";
const STREAM: &str = "/v1beta/models/gemini-2.5-flash:streamGenerateContent";
const VERTEX: &str =
    "/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.5-flash";

fn hello() -> Value {
    json!({"contents": [{"role": "user", "parts": [{"text": "hello world"}]}]})
}

async fn post_key(h: &Harness, path: &str, body: &Value, key: Option<&str>) -> reqwest::Response {
    let mut req = h.client.post(h.url(path)).json(body);
    if let Some(key) = key {
        req = req.header("x-goog-api-key", key);
    }
    req.send().await.unwrap()
}

async fn google_error(resp: reqwest::Response, status: u16) -> Value {
    assert_eq!(resp.status().as_u16(), status);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], status);
    assert!(body["error"]["message"].is_string());
    assert!(body["error"]["status"].is_string());
    body["error"].clone()
}

fn assertion(account_json: &str, now: u64, aud: &str) -> String {
    let account: Value = serde_json::from_str(account_json).unwrap();
    let key =
        EncodingKey::from_rsa_pem(account["private_key"].as_str().unwrap().as_bytes()).unwrap();
    let claims = json!({
        "iss": account["client_email"],
        "scope": "https://www.googleapis.com/auth/cloud-platform",
        "aud": aud,
        "iat": now,
        "exp": now + 3600,
    });
    jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, &key).unwrap()
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

async fn token(h: &Harness, account: &str) -> reqwest::Response {
    let body = format!(
        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion={}",
        assertion(account, now(), &h.url("/token"))
    );
    h.client
        .post(h.url("/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn gemini_api_keys() {
    let h = start().await;
    let e = google_error(post_key(&h, GEN, &hello(), None).await, 403).await;
    assert_eq!(e["status"], "PERMISSION_DENIED");
    let e = google_error(post_key(&h, GEN, &hello(), Some("bad-key")).await, 400).await;
    assert_eq!(e["status"], "INVALID_ARGUMENT");
    assert_eq!(
        e["message"],
        "API key not valid. Please pass a valid API key."
    );
    assert_eq!(e["details"][0]["reason"], "API_KEY_INVALID");
    let ok = post_key(&h, &format!("{GEN}?key=good"), &hello(), None).await;
    assert_eq!(ok.status(), 200);
}

#[tokio::test]
async fn generate_content_echoes_with_usage() {
    let h = start().await;
    let resp = post_key(&h, GEN, &hello(), Some("k")).await;
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    let c = &body["candidates"][0];
    assert_eq!(
        c["content"],
        json!({"parts": [{"text": "Echo: hello world"}], "role": "model"})
    );
    assert_eq!(c["finishReason"], "STOP");
    assert_eq!(body["usageMetadata"]["promptTokenCount"], 2);
    assert_eq!(body["usageMetadata"]["candidatesTokenCount"], 3);
    assert_eq!(body["usageMetadata"]["totalTokenCount"], 5);
    assert_eq!(body["modelVersion"], "gemini-2.5-flash");
    assert!(
        body.get("createTime").is_none(),
        "only Vertex sends createTime"
    );
}

#[tokio::test]
async fn rejects_what_google_rejects() {
    let h = start().await;
    let mut with_labels = hello();
    with_labels["labels"] = json!({"a": "b"});
    let e = google_error(post_key(&h, GEN, &with_labels, Some("k")).await, 400).await;
    assert_eq!(
        e["message"],
        "Invalid JSON payload received. Unknown name \"labels\": Cannot find field."
    );
    let schema = json!({"contents": hello()["contents"], "tools": [{"functionDeclarations": [
        {"name": "f", "parameters": {"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": false}}
    ]}]});
    let e = google_error(post_key(&h, GEN, &schema, Some("k")).await, 400).await;
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("additionalProperties"),
        "{e}"
    );
    let e = google_error(
        post_key(&h, GEN, &json!({"contents": []}), Some("k")).await,
        400,
    )
    .await;
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("contents is not specified")
    );
}

#[tokio::test]
async fn streams_as_sse_or_json_array() {
    let h = start().await;
    let resp = post_key(&h, &format!("{STREAM}?alt=sse"), &hello(), Some("k")).await;
    assert_eq!(resp.headers()["content-type"], "text/event-stream");
    let text = resp.text().await.unwrap();
    assert!(!text.contains("[DONE]"));
    let events: Vec<Value> = text
        .split("\r\n\r\n")
        .filter(|e| !e.is_empty())
        .map(|e| serde_json::from_str(e.strip_prefix("data: ").unwrap()).unwrap())
        .collect();
    let words: String = events
        .iter()
        .map(|e| {
            e["candidates"][0]["content"]["parts"][0]["text"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(words, "Echo: hello world");
    assert_eq!(events.len(), 3);
    assert!(
        events[..2]
            .iter()
            .all(|e| e["candidates"][0].get("finishReason").is_none())
    );
    assert_eq!(events[2]["candidates"][0]["finishReason"], "STOP");
    assert_eq!(events[2]["usageMetadata"]["totalTokenCount"], 5);

    let resp = post_key(&h, STREAM, &hello(), Some("k")).await;
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let mut array: Vec<Value> = resp.json().await.unwrap();
    let mut events = events;
    for e in array.iter_mut().chain(events.iter_mut()) {
        assert!(e["responseId"].as_str().unwrap().starts_with("mock-resp-"));
        e.as_object_mut().unwrap().remove("responseId");
    }
    assert_eq!(
        array, events,
        "the JSON-array form carries the same responses"
    );
}

#[tokio::test]
async fn faults_use_google_errors() {
    let h = start().await;
    let path = |m: &str| format!("/v1beta/models/{m}:generateContent");
    let e = google_error(
        post_key(&h, &path("error-503"), &hello(), Some("k")).await,
        503,
    )
    .await;
    assert_eq!(e["status"], "UNAVAILABLE");
    let e = google_error(
        post_key(&h, &path("error-429"), &hello(), Some("k")).await,
        429,
    )
    .await;
    assert_eq!(e["details"][0]["retryDelay"], "1s");
    let e = google_error(
        post_key(&h, &path("flaky-1"), &hello(), Some("k")).await,
        500,
    )
    .await;
    assert_eq!(e["status"], "INTERNAL");
    assert_eq!(
        post_key(&h, &path("flaky-1"), &hello(), Some("k"))
            .await
            .status(),
        200
    );

    let resp = post_key(
        &h,
        "/v1beta/models/stream-error:streamGenerateContent?alt=sse",
        &hello(),
        Some("k"),
    )
    .await;
    let text = resp.text().await.unwrap();
    let last = text
        .split("\r\n\r\n")
        .filter(|e| !e.is_empty())
        .last()
        .unwrap();
    let err: Value = serde_json::from_str(last.strip_prefix("data: ").unwrap()).unwrap();
    assert_eq!(err["error"]["status"], "INTERNAL");

    let resp = post_key(
        &h,
        "/v1beta/models/truncated:streamGenerateContent?alt=sse",
        &hello(),
        Some("k"),
    )
    .await;
    let (partial, failed) = read_until_error(resp).await;
    assert!(failed, "the connection is aborted");
    assert!(!partial.contains("finishReason"));
}

#[tokio::test]
async fn embeddings_count_tokens_and_models() {
    let h = start().await;
    let one = post_key(
        &h,
        "/v1beta/models/text-embedding-004:embedContent",
        &json!({"content": {"parts": [{"text": "hi"}]}, "outputDimensionality": 3}),
        Some("k"),
    )
    .await;
    let one: Value = one.json().await.unwrap();
    assert_eq!(one["embedding"]["values"].as_array().unwrap().len(), 3);
    let batch = post_key(
        &h,
        "/v1beta/models/text-embedding-004:batchEmbedContents",
        &json!({"requests": [
            {"model": "models/text-embedding-004", "content": {"parts": [{"text": "hi"}]}, "outputDimensionality": 3},
            {"model": "models/text-embedding-004", "content": {"parts": [{"text": "there"}]}}
        ]}),
        Some("k"),
    )
    .await;
    let batch: Value = batch.json().await.unwrap();
    assert_eq!(batch["embeddings"][0], one["embedding"]);
    assert_eq!(
        batch["embeddings"][1]["values"].as_array().unwrap().len(),
        8
    );
    let wrong_model = post_key(
        &h,
        "/v1beta/models/text-embedding-004:batchEmbedContents",
        &json!({"requests": [{"model": "models/other", "content": {"parts": [{"text": "x"}]}}]}),
        Some("k"),
    )
    .await;
    google_error(wrong_model, 400).await;

    let count = post_key(
        &h,
        "/v1beta/models/gemini-2.5-flash:countTokens",
        &json!({"contents": [{"parts": [{"text": "one two three"}]}]}),
        Some("k"),
    )
    .await;
    let count: Value = count.json().await.unwrap();
    assert_eq!(count["totalTokens"], 3);

    let page = h
        .client
        .get(h.url("/v1beta/models?pageSize=2"))
        .header("x-goog-api-key", "k")
        .send()
        .await
        .unwrap();
    let page: Value = page.json().await.unwrap();
    assert_eq!(page["models"].as_array().unwrap().len(), 2);
    assert_eq!(page["models"][0]["name"], "models/gemini-2.5-pro");
    assert_eq!(page["nextPageToken"], "page-2");
    let next = h
        .client
        .get(h.url("/v1beta/models?pageSize=2&pageToken=page-2"))
        .header("x-goog-api-key", "k")
        .send()
        .await
        .unwrap();
    let next: Value = next.json().await.unwrap();
    assert_eq!(next["models"][0]["name"], "models/gemini-2.0-flash");
    let missing = h
        .client
        .get(h.url("/v1beta/models/nope"))
        .header("x-goog-api-key", "k")
        .send()
        .await
        .unwrap();
    assert_eq!(google_error(missing, 404).await["status"], "NOT_FOUND");
}

#[tokio::test]
async fn oauth_token_endpoint_verifies_the_assertion() {
    let h = start().await;
    let good = test_service_account_json(&h.url("/token"));
    let resp = token(&h, &good).await;
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3599);
    let access = body["access_token"].as_str().unwrap().to_owned();
    assert!(access.starts_with("ya29.mock-"));

    let wrong = wrong_service_account_json(&h.url("/token"));
    let resp = token(&h, &wrong).await;
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(
        body,
        json!({"error": "invalid_grant", "error_description": "Invalid JWT Signature."})
    );

    let resp = h
        .client
        .post(h.url("/token"))
        .body("grant_type=client_credentials")
        .send()
        .await
        .unwrap();
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "unsupported_grant_type");
    assert!(TEST_CLIENT_EMAIL.ends_with(".iam.gserviceaccount.com"));

    // The token opens Vertex; anything else is Google's 401.
    let generate = format!("{VERTEX}:generateContent");
    let mut labelled = hello();
    labelled["labels"] = json!({"team": "a"});
    let ok = h
        .client
        .post(h.url(&generate))
        .bearer_auth(&access)
        .json(&labelled)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let body: Value = ok.json().await.unwrap();
    assert!(body["createTime"].as_str().unwrap().ends_with('Z'));
    let e = google_error(
        h.client
            .post(h.url(&generate))
            .bearer_auth("ya29.forged")
            .json(&hello())
            .send()
            .await
            .unwrap(),
        401,
    )
    .await;
    assert_eq!(e["status"], "UNAUTHENTICATED");
    let e = google_error(
        h.client
            .post(h.url(&generate))
            .json(&hello())
            .send()
            .await
            .unwrap(),
        401,
    )
    .await;
    assert_eq!(e["details"][0]["reason"], "CREDENTIALS_MISSING");

    let predict = h
        .client
        .post(h.url(&format!("{VERTEX}:predict")))
        .bearer_auth(&access)
        .json(&json!({"instances": [{"content": "a b c"}], "parameters": {"outputDimensionality": 2}}))
        .send()
        .await
        .unwrap();
    let predict: Value = predict.json().await.unwrap();
    let emb = &predict["predictions"][0]["embeddings"];
    assert_eq!(emb["values"].as_array().unwrap().len(), 2);
    assert_eq!(emb["statistics"]["token_count"], 3);
}
