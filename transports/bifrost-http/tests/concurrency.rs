//! Per-provider admission: `concurrency_and_buffer_size` with and without
//! `client.drop_excess_requests`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use serde_json::{Value, json};

fn config(base: &str, drop_excess: bool) -> Value {
    let mut cfg = providers(&[(
        "openai",
        merge(
            one_key(base, GOOD_KEY),
            json!({"concurrency_and_buffer_size": {"concurrency": 1, "buffer_size": 1}}),
        ),
    )]);
    cfg["client"] = json!({"drop_excess_requests": drop_excess});
    cfg
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn excess_requests_are_dropped_when_the_queue_is_full() {
    let gw = std::sync::Arc::new(start(|base| config(base, true)).await);
    let state = gw.provider("openai");

    // One slow call holds the only slot, one request fills the one-place queue.
    let g = gw.clone();
    let holder = tokio::spawn(async move { g.chat("openai/slow-2000", "first").await.status() });
    wait_until("the slow call reached the upstream", || {
        gw.upstream_calls() == 1
    })
    .await;
    let g = gw.clone();
    let queued = tokio::spawn(async move { g.chat("openai/gpt-4o", "second").await.status() });
    wait_until("the second request is queued", || {
        state.admission.waiting() == 1
    })
    .await;

    let err = error_json(gw.chat("openai/gpt-4o", "third").await, 429).await;
    assert_eq!(err["error"]["code"], "queue_full");
    assert_eq!(err["error"]["type"], "rate_limit_error");
    assert!(
        message(&err).starts_with("request dropped: queue is full"),
        "{err}"
    );
    assert_eq!(err["extra_fields"]["provider"], "openai");

    assert_eq!(holder.await.unwrap(), 200);
    assert_eq!(queued.await.unwrap(), 200);
    let texts: Vec<String> = gw
        .requests()
        .iter()
        .map(|r| {
            body_of(r)["messages"][0]["content"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(texts, ["first", "second"], "the dropped request never left");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_dropping_excess_requests_wait_and_succeed() {
    let gw = std::sync::Arc::new(start(|base| config(base, false)).await);
    let state = gw.provider("openai");

    let g = gw.clone();
    let holder = tokio::spawn(async move { g.chat("openai/slow-1000", "first").await.status() });
    wait_until("the slow call reached the upstream", || {
        gw.upstream_calls() == 1
    })
    .await;
    let waiters: Vec<_> = (0..3)
        .map(|i| {
            let g = gw.clone();
            tokio::spawn(
                async move { ok_json(g.chat("openai/gpt-4o", &format!("w{i}")).await).await },
            )
        })
        .collect();
    wait_until("three requests wait beyond the buffer size", || {
        state.admission.waiting() == 3
    })
    .await;
    assert_eq!(gw.upstream_calls(), 1, "nothing passes the held slot");

    assert_eq!(holder.await.unwrap(), 200);
    for w in waiters {
        let body = w.await.unwrap();
        assert!(
            body["choices"][0]["message"]["content"]
                .as_str()
                .unwrap()
                .starts_with("Echo: w")
        );
    }
    assert_eq!(gw.upstream_calls(), 4);
    assert_eq!(state.admission.waiting(), 0);
}
