//! A metric kept once per I/O worker and summed when exported.
//!
//! The gateway serves on one event loop per core. A counter or histogram shared by every
//! worker is a handful of atomic cache lines that every request moves from the other core's
//! cache to its own. [`Shards`] gives each worker its own copy of the metric (created on the
//! worker's first update), so an update touches only lines its core already holds, and folds
//! the copies into one series at scrape time: the export is exactly what one shared metric
//! would have shown.

use std::sync::OnceLock;

use prometheus::core::Collector;
use prometheus::proto::{Metric, MetricFamily, MetricType};

/// Copies kept per metric: one for threads outside the workers, the rest for workers (a
/// machine with more workers than that folds them onto the same copies).
const SHARDS: usize = 9;

/// The copy the current thread updates.
fn shard_index() -> usize {
    bifrost_core::workers::current_worker().map_or(0, |w| 1 + w % (SHARDS - 1))
}

/// One metric with fixed labels, kept per worker.
#[derive(Debug)]
pub struct Shards<M> {
    slots: [OnceLock<Option<M>>; SHARDS],
}

impl<M> Default for Shards<M> {
    fn default() -> Self {
        Self {
            slots: std::array::from_fn(|_| OnceLock::new()),
        }
    }
}

impl<M: Collector> Shards<M> {
    /// No copy yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The current thread's copy, created with `make` on first use (`None` when the metric
    /// cannot be created: the update is then skipped, as `make` already logged why).
    pub fn get_or_init(&self, make: impl FnOnce() -> Option<M>) -> Option<&M> {
        self.slots[shard_index()].get_or_init(make).as_ref()
    }

    /// True when some thread recorded into this metric.
    pub fn exists(&self) -> bool {
        self.slots.iter().any(|s| matches!(s.get(), Some(Some(_))))
    }

    /// Appends the metric, its copies summed into one series (nothing when none exists).
    pub fn collect_into(&self, out: &mut Vec<MetricFamily>) {
        let mut merged: Option<Vec<MetricFamily>> = None;
        for metric in self.slots.iter().filter_map(|s| s.get()).flatten() {
            let families = metric.collect();
            match &mut merged {
                None => merged = Some(families),
                Some(into) => {
                    for (into, from) in into.iter_mut().zip(&families) {
                        merge_family(into, from);
                    }
                }
            }
        }
        out.extend(merged.into_iter().flatten());
    }
}

/// Adds `from`'s samples to `into`'s (same family, same labels).
fn merge_family(into: &mut MetricFamily, from: &MetricFamily) {
    let kind = into.get_field_type();
    for (into, from) in into.mut_metric().iter_mut().zip(from.get_metric()) {
        merge_metric(kind, into, from);
    }
}

fn merge_metric(kind: MetricType, into: &mut Metric, from: &Metric) {
    match kind {
        MetricType::COUNTER => {
            let mut sum = into.get_counter().clone();
            sum.set_value(sum.get_value() + from.get_counter().get_value());
            into.set_counter(sum);
        }
        MetricType::GAUGE => {
            let mut sum = into.get_gauge().clone();
            sum.set_value(sum.get_value() + from.get_gauge().get_value());
            into.set_gauge(sum);
        }
        MetricType::HISTOGRAM => {
            let (a, b) = (into.get_histogram(), from.get_histogram());
            let mut sum = a.clone();
            sum.set_sample_count(a.get_sample_count() + b.get_sample_count());
            sum.set_sample_sum(a.get_sample_sum() + b.get_sample_sum());
            let buckets = a
                .get_bucket()
                .iter()
                .zip(b.get_bucket())
                .map(|(x, y)| {
                    let mut bucket = x.clone();
                    bucket.set_cumulative_count(x.cumulative_count() + y.cumulative_count());
                    bucket
                })
                .collect();
            sum.set_bucket(buckets);
            into.set_histogram(sum);
        }
        // Not used with shards.
        MetricType::SUMMARY | MetricType::UNTYPED => {}
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use prometheus::{Histogram, HistogramOpts, IntCounter, IntGauge, Opts};

    use super::*;

    fn counter() -> Option<IntCounter> {
        IntCounter::with_opts(
            Opts::new("c_total", "c").const_labels(
                [("provider".to_owned(), "openai".to_owned())]
                    .into_iter()
                    .collect(),
            ),
        )
        .ok()
    }

    fn histogram() -> Option<Histogram> {
        Histogram::with_opts(HistogramOpts::new("h", "h").buckets(vec![1.0, 10.0])).ok()
    }

    /// Records from the calling thread as worker `slot` (or as a non-worker thread).
    fn on_thread<F: FnOnce() + Send + 'static>(slot: Option<usize>, f: F) {
        std::thread::spawn(move || {
            if let Some(s) = slot {
                bifrost_core::workers::enter_worker(s);
            }
            f();
        })
        .join()
        .unwrap();
    }

    #[test]
    fn counters_from_every_worker_export_as_one_sum() {
        let shards = std::sync::Arc::new(Shards::new());
        for (slot, n) in [(None, 1), (Some(0), 2), (Some(1), 3), (Some(9), 4)] {
            let s = shards.clone();
            on_thread(slot, move || s.get_or_init(counter).unwrap().inc_by(n));
        }
        let mut out = Vec::new();
        shards.collect_into(&mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].name(), "c_total");
        let metrics = out[0].get_metric();
        assert_eq!(metrics.len(), 1);
        assert_eq!(metrics[0].get_counter().get_value(), 10.0);
        assert_eq!(metrics[0].get_label()[0].value(), "openai");
    }

    #[test]
    fn histograms_sum_counts_sums_and_buckets() {
        let shards = std::sync::Arc::new(Shards::new());
        for (slot, v) in [(Some(0), 0.5), (Some(1), 5.0), (Some(1), 50.0)] {
            let s = shards.clone();
            on_thread(slot, move || s.get_or_init(histogram).unwrap().observe(v));
        }
        let mut out = Vec::new();
        shards.collect_into(&mut out);
        let h = out[0].get_metric()[0].get_histogram();
        assert_eq!(h.get_sample_count(), 3);
        assert_eq!(h.get_sample_sum(), 55.5);
        let buckets: Vec<u64> = h
            .get_bucket()
            .iter()
            .map(|b| b.cumulative_count())
            .collect();
        assert_eq!(buckets, [1, 2]);
    }

    #[test]
    fn gauges_sum_and_nothing_is_exported_before_a_record() {
        let shards: std::sync::Arc<Shards<IntGauge>> = std::sync::Arc::new(Shards::new());
        let mut out = Vec::new();
        shards.collect_into(&mut out);
        assert!(out.is_empty());
        assert!(!shards.exists());
        let gauge = || IntGauge::new("g", "g").ok();
        let s = shards.clone();
        on_thread(Some(0), move || s.get_or_init(gauge).unwrap().inc());
        let s = shards.clone();
        on_thread(Some(1), move || {
            let g = s.get_or_init(gauge).unwrap();
            g.inc();
            g.inc();
            g.dec();
        });
        shards.collect_into(&mut out);
        assert_eq!(out[0].get_metric()[0].get_gauge().get_value(), 2.0);
        assert!(shards.exists());
    }
}
