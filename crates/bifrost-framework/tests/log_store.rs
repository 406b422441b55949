//! Log store on SQLite and PostgreSQL: 10,000-row batches, every filter, sorting, pagination,
//! stats, filter data and retention, each checked against a plain in-memory oracle.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::cmp::Ordering;

use bifrost_framework::log_store::{
    LogEntry, LogFilter, LogQuery, LogStatus, LogStore, NamedId, SortBy, SortOrder, SqlLogStore,
    TokenUsage,
};
use chrono::{DateTime, Duration, Utc};
use serde_json::json;

const N: usize = 10_000;

fn base() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2025-06-01T00:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

/// A deterministic, varied request log.
fn entry(i: usize) -> LogEntry {
    let providers = ["openai", "anthropic", "groq"];
    let provider = providers[i % 3];
    let model = match (i % 3, i % 2) {
        (0, 0) => "gpt-4o",
        (0, _) => "gpt-4o-mini",
        (1, _) => "claude-sonnet-4",
        _ => "llama-3.3-70b",
    };
    let status = match i % 10 {
        0 => LogStatus::Error,
        1 => LogStatus::Processing,
        _ => LogStatus::Success,
    };
    let mut e = LogEntry::new(
        format!("req-{i:05}"),
        base() + Duration::seconds(i as i64),
        if i.is_multiple_of(7) {
            "embedding"
        } else {
            "chat_completion"
        },
        provider,
        model,
        status,
    );
    let prompt = (i % 100) as u64;
    let completion = (i % 50) as u64;
    e.token_usage = TokenUsage {
        prompt_tokens: prompt,
        completion_tokens: completion,
        total_tokens: prompt + completion,
        cached_tokens: (i % 3) as u64,
        reasoning_tokens: (i % 5) as u64,
    };
    if status != LogStatus::Processing {
        e.latency_ms = Some((i % 1000) as f64 + 0.5);
        e.cost = (!i.is_multiple_of(4)).then(|| (prompt + completion) as f64 * 0.001);
        e.stop_reason = Some(
            if status == LogStatus::Error {
                "error"
            } else if i.is_multiple_of(3) {
                "length"
            } else {
                "stop"
            }
            .into(),
        );
    }
    e.selected_key_id = Some(format!("key-{}", i % 4));
    e.selected_key_name = Some(format!("Key {}", i % 4));
    e.fallback_index = (i % 3) as u32;
    e.number_of_retries = (i % 2) as u32;
    e.stream = i.is_multiple_of(2);
    if i % 50 == 1 {
        e.parent_request_id = Some("req-00000".into());
    }
    if i.is_multiple_of(5) {
        e.virtual_key_id = Some("vk-1".into());
        e.virtual_key_name = Some("Team A".into());
    }
    let text = if i % 1000 == 7 {
        format!("Find the Needle in the HAYSTACK, 50% off #{i}")
    } else {
        format!("message number {i}")
    };
    e.input = Some(json!([{"role": "user", "content": text}]));
    e.output = Some(json!({"role": "assistant", "content": format!("answer {i}")}));
    if status == LogStatus::Error {
        e.error_details =
            Some(json!({"error": {"message": "upstream failed", "type": "server_error"}}));
    }
    e.metadata = Some(json!({"x-team": "a", "i": i}));
    e
}

fn dataset() -> Vec<LogEntry> {
    (0..N).map(entry).collect()
}

