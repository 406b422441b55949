//! [`RequestLogger`]: the bounded queue, the background writer, and the live feed.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bifrost_framework::{LogEntry, LogStore, StoreError, StoreResult};
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::config::LoggingConfig;
use crate::live::LiveLog;
use crate::plugin::LoggingPlugin;
use crate::retention;

/// How often the writer collects queued entries (and answers flush and stop requests).
const DRAIN_TICK: Duration = Duration::from_millis(20);

/// What the writer task receives.
enum Msg {
    Entry(Box<LogEntry>),
    Flush(oneshot::Sender<()>),
    Stop(oneshot::Sender<()>),
}

struct Inner {
    config: LoggingConfig,
    headers: Vec<String>,
    store: Arc<dyn LogStore>,
    tx: mpsc::Sender<Msg>,
    dropped: AtomicU64,
    failed: Arc<AtomicU64>,
    live: broadcast::Sender<LiveLog>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
    /// The runtime the logger was started on: the store's connections are driven there.
    home: tokio::runtime::Handle,
}

/// The request logger: queue, writer and live feed. Cheap to clone (one `Arc`); every clone and
/// every [`LoggingPlugin`] made from it share the same queue.
#[derive(Clone)]
pub struct RequestLogger {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for RequestLogger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestLogger")
            .field("backend", &self.inner.store.backend())
            .field("config", &self.inner.config)
            .field("dropped", &self.dropped())
            .finish()
    }
}

impl RequestLogger {
    /// Starts the writer (and the retention cleaner, when a retention period is set) on the
    /// current Tokio runtime.
    pub fn start(store: Arc<dyn LogStore>, config: LoggingConfig) -> Self {
        let (tx, rx) = mpsc::channel(config.queue_capacity.max(1));
        let (live, _) = broadcast::channel(config.live_capacity.max(1));
        let failed = Arc::new(AtomicU64::new(0));
        let writer = Writer {
            rx,
            store: store.clone(),
            live: live.clone(),
            batch_size: config.batch_size.max(1),
            failed: failed.clone(),
        };
        let mut tasks = vec![tokio::spawn(writer.run(config.flush_interval))];
        if let Some(days) = config.retention_days.filter(|d| *d > 0) {
            tasks.push(tokio::spawn(retention::run(
                store.clone(),
                days,
                config.retention_interval,
            )));
        }
        Self {
            inner: Arc::new(Inner {
                headers: config.loggable_headers(),
                config,
                store,
                tx,
                dropped: AtomicU64::new(0),
                failed,
                live,
                tasks: Mutex::new(tasks),
                home: tokio::runtime::Handle::current(),
            }),
        }
    }

    /// The plugin that feeds this logger; register it with the engine.
    pub fn plugin(&self) -> LoggingPlugin {
        LoggingPlugin::new(self.clone())
    }

    /// The store entries are written to (the log API reads from it).
    pub fn store(&self) -> &Arc<dyn LogStore> {
        &self.inner.store
    }

    /// The settings in use.
    pub fn config(&self) -> &LoggingConfig {
        &self.inner.config
    }

    /// Runs a store operation (a log API query) on the runtime the logger was started on, where
    /// the store's connections live, whichever runtime the caller is on. Gateways that serve
    /// requests on several runtimes call the store through this.
    pub async fn query<T, F, Fut>(&self, op: F) -> StoreResult<T>
    where
        F: FnOnce(Arc<dyn LogStore>) -> Fut,
        Fut: std::future::Future<Output = StoreResult<T>> + Send + 'static,
        T: Send + 'static,
    {
        let fut = op(self.inner.store.clone());
        self.inner
            .home
            .spawn(fut)
            .await
            .unwrap_or_else(|e| Err(StoreError::Io(format!("log store query failed: {e}"))))
    }

    /// Headers copied into `metadata`.
    pub(crate) fn headers(&self) -> &[String] {
        &self.inner.headers
    }

    /// Entries dropped because the queue was full (or the logger was shut down).
    pub fn dropped(&self) -> u64 {
        self.inner.dropped.load(Ordering::Relaxed)
    }

    /// Entries lost because the store refused a batch twice.
    pub fn write_failures(&self) -> u64 {
        self.inner.failed.load(Ordering::Relaxed)
    }

