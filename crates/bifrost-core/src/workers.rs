//! Which I/O worker the current thread is, so that per-worker resources stay on their thread.
//!
//! A server that runs one single-threaded runtime per core (as `bifrost-http` does by default)
//! keeps a request's tasks on one thread. Upstream HTTP clients are the one shared resource that
//! would pull work across threads: a pooled connection is served by a task on the runtime that
//! opened it. So each provider holds one client per worker ([`crate::providers::common::HttpClient`])
//! and every thread uses the client of its own slot.
//!
//! Call [`set_worker_count`] before building the engine, and [`enter_worker`] at the start of
//! each worker thread. Threads that never call it (tests, background tasks) use slot 0.

use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

static WORKER_COUNT: AtomicUsize = AtomicUsize::new(1);

thread_local! {
    static WORKER_SLOT: Cell<Option<usize>> = const { Cell::new(None) };
}

/// Declares how many I/O workers the process runs (at least 1). Clients built afterwards get one
/// pool per worker.
pub fn set_worker_count(count: usize) {
    WORKER_COUNT.store(count.max(1), Ordering::Relaxed);
}

/// The number of I/O workers declared with [`set_worker_count`] (1 by default).
pub fn worker_count() -> usize {
    WORKER_COUNT.load(Ordering::Relaxed)
}

/// Marks the current thread as worker `slot` (0-based).
pub fn enter_worker(slot: usize) {
    WORKER_SLOT.with(|s| s.set(Some(slot)));
}

/// The current thread's worker slot (0 outside worker threads).
#[inline]
pub fn current_slot() -> usize {
    current_worker().unwrap_or(0)
}

/// The current thread's worker slot, or `None` outside worker threads.
#[inline]
pub fn current_worker() -> Option<usize> {
    WORKER_SLOT.with(Cell::get)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_per_thread() {
        enter_worker(3);
        assert_eq!(current_slot(), 3);
        let other = std::thread::spawn(current_slot)
            .join()
            .unwrap_or(usize::MAX);
        assert_eq!(other, 0);
        let outside = std::thread::spawn(current_worker).join().unwrap_or(Some(0));
        assert_eq!(outside, None);
        assert_eq!(current_worker(), Some(3));
        enter_worker(0);
    }
}
