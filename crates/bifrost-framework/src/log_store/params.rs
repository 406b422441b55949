//! Reading a [`LogQuery`] from the query string of `GET /api/logs`.
//!
//! Lists are comma-separated (`providers=openai,anthropic`) and may also repeat
//! (`providers=openai&providers=anthropic`); times are RFC 3339. Unknown parameters are
//! ignored, like Bifrost does.

use chrono::{DateTime, Utc};

use super::entry::LogStatus;
use super::query::{LogQuery, SortBy, SortOrder};
use crate::error::{StoreError, StoreResult};

impl LogQuery {
    /// Builds a query from decoded `(name, value)` pairs.
    pub fn from_params<'a, I>(params: I) -> StoreResult<Self>
    where
        I: IntoIterator<Item = (&'a str, &'a str)>,
    {
        let mut q = LogQuery::default();
        for (name, value) in params {
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            let f = &mut q.filter;
            match name {
                "providers" => f.providers.extend(list(value)),
                "models" => f.models.extend(list(value)),
                "objects" => f.objects.extend(list(value)),
                "selected_key_ids" => f.selected_key_ids.extend(list(value)),
                "virtual_key_ids" => f.virtual_key_ids.extend(list(value)),
                "stop_reasons" => f.stop_reasons.extend(list(value)),
                "status" => {
                    for s in list(value) {
                        f.status
                            .push(LogStatus::parse(&s).ok_or_else(|| {
                                invalid(name, &s, "processing, success or error")
                            })?);
                    }
                }
                "parent_request_id" => f.parent_request_id = Some(value.to_owned()),
                "content_search" => f.content_search = Some(value.to_owned()),
                "start_time" => f.start_time = Some(time(name, value)?),
                "end_time" => f.end_time = Some(time(name, value)?),
                "min_latency" => f.min_latency = Some(number(name, value)?),
                "max_latency" => f.max_latency = Some(number(name, value)?),
                "min_cost" => f.min_cost = Some(number(name, value)?),
                "max_cost" => f.max_cost = Some(number(name, value)?),
                "min_tokens" => f.min_tokens = Some(whole(name, value)?),
                "max_tokens" => f.max_tokens = Some(whole(name, value)?),
                "missing_cost_only" => {
                    f.missing_cost_only = match value {
                        "true" | "1" => true,
                        "false" | "0" => false,
                        _ => return Err(invalid(name, value, "true or false")),
                    }
                }
                "sort_by" => {
                    q.sort_by = SortBy::parse(value).ok_or_else(|| {
                        invalid(name, value, "timestamp, latency, tokens or cost")
                    })?;
                }
                "order" => {
                    q.order = SortOrder::parse(value)
                        .ok_or_else(|| invalid(name, value, "asc or desc"))?;
                }
                "limit" => {
                    q.limit = u32::try_from(whole(name, value)?)
                        .map_err(|_| invalid(name, value, "a page size"))?;
                }
                "offset" => q.offset = whole(name, value)?,
                _ => {}
            }
        }
        Ok(q)
    }
}

fn list(value: &str) -> impl Iterator<Item = String> + '_ {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn invalid(name: &str, value: &str, expected: &str) -> StoreError {
    StoreError::Invalid(format!(
        "{name}: \"{value}\" is not valid; expected {expected}"
    ))
}

fn time(name: &str, value: &str) -> StoreResult<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| invalid(name, value, "an RFC 3339 time like 2025-01-31T12:00:00Z"))
}

fn number(name: &str, value: &str) -> StoreResult<f64> {
    value
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| invalid(name, value, "a number"))
}

fn whole(name: &str, value: &str) -> StoreResult<u64> {
    value
        .parse::<u64>()
        .map_err(|_| invalid(name, value, "a non-negative whole number"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_bifrost_query_strings() {
        let q = LogQuery::from_params([
            ("providers", "openai,anthropic"),
            ("providers", "groq"),
            ("status", "success, error"),
            ("start_time", "2025-01-31T12:00:00+01:00"),
            ("min_tokens", "10"),
            ("max_cost", "0.5"),
            ("sort_by", "latency"),
            ("order", "asc"),
            ("limit", "20"),
            ("offset", "40"),
            ("content_search", "hello"),
            ("unknown", "x"),
        ])
        .unwrap();
        assert_eq!(q.filter.providers, ["openai", "anthropic", "groq"]);
        assert_eq!(q.filter.status, [LogStatus::Success, LogStatus::Error]);
        assert_eq!(
            q.filter.start_time.unwrap().to_rfc3339(),
            "2025-01-31T11:00:00+00:00"
        );
        assert_eq!(q.filter.min_tokens, Some(10));
        assert_eq!(q.filter.max_cost, Some(0.5));
        assert_eq!(
            (q.sort_by, q.order, q.limit, q.offset),
            (SortBy::Latency, SortOrder::Asc, 20, 40)
        );
        assert_eq!(q.filter.content_search.as_deref(), Some("hello"));
    }

    #[test]
    fn rejects_bad_values_by_name() {
        for (k, v) in [
            ("status", "done"),
            ("start_time", "yesterday"),
            ("min_latency", "fast"),
            ("sort_by", "name"),
            ("limit", "-1"),
        ] {
            let err = LogQuery::from_params([(k, v)]).unwrap_err().to_string();
            assert!(err.starts_with(&format!("{k}: ")), "{err}");
        }
    }
}