    /// A receiver of every entry stored from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<LiveLog> {
        self.inner.live.subscribe()
    }

    /// Queues `entry` without waiting; a full queue drops it and counts the drop.
    pub fn submit(&self, entry: LogEntry) {
        if self.inner.tx.try_send(Msg::Entry(Box::new(entry))).is_err() {
            let n = self.inner.dropped.fetch_add(1, Ordering::Relaxed) + 1;
            if n.is_power_of_two() {
                tracing::warn!(
                    dropped = n,
                    "request log queue is full; log entries dropped"
                );
            }
        }
    }

    /// Waits until every entry queued before this call is stored (or failed to store).
    pub async fn flush(&self) {
        let (ack, done) = oneshot::channel();
        if self.inner.tx.send(Msg::Flush(ack)).await.is_ok() {
            let _ = done.await;
        }
    }

    /// Stores everything queued, then stops the writer and the retention cleaner. Entries
    /// submitted afterwards are dropped.
    pub async fn shutdown(&self) {
        let (ack, done) = oneshot::channel();
        if self.inner.tx.send(Msg::Stop(ack)).await.is_ok() {
            let _ = done.await;
        }
        let tasks =
            std::mem::take(&mut *self.inner.tasks.lock().unwrap_or_else(|e| e.into_inner()));
        for t in tasks {
            t.abort();
            let _ = t.await;
        }
    }

    /// Deletes rows older than the retention period now; returns how many.
    pub async fn apply_retention(&self) -> StoreResult<u64> {
        match self.inner.config.retention_days.filter(|d| *d > 0) {
            Some(days) => retention::apply(self.inner.store.as_ref(), days).await,
            None => Ok(0),
        }
    }
}

/// The background task that turns queued entries into batched inserts.
struct Writer {
    rx: mpsc::Receiver<Msg>,
    store: Arc<dyn LogStore>,
    live: broadcast::Sender<LiveLog>,
    batch_size: usize,
    failed: Arc<AtomicU64>,
}

impl Writer {
    /// Collects queued entries on a short tick and writes them in batches: a full batch at once,
    /// anything else at least every `every`. The task polls rather than waiting on each entry,
    /// because a wake-up per entry would cost the serving threads a cross-thread wake-up per
    /// request; `DRAIN_TICK` keeps the queue far from full at any request rate.
    async fn run(mut self, every: Duration) {
        let mut batch: Vec<LogEntry> = Vec::with_capacity(self.batch_size);
        let mut ticker = tokio::time::interval(every.clamp(Duration::from_millis(1), DRAIN_TICK));
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last_write = tokio::time::Instant::now();
        loop {
            ticker.tick().await;
            loop {
                match self.rx.try_recv() {
                    Ok(Msg::Entry(e)) => {
                        batch.push(*e);
                        if batch.len() >= self.batch_size {
                            self.write(&mut batch).await;
                            last_write = tokio::time::Instant::now();
                        }
                    }
                    Ok(Msg::Flush(ack)) => {
                        self.write(&mut batch).await;
                        last_write = tokio::time::Instant::now();
                        let _ = ack.send(());
                    }
                    Ok(Msg::Stop(ack)) => {
                        self.write(&mut batch).await;
                        self.rx.close();
                        let _ = ack.send(());
                        return;
                    }
                    Err(mpsc::error::TryRecvError::Empty) => break,
                    Err(mpsc::error::TryRecvError::Disconnected) => {
                        self.write(&mut batch).await;
                        return;
                    }
                }
            }
            if !batch.is_empty() && last_write.elapsed() >= every {
                self.write(&mut batch).await;
                last_write = tokio::time::Instant::now();
            }
        }
    }

    /// Writes `batch` (one retry on failure), then announces the stored entries.
    async fn write(&self, batch: &mut Vec<LogEntry>) {
        if batch.is_empty() {
            return;
        }
        let mut result = self.store.insert_batch(batch).await;
        if let Err(e) = &result {
            tracing::warn!(error = %e, entries = batch.len(), "writing request logs failed; retrying");
            tokio::time::sleep(Duration::from_millis(100)).await;
            result = self.store.insert_batch(batch).await;
        }
        match result {
            Ok(_) => {
                let announce = self.live.receiver_count() > 0;
                for entry in batch.drain(..) {
                    if announce {
                        let _ = self.live.send(LiveLog::new(Arc::new(entry)));
                    }
                }
            }
            Err(e) => {
                tracing::error!(error = %e, entries = batch.len(), "request logs lost: the log store refused them");
                self.failed.fetch_add(batch.len() as u64, Ordering::Relaxed);
                batch.clear();
            }
        }
    }
}