/// What the store should return for `f`: the same conditions, evaluated in memory.
fn matches(e: &LogEntry, f: &LogFilter) -> bool {
    let any = |list: &[String], v: &str| list.is_empty() || list.iter().any(|x| x == v);
    let opt_any = |list: &[String], v: &Option<String>| {
        list.is_empty() || v.as_deref().is_some_and(|v| list.iter().any(|x| x == v))
    };
    let ms = e.timestamp.timestamp_millis();
    any(&f.providers, &e.provider)
        && any(&f.models, &e.model)
        && (f.status.is_empty() || f.status.contains(&e.status))
        && any(&f.objects, &e.object_type)
        && opt_any(&f.selected_key_ids, &e.selected_key_id)
        && opt_any(&f.virtual_key_ids, &e.virtual_key_id)
        && opt_any(&f.stop_reasons, &e.stop_reason)
        && f.parent_request_id
            .as_ref()
            .is_none_or(|p| e.parent_request_id.as_ref() == Some(p))
        && f.start_time.is_none_or(|t| ms >= t.timestamp_millis())
        && f.end_time.is_none_or(|t| ms <= t.timestamp_millis())
        && f.min_latency
            .is_none_or(|v| e.latency_ms.is_some_and(|l| l >= v))
        && f.max_latency
            .is_none_or(|v| e.latency_ms.is_some_and(|l| l <= v))
        && f.min_cost.is_none_or(|v| e.cost.is_some_and(|c| c >= v))
        && f.max_cost.is_none_or(|v| e.cost.is_some_and(|c| c <= v))
        && f.min_tokens.is_none_or(|v| e.token_usage.total_tokens >= v)
        && f.max_tokens.is_none_or(|v| e.token_usage.total_tokens <= v)
        && (!f.missing_cost_only
            || (e.cost.is_none_or(|c| c <= 0.0) && e.status != LogStatus::Error))
        && f.content_search.as_ref().is_none_or(|needle| {
            let hay = format!(
                "{}\n{}",
                e.input.as_ref().unwrap()[0]["content"].as_str().unwrap(),
                e.output.as_ref().unwrap()["content"].as_str().unwrap()
            );
            hay.to_lowercase().contains(&needle.to_lowercase())
        })
}

fn sort_key(e: &LogEntry, by: SortBy) -> Option<f64> {
    match by {
        SortBy::Timestamp => Some(e.timestamp.timestamp_millis() as f64),
        SortBy::Latency => e.latency_ms,
        SortBy::Tokens => Some(e.token_usage.total_tokens as f64),
        SortBy::Cost => e.cost,
    }
}

/// Ids in the store's order: by the column (missing values last either way), ties by id.
fn oracle_order(rows: &[LogEntry], f: &LogFilter, by: SortBy, order: SortOrder) -> Vec<String> {
    let mut hits: Vec<&LogEntry> = rows.iter().filter(|e| matches(e, f)).collect();
    hits.sort_by(|a, b| {
        let dir = |o: Ordering| {
            if order == SortOrder::Desc {
                o.reverse()
            } else {
                o
            }
        };
        match (sort_key(a, by), sort_key(b, by)) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
            (Some(x), Some(y)) => dir(x.partial_cmp(&y).unwrap()),
        }
        .then_with(|| dir(a.id.cmp(&b.id)))
    });
    hits.into_iter().map(|e| e.id.clone()).collect()
}

