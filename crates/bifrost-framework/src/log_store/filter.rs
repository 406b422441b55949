//! The WHERE clause of a log filter.

use super::query::LogFilter;
use crate::db::{Backend, SqlBuilder};

/// Clamps a count to the BIGINT range.
pub(crate) fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// Appends ` WHERE ...` for `f` (nothing when `f` filters nothing).
pub(crate) fn push_where(b: &mut SqlBuilder, f: &LogFilter, backend: Backend) {
    let mut first = true;
    let mut and = |b: &mut SqlBuilder| {
        b.push(if first { " WHERE " } else { " AND " });
        first = false;
    };
    let lists: [(&str, Vec<String>); 7] = [
        ("provider", f.providers.clone()),
        ("model", f.models.clone()),
        (
            "status",
            f.status.iter().map(|s| s.as_str().to_owned()).collect(),
        ),
        ("object_type", f.objects.clone()),
        ("selected_key_id", f.selected_key_ids.clone()),
        ("virtual_key_id", f.virtual_key_ids.clone()),
        ("stop_reason", f.stop_reasons.clone()),
    ];
    for (column, values) in lists {
        if !values.is_empty() {
            and(b);
            b.push(column).push(" IN ").bind_list(values);
        }
    }
    if let Some(p) = &f.parent_request_id {
        and(b);
        b.push("parent_request_id = ").bind(p.as_str());
    }
    if let Some(t) = f.start_time {
        and(b);
        b.push("timestamp >= ").bind(t.timestamp_millis());
    }
    if let Some(t) = f.end_time {
        and(b);
        b.push("timestamp <= ").bind(t.timestamp_millis());
    }
    let ranges = [
        ("latency_ms >= ", f.min_latency),
        ("latency_ms <= ", f.max_latency),
        ("cost >= ", f.min_cost),
        ("cost <= ", f.max_cost),
    ];
    for (cond, value) in ranges {
        if let Some(v) = value {
            and(b);
            b.push(cond).bind(v);
        }
    }
    if let Some(v) = f.min_tokens {
        and(b);
        b.push("total_tokens >= ").bind(to_i64(v));
    }
    if let Some(v) = f.max_tokens {
        and(b);
        b.push("total_tokens <= ").bind(to_i64(v));
    }
    if f.missing_cost_only {
        and(b);
        b.push("(cost IS NULL OR cost <= 0) AND status <> 'error'");
    }
    if let Some(text) = f.content_search.as_deref().filter(|t| !t.is_empty()) {
        and(b);
        // SQLite's LIKE ignores ASCII case; PostgreSQL needs ILIKE.
        b.push(match backend {
            Backend::Sqlite => "content_summary LIKE ",
            Backend::Postgres => "content_summary ILIKE ",
        })
        .bind(format!("%{}%", escape_like(text)))
        .push(" ESCAPE '\\'");
    }
}

/// Escapes LIKE wildcards so the text matches literally.
fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log_store::LogStatus;

    #[test]
    fn builds_bound_conditions() {
        let f = LogFilter {
            providers: vec!["openai".into()],
            status: vec![LogStatus::Error],
            min_tokens: Some(5),
            content_search: Some("50%_off".into()),
            ..Default::default()
        };
        let mut b = SqlBuilder::new("SELECT 1 FROM logs");
        push_where(&mut b, &f, Backend::Postgres);
        let s = b.finish();
        assert_eq!(
            s.sql,
            "SELECT 1 FROM logs WHERE provider IN ($1) AND status IN ($2) AND total_tokens >= $3 AND content_summary ILIKE $4 ESCAPE '\\'"
        );
        assert_eq!(s.args[3], crate::db::Arg::from("%50\\%\\_off%"));
        let mut b = SqlBuilder::new("SELECT 1 FROM logs");
        push_where(&mut b, &LogFilter::default(), Backend::Sqlite);
        assert_eq!(b.finish().sql, "SELECT 1 FROM logs");
    }
}
