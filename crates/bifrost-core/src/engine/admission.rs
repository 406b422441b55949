//! Per-provider admission: `concurrency` calls in flight, up to `buffer_size` waiting.

use std::sync::atomic::{AtomicU32, Ordering};

use tokio::sync::{Semaphore, SemaphorePermit};

use crate::error::{BifrostError, ErrorKind};

/// Bounds the upstream calls of one provider.
#[derive(Debug)]
pub struct Admission {
    slots: Semaphore,
    concurrency: usize,
    waiting: AtomicU32,
    buffer_size: u32,
    drop_excess: bool,
}

struct WaitGuard<'a>(&'a AtomicU32);

impl Drop for WaitGuard<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Admission {
    /// `concurrency` slots; with `drop_excess`, requests beyond `buffer_size` waiters are
    /// rejected at once, otherwise they wait.
    pub fn new(concurrency: u32, buffer_size: u32, drop_excess: bool) -> Self {
        Self {
            slots: Semaphore::new(concurrency.max(1) as usize),
            concurrency: concurrency.max(1) as usize,
            waiting: AtomicU32::new(0),
            buffer_size,
            drop_excess,
        }
    }

    /// Takes a slot, waiting if needed.
    pub async fn acquire(&self, provider: &str) -> Result<SemaphorePermit<'_>, BifrostError> {
        if let Ok(permit) = self.slots.try_acquire() {
            return Ok(permit);
        }
        let queued = self.waiting.fetch_add(1, Ordering::Relaxed);
        let _guard = WaitGuard(&self.waiting);
        if self.drop_excess && queued >= self.buffer_size {
            return Err(BifrostError::new(
                ErrorKind::QueueFull,
                format!(
                    "request dropped: queue is full ({provider}: {} in flight, {} waiting; raise concurrency_and_buffer_size or turn off drop_excess_requests)",
                    self.in_flight(),
                    queued
                ),
            )
            .with_code("queue_full"));
        }
        self.slots
            .acquire()
            .await
            .map_err(|_| BifrostError::internal(format!("provider {provider} is shutting down")))
    }

    /// Calls in flight.
    pub fn in_flight(&self) -> usize {
        self.concurrency
            .saturating_sub(self.slots.available_permits())
    }

    /// Requests waiting for a slot.
    pub fn waiting(&self) -> u32 {
        self.waiting.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn drops_excess_when_asked() {
        let a = Admission::new(1, 0, true);
        let held = a.acquire("p").await.unwrap();
        let err = a.acquire("p").await.unwrap_err();
        assert_eq!(err.status(), 429);
        assert!(err.message().starts_with("request dropped: queue is full"));
        drop(held);
        assert!(a.acquire("p").await.is_ok());
    }

    #[tokio::test(start_paused = true)]
    async fn waits_when_not_dropping() {
        let a = std::sync::Arc::new(Admission::new(1, 0, false));
        let held = a.acquire("p").await.unwrap();
        let a2 = a.clone();
        let waiter = tokio::spawn(async move { a2.acquire("p").await.map(drop).is_ok() });
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        assert!(!waiter.is_finished());
        drop(held);
        assert!(waiter.await.unwrap());
    }
}