fn ids(page: &[LogEntry]) -> Vec<String> {
    page.iter().map(|e| e.id.clone()).collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

async fn loaded(target: &bifrost_framework::DbTarget) -> (SqlLogStore, Vec<LogEntry>) {
    let store = SqlLogStore::open(target).await.unwrap();
    let rows = dataset();
    assert_eq!(store.insert_batch(&rows).await.unwrap(), N as u64);
    (store, rows)
}

on_both_backends!(batch_of_10000_rows_and_every_filter, |_db, target| {
    let (store, rows) = loaded(&target).await;
    assert_eq!(store.count().await.unwrap(), N as u64);

    // A full round trip of one row.
    let mut want = rows[4210].clone();
    want.content_summary = Some("message number 4210\nanswer 4210".into());
    assert_eq!(store.get("req-04210").await.unwrap().unwrap(), want);
    assert_eq!(
        store.get("req-00010").await.unwrap().unwrap().error_details,
        rows[10].error_details
    );
    assert!(store.get("missing").await.unwrap().is_none());

    let t = |s: i64| Some(base() + Duration::seconds(s));
    let filters: Vec<(&str, LogFilter)> = vec![
        ("none", LogFilter::default()),
        (
            "providers",
            LogFilter {
                providers: vec!["openai".into(), "groq".into()],
                ..Default::default()
            },
        ),
        (
            "models",
            LogFilter {
                models: vec!["gpt-4o-mini".into()],
                ..Default::default()
            },
        ),
        (
            "status",
            LogFilter {
                status: vec![LogStatus::Error, LogStatus::Processing],
                ..Default::default()
            },
        ),
        (
            "objects",
            LogFilter {
                objects: vec!["embedding".into()],
                ..Default::default()
            },
        ),
        (
            "selected_key_ids",
            LogFilter {
                selected_key_ids: vec!["key-1".into()],
                ..Default::default()
            },
        ),
        (
            "virtual_key_ids",
            LogFilter {
                virtual_key_ids: vec!["vk-1".into()],
                ..Default::default()
            },
        ),
        (
            "stop_reasons",
            LogFilter {
                stop_reasons: vec!["length".into()],
                ..Default::default()
            },
        ),
        (
            "parent_request_id",
            LogFilter {
                parent_request_id: Some("req-00000".into()),
                ..Default::default()
            },
        ),
        (
            "time window",
            LogFilter {
                start_time: t(100),
                end_time: t(199),
                ..Default::default()
            },
        ),
        (
            "start only",
            LogFilter {
                start_time: t(9_990),
                ..Default::default()
            },
        ),
        (
            "latency",
            LogFilter {
                min_latency: Some(100.0),
                max_latency: Some(200.5),
                ..Default::default()
            },
        ),
        (
            "tokens",
            LogFilter {
                min_tokens: Some(140),
                max_tokens: Some(145),
                ..Default::default()
            },
        ),
        (
            "cost",
            LogFilter {
                min_cost: Some(0.1),
                max_cost: Some(0.12),
                ..Default::default()
            },
        ),
        (
            "missing cost",
            LogFilter {
                missing_cost_only: true,
                ..Default::default()
            },
        ),
        (
            "content",
            LogFilter {
                content_search: Some("needle in the haystack".into()),
                ..Default::default()
            },
        ),
        (
            "content wildcard chars",
            LogFilter {
                content_search: Some("50% off".into()),
                ..Default::default()
            },
        ),
        (
            "content literal percent",
            LogFilter {
                content_search: Some("%".into()),
                ..Default::default()
            },
        ),
        (
            "content output",
            LogFilter {
                content_search: Some("ANSWER 999".into()),
                ..Default::default()
            },
        ),
        (
            "combined",
            LogFilter {
                providers: vec!["openai".into()],
                status: vec![LogStatus::Success],
                min_tokens: Some(50),
                start_time: t(2_000),
                end_time: t(6_000),
                ..Default::default()
            },
        ),
        (
            "nothing",
            LogFilter {
                models: vec!["no-such-model".into()],
                ..Default::default()
            },
        ),
    ];
    for (name, filter) in filters {
        let want = oracle_order(&rows, &filter, SortBy::Timestamp, SortOrder::Desc);
        let page = store
            .search(&LogQuery {
                filter: filter.clone(),
                limit: 1000,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(page.pagination.total_count, want.len() as u64, "{name}");
        let first: Vec<String> = want.iter().take(1000).cloned().collect();
        assert_eq!(ids(&page.logs), first, "{name}");
        assert!(page.has_logs, "{name}");
        // Every filter is a real test: it keeps some rows and drops others.
        let expected_size = match name {
            "none" => want.len() == N,
            "nothing" => want.is_empty(),
            _ => !want.is_empty() && want.len() < N,
        };
        assert!(expected_size, "{name}: {} rows", want.len());
    }
    store.close().await;
});

on_both_backends!(sorting_pagination_and_stats, |_db, target| {
    let (store, rows) = loaded(&target).await;
    let filter = LogFilter {
        providers: vec!["openai".into(), "anthropic".into()],
        ..Default::default()
    };
    for by in [
        SortBy::Timestamp,
        SortBy::Latency,
        SortBy::Tokens,
        SortBy::Cost,
    ] {
        for order in [SortOrder::Asc, SortOrder::Desc] {
            let want = oracle_order(&rows, &filter, by, order);
            // Pages at the start, in the middle, and past the end of the null-valued tail.
            for offset in [0_u64, 250, 3_000, 6_600, 7_000] {
                let q = LogQuery {
                    filter: filter.clone(),
                    sort_by: by,
                    order,
                    limit: 100,
                    offset,
                };
                let page = store.search(&q).await.unwrap();
                let expect: Vec<String> = want
                    .iter()
                    .skip(offset as usize)
                    .take(100)
                    .cloned()
                    .collect();
                assert_eq!(ids(&page.logs), expect, "{by:?} {order:?} offset {offset}");
                assert_eq!(page.pagination.total_count, want.len() as u64);
                assert_eq!(
                    (page.pagination.limit, page.pagination.offset),
                    (100, offset)
                );
            }
        }
    }
    // Limits are clamped to 1..=1000.
    let page = store
        .search(&LogQuery {
            limit: 0,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(page.logs.len(), 1);
    let page = store
        .search(&LogQuery {
            limit: 5_000,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!((page.logs.len(), page.pagination.limit), (1000, 1000));

    // Stats over several filters, against the oracle.
    for f in [
        LogFilter::default(),
        filter.clone(),
        LogFilter {
            status: vec![LogStatus::Processing],
            ..Default::default()
        },
        LogFilter {
            models: vec!["gpt-4o".into()],
            min_latency: Some(500.0),
            ..Default::default()
        },
        LogFilter {
            models: vec!["none".into()],
            ..Default::default()
        },
    ] {
        let hits: Vec<&LogEntry> = rows.iter().filter(|e| matches(e, &f)).collect();
        let done: Vec<&&LogEntry> = hits
            .iter()
            .filter(|e| e.status != LogStatus::Processing)
            .collect();
        let ok = done
            .iter()
            .filter(|e| e.status == LogStatus::Success)
            .count();
        let rate = if done.is_empty() {
            0.0
        } else {
            ok as f64 / done.len() as f64 * 100.0
        };
        let lat = if done.is_empty() {
            0.0
        } else {
            done.iter().map(|e| e.latency_ms.unwrap()).sum::<f64>() / done.len() as f64
        };
        let tokens: u64 = done.iter().map(|e| e.token_usage.total_tokens).sum();
        let cost: f64 = done.iter().filter_map(|e| e.cost).sum();
        let stats = store.stats(&f).await.unwrap();
        assert_eq!(stats.total_requests, hits.len() as u64, "{f:?}");
        assert!(
            close(stats.success_rate, rate),
            "{} vs {rate}",
            stats.success_rate
        );
        assert!(
            close(stats.average_latency, lat),
            "{} vs {lat}",
            stats.average_latency
        );
        assert_eq!(stats.total_tokens, tokens);
        assert!(
            close(stats.total_cost, cost),
            "{} vs {cost}",
            stats.total_cost
        );
        let page = store
            .search(&LogQuery {
                filter: f.clone(),
                limit: 1,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(page.stats, stats, "search carries the same stats");
    }
    store.close().await;
});

on_both_backends!(filter_data_and_retention, |_db, target| {
    let store = SqlLogStore::open(&target).await.unwrap();
    let page = store.search(&LogQuery::default()).await.unwrap();
    assert!(!page.has_logs && page.logs.is_empty());
    assert_eq!(store.filter_data().await.unwrap(), Default::default());

    let rows: Vec<LogEntry> = (0..200).map(entry).collect();
    store.insert_batch(&rows).await.unwrap();
    let mut unnamed = entry(200);
    unnamed.selected_key_id = Some("key-9".into());
    unnamed.selected_key_name = None;
    store.insert_batch(&[unnamed]).await.unwrap();

    let fd = store.filter_data().await.unwrap();
    assert_eq!(fd.providers, ["anthropic", "groq", "openai"]);
    assert_eq!(
        fd.models,
        ["claude-sonnet-4", "gpt-4o", "gpt-4o-mini", "llama-3.3-70b"]
    );
    assert_eq!(fd.objects, ["chat_completion", "embedding"]);
    assert_eq!(fd.stop_reasons, ["error", "length", "stop"]);
    let keys: Vec<NamedId> = (0..4)
        .map(|k| NamedId {
            id: format!("key-{k}"),
            name: Some(format!("Key {k}")),
        })
        .chain([NamedId {
            id: "key-9".into(),
            name: None,
        }])
        .collect();
    assert_eq!(fd.selected_keys, keys);
    assert_eq!(
        fd.virtual_keys,
        [NamedId {
            id: "vk-1".into(),
            name: Some("Team A".into())
        }]
    );

    // Retention: strictly older than the cutoff goes.
    let deleted = store
        .delete_older_than(base() + Duration::seconds(150))
        .await
        .unwrap();
    assert_eq!(deleted, 150);
    assert_eq!(store.count().await.unwrap(), 51);
    assert!(store.get("req-00149").await.unwrap().is_none());
    assert!(store.get("req-00150").await.unwrap().is_some());
    assert_eq!(store.delete_older_than(base()).await.unwrap(), 0);
    store.ping().await.unwrap();
    store.close().await;
});

on_both_backends!(writing_an_id_again_replaces_the_row, |_db, target| {
    let store = SqlLogStore::open(&target).await.unwrap();
    let mut started = LogEntry::new(
        "r-1",
        base(),
        "chat_completion",
        "openai",
        "gpt-4o",
        LogStatus::Processing,
    );
    started.input = Some(json!([{"role": "user", "content": "hi"}]));
    store.insert_batch(&[started.clone()]).await.unwrap();
    assert_eq!(
        store.get("r-1").await.unwrap().unwrap().status,
        LogStatus::Processing
    );

    let mut done = started.clone();
    done.status = LogStatus::Success;
    done.latency_ms = Some(812.25);
    done.output = Some(json!({"role": "assistant", "content": "hello"}));
    done.cost = Some(0.0025);
    // The same id twice in one batch: the last one wins, and the batch is still one row.
    let mut older = done.clone();
    older.latency_ms = Some(1.0);
    assert_eq!(store.insert_batch(&[older, done.clone()]).await.unwrap(), 1);
    let got = store.get("r-1").await.unwrap().unwrap();
    assert_eq!(got.status, LogStatus::Success);
    assert_eq!(got.latency_ms, Some(812.25));
    assert_eq!(got.content_summary.as_deref(), Some("hi\nhello"));
    assert_eq!(store.count().await.unwrap(), 1);

    // Content logging disabled: no input, no output, nothing to search.
    let mut bare = LogEntry::new(
        "r-2",
        base(),
        "chat_completion",
        "openai",
        "gpt-4o",
        LogStatus::Success,
    );
    bare.selected_key_id = Some("k".into());
    bare.parent_request_id = Some("pa\0rent".into());
    store.insert_batch(&[bare]).await.unwrap();
    let got = store.get("r-2").await.unwrap().unwrap();
    assert_eq!(
        (got.input, got.output, got.content_summary),
        (None, None, None)
    );
    assert_eq!(
        got.parent_request_id.as_deref(),
        Some("parent"),
        "NUL characters are dropped"
    );
    let page = store
        .search(&LogQuery {
            filter: LogFilter {
                content_search: Some("h".into()),
                ..Default::default()
            },
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(ids(&page.logs), ["r-1"]);
    assert_eq!(store.insert_batch(&[]).await.unwrap(), 0);
    store.close().await;
});
