//! Bounded label values: every label whose value comes from the caller (model names, dimension
//! headers, unknown provider names) goes through a [`ValueCap`], so user input can never create an
//! unbounded number of series.
//!
//! A cap remembers the first `limit` distinct values it sees; every later new value is reported as
//! [`OTHER`]. Values longer than [`MAX_VALUE_LEN`] bytes are always [`OTHER`]. Lookups of known
//! values are lock-free (a copy-on-write set behind an `ArcSwap`) and allocation-free; only the
//! first sighting of a value allocates.

use std::collections::HashSet;
use std::sync::Arc;

use arc_swap::ArcSwap;

/// The value reported once a label's cap is reached.
pub const OTHER: &str = "other";

/// Distinct values kept per label by default.
pub const DEFAULT_VALUE_LIMIT: usize = 500;

/// Longest label value kept as is; longer values are reported as [`OTHER`].
pub const MAX_VALUE_LEN: usize = 128;

/// The distinct values seen for one label, up to a limit.
#[derive(Debug)]
pub struct ValueCap {
    limit: usize,
    known: ArcSwap<HashSet<Arc<str>>>,
    other: Arc<str>,
    empty: Arc<str>,
}

impl ValueCap {
    /// A cap keeping at most `limit` distinct non-empty values.
    pub fn new(limit: usize) -> Self {
        Self {
            limit,
            known: ArcSwap::from_pointee(HashSet::new()),
            other: Arc::from(OTHER),
            empty: Arc::from(""),
        }
    }

    /// The value to use as the label: `value` itself while the cap allows, else [`OTHER`].
    /// The empty string is always allowed and does not count toward the limit.
    pub fn get(&self, value: &str) -> Arc<str> {
        if value.is_empty() {
            return self.empty.clone();
        }
        if value.len() > MAX_VALUE_LEN {
            return self.other.clone();
        }
        let known = self.known.load();
        if let Some(v) = known.get(value) {
            return v.clone();
        }
        if known.len() >= self.limit {
            return self.other.clone();
        }
        drop(known);
        self.insert(value)
    }

    fn insert(&self, value: &str) -> Arc<str> {
        let fresh: Arc<str> = Arc::from(value);
        let mut answer = self.other.clone();
        self.known.rcu(|set| {
            if let Some(v) = set.get(value) {
                answer = v.clone();
                return Arc::clone(set);
            }
            if set.len() >= self.limit {
                answer = self.other.clone();
                return Arc::clone(set);
            }
            let mut next = HashSet::clone(set);
            next.insert(fresh.clone());
            answer = fresh.clone();
            Arc::new(next)
        });
        answer
    }

    /// Distinct values remembered so far.
    pub fn len(&self) -> usize {
        self.known.load().len()
    }

    /// True when no value was remembered yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_values_up_to_the_limit_then_reports_other() {
        let cap = ValueCap::new(2);
        assert_eq!(&*cap.get("a"), "a");
        assert_eq!(&*cap.get("b"), "b");
        assert_eq!(&*cap.get("c"), OTHER);
        assert_eq!(&*cap.get("a"), "a", "known values stay");
        assert_eq!(&*cap.get(""), "", "empty is free");
        assert_eq!(cap.len(), 2);
        assert_eq!(&*cap.get(&"x".repeat(MAX_VALUE_LEN + 1)), OTHER);
    }

    #[test]
    fn known_values_are_shared() {
        let cap = ValueCap::new(10);
        let a = cap.get("gpt-4o");
        let b = cap.get("gpt-4o");
        assert!(Arc::ptr_eq(&a, &b));
    }
}
