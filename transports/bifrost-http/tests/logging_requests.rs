//! Request logs through the gateway: one row per request with the right fields, filters and
//! stats of the log API over a known mix, fallbacks as rows of their own, content logging off,
//! zero-configuration SQLite and logging turned off. Each runs on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod logging_support;

use std::collections::HashSet;

use bifrost_framework::LogQuery;
use futures::StreamExt;
use logging_support::{
    Db, GROQ_KEY, LogGw, LoggerSetup, OPENAI_KEY, chat_body, providers, start, stream_body,
};
use serde_json::{Value, json};

/// Every stored row, through the store (pages of 1000).
async fn all_rows(gw: &LogGw) -> Vec<Value> {
    let store = gw.logger().store();
    let mut out = Vec::new();
    let mut offset = 0;
    loop {
        let page = store
            .search(&LogQuery {
                limit: 1000,
                offset,
                ..LogQuery::default()
            })
            .await
            .unwrap();
        if page.logs.is_empty() {
            break;
        }
        offset += page.logs.len() as u64;
        out.extend(page.logs.iter().map(|e| serde_json::to_value(e).unwrap()));
    }
    out
}

fn assert_no_key_values(rows: &[Value]) {
    let text = serde_json::to_string(rows).unwrap();
    for key in [OPENAI_KEY, GROQ_KEY] {
        assert!(!text.contains(key), "a key value was stored in the logs");
    }
}

async fn ten_thousand_requests(db: Db) {
    let Some(gw) = start(
        db,
        LoggerSetup::FromConfig,
        |mock| json!({"providers": providers(mock)}),
    )
    .await
    else {
        return;
    };
    const N: usize = 10_000;
    let body = chat_body("openai/gpt-4o-mini", "count these four words");
    let results: Vec<(u16, Value)> = futures::stream::iter(0..N)
        .map(|_| gw.chat(&body, None))
        .buffer_unordered(64)
        .collect()
        .await;
    assert!(results.iter().all(|(s, _)| *s == 200));
    let usage = results[0].1["usage"].clone();
    gw.flush().await;
    assert_eq!(gw.logger().store().count().await.unwrap(), N as u64);
    assert_eq!(gw.logger().dropped(), 0);
    let rows = all_rows(&gw).await;
    assert_eq!(rows.len(), N);
    let ids: HashSet<&str> = rows.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), N, "one row per request");
    for r in &rows {
        assert_eq!(r["provider"], "openai");
        assert_eq!(r["model"], "gpt-4o-mini");
        assert_eq!(r["object"], "chat_completion");
        assert_eq!(r["status"], "success");
        assert_eq!(r["stream"], false);
        assert_eq!(r["selected_key_id"], "key-openai");
        assert_eq!(r["selected_key_name"], "openai-primary");
        assert_eq!(r["token_usage"]["prompt_tokens"], usage["prompt_tokens"]);
        assert_eq!(
            r["token_usage"]["completion_tokens"],
            usage["completion_tokens"]
        );
        assert_eq!(r["token_usage"]["total_tokens"], usage["total_tokens"]);
        assert_eq!(r["stop_reason"], "stop");
        assert!(r["latency"].as_f64().unwrap() >= 0.0);
        assert_eq!(r["input_history"][0]["content"], "count these four words");
        assert_eq!(
            r["output_message"]["content"],
            "Echo: count these four words"
        );
    }
    assert_no_key_values(&rows);
    gw.close().await;
}
on_both_backends!(
    ten_thousand_requests_are_ten_thousand_rows,
    ten_thousand_requests
);

/// 12 openai successes, 4 openai streams, 3 openai errors, 6 groq successes.
async fn send_mix(gw: &LogGw) {
    for i in 0..12 {
        let (s, _) = gw
            .chat(
                &chat_body("openai/gpt-4o-mini", &format!("openai plain {i}")),
                Some(&format!("mix-openai-{i}")),
            )
            .await;
        assert_eq!(s, 200);
    }
    for i in 0..4 {
        let (s, _) = gw
            .chat(
                &stream_body("openai/gpt-4o-mini", &format!("streamed words {i}")),
                Some(&format!("mix-stream-{i}")),
            )
            .await;
        assert_eq!(s, 200);
    }
    for i in 0..3 {
        let (s, _) = gw
            .chat(
                &chat_body("openai/error-400", &format!("failing {i}")),
                Some(&format!("mix-error-{i}")),
            )
            .await;
        assert_eq!(s, 400);
    }
    for i in 0..6 {
        let text = if i == 0 {
            "the needle-9f2c is here".to_owned()
        } else {
            format!("groq plain {i}")
        };
        let (s, _) = gw
            .chat(
                &chat_body("groq/llama-3.3-70b-versatile", &text),
                Some(&format!("mix-groq-{i}")),
            )
            .await;
        assert_eq!(s, 200);
    }
    gw.flush().await;
}

fn total(v: &Value) -> u64 {
    v["pagination"]["total_count"].as_u64().unwrap()
}

async fn filters_and_stats(db: Db) {
    let Some(gw) = start(
        db,
        LoggerSetup::FromConfig,
        |mock| json!({"providers": providers(mock)}),
    )
    .await
    else {
        return;
    };
    send_mix(&gw).await;

    let (s, all) = gw.get("/api/logs?limit=100").await;
    assert_eq!(s, 200);
    assert_eq!(total(&all), 25);
    assert_eq!(all["has_logs"], true);
    assert_eq!(all["logs"].as_array().unwrap().len(), 25);
    assert_eq!(all["pagination"]["limit"], 100);
    assert_eq!(all["pagination"]["sort_by"], "timestamp");
    assert_eq!(all["pagination"]["order"], "desc");
    let stats = &all["stats"];
    assert_eq!(stats["total_requests"], 25);
    assert!((stats["success_rate"].as_f64().unwrap() - 88.0).abs() < 1e-9);
    let tokens: u64 = all["logs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["token_usage"]["total_tokens"].as_u64().unwrap())
        .sum();
    assert_eq!(stats["total_tokens"].as_u64().unwrap(), tokens);
    assert!(tokens > 0);
    assert_no_key_values(all["logs"].as_array().unwrap());

    // Newest first.
    // Compared as instants: RFC 3339 strings with trimmed fractions do not sort as text.
    let stamps: Vec<chrono::DateTime<chrono::FixedOffset>> = all["logs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| chrono::DateTime::parse_from_rfc3339(r["timestamp"].as_str().unwrap()).unwrap())
        .collect();
    assert!(stamps.windows(2).all(|w| w[0] >= w[1]), "{stamps:?}");

    for (query, expected) in [
        ("providers=groq", 6),
        ("providers=openai", 19),
        ("providers=openai,groq", 25),
        ("providers=openai&providers=groq", 25),
        ("status=error", 3),
        ("status=success", 22),
        ("providers=openai&status=error", 3),
        ("objects=chat_completion_stream", 4),
        ("objects=chat_completion", 21),
        ("models=llama-3.3-70b-versatile", 6),
        ("models=error-400", 3),
        ("selected_key_ids=key-groq", 6),
        ("selected_key_ids=key-openai", 19),
        ("min_tokens=1", 22),
        ("max_tokens=0", 3),
        ("content_search=needle-9f2c", 1),
        ("content_search=NEEDLE-9F2C", 1),
        ("content_search=Echo: streamed", 4),
        ("start_time=2000-01-01T00:00:00Z", 25),
        ("end_time=2000-01-01T00:00:00Z", 0),
        ("min_latency=0", 25),
    ] {
        let (s, v) = gw.get(&format!("/api/logs?{query}")).await;
        assert_eq!(s, 200, "{query}: {v}");
        assert_eq!(total(&v), expected, "{query}");
        assert_eq!(v["stats"]["total_requests"], expected, "{query}");
    }

    let (_, streams) = gw.get("/api/logs?objects=chat_completion_stream").await;
    for r in streams["logs"].as_array().unwrap() {
        assert_eq!(r["stream"], true);
        assert_eq!(r["status"], "success");
        assert!(r["token_usage"]["total_tokens"].as_u64().unwrap() > 0);
        let out = r["output_message"]["content"].as_str().unwrap();
        assert!(out.starts_with("Echo: streamed words"), "{out}");
    }

    let (_, errors) = gw.get("/api/logs?status=error").await;
    for r in errors["logs"].as_array().unwrap() {
        assert_eq!(r["provider"], "openai");
        assert!(r["error_details"]["error"]["message"].is_string(), "{r}");
        assert_eq!(r["token_usage"]["total_tokens"], 0);
        assert_eq!(r["selected_key_id"], "key-openai");
    }

    // Sorting and paging.
    let (_, by_tokens) = gw.get("/api/logs?sort_by=tokens&order=asc&limit=3").await;
    for r in by_tokens["logs"].as_array().unwrap() {
        assert_eq!(r["status"], "error");
    }
    let (_, by_latency) = gw
        .get("/api/logs?sort_by=latency&order=desc&limit=25")
        .await;
    let lat: Vec<f64> = by_latency["logs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["latency"].as_f64().unwrap())
        .collect();
    assert!(lat.windows(2).all(|w| w[0] >= w[1]));
    let (_, page) = gw.get("/api/logs?limit=5&offset=20").await;
    assert_eq!(page["logs"].as_array().unwrap().len(), 5);
    assert_eq!(total(&page), 25);
    let (_, last) = gw.get("/api/logs?limit=5&offset=24").await;
    assert_eq!(last["logs"].as_array().unwrap().len(), 1);

    // Stats alone.
    let (s, groq) = gw.get("/api/logs/stats?providers=groq").await;
    assert_eq!(s, 200);
    assert_eq!(groq["total_requests"], 6);
    assert!((groq["success_rate"].as_f64().unwrap() - 100.0).abs() < 1e-9);
    assert!(groq["total_tokens"].as_u64().unwrap() > 0);

    // Filter data.
    let (s, fd) = gw.get("/api/logs/filterdata").await;
    assert_eq!(s, 200);
    let set = |k: &str| -> HashSet<String> {
        fd[k]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        set("providers"),
        HashSet::from(["openai".into(), "groq".into()])
    );
    assert_eq!(
        set("models"),
        HashSet::from([
            "gpt-4o-mini".into(),
            "error-400".into(),
            "llama-3.3-70b-versatile".into()
        ])
    );
    assert_eq!(
        set("objects"),
        HashSet::from(["chat_completion".into(), "chat_completion_stream".into()])
    );
    let keys: HashSet<(String, String)> = fd["selected_keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["id"].as_str().unwrap().to_owned(),
                k["name"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        keys,
        HashSet::from([
            ("key-openai".into(), "openai-primary".into()),
            ("key-groq".into(), "groq-primary".into())
        ])
    );

    // One row by id.
    let (s, one) = gw.get("/api/logs/mix-groq-0").await;
    assert_eq!(s, 200);
    assert_eq!(one["id"], "mix-groq-0");
    assert_eq!(one["provider"], "groq");
    assert_eq!(
        one["input_history"][0]["content"],
        "the needle-9f2c is here"
    );
    assert_eq!(
        one["output_message"]["content"],
        "Echo: the needle-9f2c is here"
    );
    let (s, missing) = gw.get("/api/logs/no-such-id").await;
    assert_eq!(s, 404);
    assert!(missing["error"]["message"].is_string());

    let (s, dropped) = gw.get("/api/logs/dropped").await;
    assert_eq!(s, 200);
    assert_eq!(dropped, json!({"dropped_requests": 0}));

    // Bad parameters: 400 in Bifrost's error shape, naming the parameter.
    for (query, param) in [
        ("status=done", "status"),
        ("limit=-1", "limit"),
        ("start_time=yesterday", "start_time"),
        ("sort_by=name", "sort_by"),
        ("order=up", "order"),
        ("min_latency=fast", "min_latency"),
    ] {
        let (s, v) = gw.get(&format!("/api/logs?{query}")).await;
        assert_eq!(s, 400, "{query}");
        let msg = v["error"]["message"].as_str().unwrap();
        assert!(msg.starts_with(&format!("{param}: ")), "{query}: {msg}");
        assert_eq!(v["is_bifrost_error"], true, "{v}");
        let (s, _) = gw.get(&format!("/api/logs/stats?{query}")).await;
        assert_eq!(s, 400, "stats {query}");
    }
    gw.close().await;
}
on_both_backends!(filters_and_stats_over_a_known_mix, filters_and_stats);

async fn fallbacks(db: Db) {
    let Some(gw) = start(db, LoggerSetup::FromConfig, |mock| {
        json!({"client": {"logging_headers": ["X-Team", "Authorization"]}, "providers": providers(mock)})
    })
    .await
    else {
        return;
    };
    let mut body = chat_body("openai/error-500", "fall back please");
    body["fallbacks"] = json!(["groq/llama-3.3-70b-versatile"]);
    let (s, _) = gw
        .chat_with(
            &body,
            &[
                ("x-request-id", "fb-1"),
                ("x-team", "blue"),
                ("authorization", "Bearer sk-caller-secret-1"),
            ],
        )
        .await;
    assert_eq!(s, 200);
    gw.flush().await;
    let (_, primary) = gw.get("/api/logs/fb-1").await;
    assert_eq!(primary["status"], "error");
    assert_eq!(primary["provider"], "openai");
    assert_eq!(primary["fallback_index"], 0);
    let (_, fallback) = gw.get("/api/logs/fb-1-fallback-1").await;
    assert_eq!(fallback["status"], "success");
    assert_eq!(fallback["provider"], "groq");
    assert_eq!(fallback["fallback_index"], 1);
    assert_eq!(fallback["parent_request_id"], "fb-1");
    assert_eq!(fallback["selected_key_id"], "key-groq");
    // Listed headers go to metadata; credentials never do.
    assert_eq!(primary["metadata"], json!({"x-team": "blue"}));
    assert_eq!(fallback["metadata"], json!({"x-team": "blue"}));
    let (_, children) = gw.get("/api/logs?parent_request_id=fb-1").await;
    assert_eq!(total(&children), 1);
    gw.close().await;
}
on_both_backends!(
    fallbacks_are_rows_of_their_own_with_logged_headers,
    fallbacks
);

async fn content_off(db: Db) {
    let Some(gw) = start(
        db,
        LoggerSetup::FromConfig,
        |mock| json!({"client": {"disable_content_logging": true}, "providers": providers(mock)}),
    )
    .await
    else {
        return;
    };
    for i in 0..3 {
        let (s, _) = gw
            .chat(
                &chat_body("openai/gpt-4o-mini", "secret-marker-77 words"),
                Some(&format!("c-{i}")),
            )
            .await;
        assert_eq!(s, 200);
    }
    let (s, _) = gw
        .chat(
            &stream_body("openai/gpt-4o-mini", "secret-marker-77 streamed"),
            Some("c-s"),
        )
        .await;
    assert_eq!(s, 200);
    gw.flush().await;
    let rows = all_rows(&gw).await;
    assert_eq!(rows.len(), 4);
    for r in &rows {
        assert_eq!(r["status"], "success");
        assert!(r["input_history"].is_null(), "{r}");
        assert!(r["output_message"].is_null(), "{r}");
        assert!(r.get("content_summary").is_none(), "{r}");
        assert!(
            r["token_usage"]["total_tokens"].as_u64().unwrap() > 0,
            "metadata is kept"
        );
    }
    assert!(
        !serde_json::to_string(&rows)
            .unwrap()
            .contains("secret-marker-77")
    );
    let (_, found) = gw.get("/api/logs?content_search=secret-marker-77").await;
    assert_eq!(total(&found), 0);
    gw.close().await;
}
on_both_backends!(content_is_not_logged_when_disabled, content_off);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zero_configuration_logs_to_sqlite_in_the_app_dir() {
    let mock = bifrost_mock_upstream::MockUpstream::start().await.unwrap();
    let dir = logging_support::AppDir::new();
    std::fs::write(
        dir.path().join("config.json"),
        serde_json::to_vec(&json!({"providers": providers(&mock)})).unwrap(),
    )
    .unwrap();
    let gateway = bifrost_http::Gateway::load_with_logs(dir.path())
        .await
        .unwrap();
    assert!(dir.path().join("logs.db").exists());
    assert!(
        gateway
            .loaded
            .warnings
            .iter()
            .all(|w| !w.path.contains("logging")),
        "{:?}",
        gateway.loaded.warnings
    );
    let running = bifrost_http::spawn(gateway.service.clone(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let resp = client
        .post(format!("{}/v1/chat/completions", running.base_url()))
        .header("x-request-id", "zero-1")
        .json(&chat_body("openai/gpt-4o-mini", "hello"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    // The real shutdown path: plugin cleanup stores what is queued.
    running.shutdown(std::time::Duration::from_secs(5)).await;
    gateway.state.bifrost.shutdown().await;
    let logs = gateway.state.logs.as_ref().unwrap();
    let row = logs.store().get("zero-1").await.unwrap().unwrap();
    assert_eq!(row.provider, "openai");
    assert_eq!(row.selected_key_id.as_deref(), Some("key-openai"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logging_can_be_turned_off() {
    let mock = bifrost_mock_upstream::MockUpstream::start().await.unwrap();
    for config in [
        json!({"logs_store": {"enabled": false}, "providers": providers(&mock)}),
        json!({"client": {"enable_logging": false}, "providers": providers(&mock)}),
    ] {
        let dir = logging_support::AppDir::new();
        std::fs::write(
            dir.path().join("config.json"),
            serde_json::to_vec(&config).unwrap(),
        )
        .unwrap();
        let gateway = bifrost_http::Gateway::load_with_logs(dir.path())
            .await
            .unwrap();
        assert!(gateway.state.logs.is_none());
        assert!(!dir.path().join("logs.db").exists());
        let running = bifrost_http::spawn(gateway.service.clone(), "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let resp = client
            .get(format!("{}/api/logs", running.base_url()))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 503);
        let v: Value = resp.json().await.unwrap();
        assert!(v["error"]["message"].as_str().unwrap().contains("disabled"));
        running.shutdown(std::time::Duration::from_secs(5)).await;
    }
}

async fn other_request_types(db: Db) {
    let Some(gw) = start(
        db,
        LoggerSetup::FromConfig,
        |mock| json!({"providers": providers(mock)}),
    )
    .await
    else {
        return;
    };
    let post = |path: &'static str, id: &'static str, body: Value| {
        let req = gw
            .client
            .post(gw.url(path))
            .header("x-request-id", id)
            .json(&body);
        async move {
            let resp = req.send().await.unwrap();
            assert_eq!(resp.status(), 200, "{path}");
            resp.text().await.unwrap()
        }
    };
    post(
        "/v1/completions",
        "t-text",
        json!({"model": "openai/gpt-3.5-turbo-instruct", "prompt": "complete this"}),
    )
    .await;
    post(
        "/v1/embeddings",
        "t-embed",
        json!({"model": "openai/text-embedding-3-small", "input": "embed this"}),
    )
    .await;
    post(
        "/v1/responses",
        "t-resp",
        json!({"model": "openai/gpt-4o-mini", "input": "respond to this"}),
    )
    .await;
    post(
        "/v1/responses",
        "t-resp-stream",
        json!({"model": "openai/gpt-4o-mini", "input": "stream a response", "stream": true}),
    )
    .await;
    gw.flush().await;

    let (_, text) = gw.get("/api/logs/t-text").await;
    assert_eq!(text["object"], "text_completion");
    assert_eq!(text["status"], "success");
    assert_eq!(text["input_history"], "complete this");
    assert!(
        text["output_message"]["content"]
            .as_str()
            .unwrap()
            .contains("complete this")
    );

    let (_, embed) = gw.get("/api/logs/t-embed").await;
    assert_eq!(embed["object"], "embedding");
    assert_eq!(embed["status"], "success");
    assert_eq!(embed["input_history"], "embed this");
    assert!(embed["token_usage"]["prompt_tokens"].as_u64().unwrap() > 0);

    let (_, resp) = gw.get("/api/logs/t-resp").await;
    assert_eq!(resp["object"], "responses");
    assert_eq!(resp["status"], "success");
    assert!(resp["token_usage"]["total_tokens"].as_u64().unwrap() > 0);
    assert!(
        serde_json::to_string(&resp["output_message"])
            .unwrap()
            .contains("respond to this")
    );

    let (_, streamed) = gw.get("/api/logs/t-resp-stream").await;
    assert_eq!(streamed["object"], "responses_stream");
    assert_eq!(streamed["stream"], true);
    assert_eq!(streamed["status"], "success");
    assert!(
        serde_json::to_string(&streamed["output_message"])
            .unwrap()
            .contains("stream a response"),
        "{streamed}"
    );
    let (_, found) = gw.get("/api/logs?content_search=respond to this").await;
    assert_eq!(total(&found), 1);
    gw.close().await;
}
on_both_backends!(other_request_types_are_logged, other_request_types);
