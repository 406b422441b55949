//! Serving on one single-threaded runtime per core.
//!
//! Each worker thread runs its own current-thread tokio runtime with its own listening socket on
//! the same address (`SO_REUSEPORT`: the kernel spreads incoming connections over the workers),
//! and uses its own upstream connection pools ([`bifrost_core::workers`]). A request is read,
//! dispatched, sent upstream and answered without leaving its thread: no cross-thread wake-ups,
//! no work stealing, the way nginx runs one event loop per worker process. Background work
//! (exporters, log writers, signal handling) stays on the main runtime.

use std::net::SocketAddr;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use axum::ServiceExt;
use axum::serve::ListenerExt;
use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::{oneshot, watch};

use crate::service::GatewayService;

/// Pending connections each worker's socket queues before accepting.
const BACKLOG: u32 = 4096;

/// The worker count to use when none is configured: one per available core.
pub fn default_count() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

/// Worker threads serving one router.
#[derive(Debug)]
pub struct WorkerPool {
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    done: Vec<oneshot::Receiver<std::io::Result<()>>>,
    threads: Vec<JoinHandle<()>>,
}

fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    #[cfg(all(unix, not(target_os = "solaris"), not(target_os = "illumos")))]
    socket.set_reuseport(true)?;
    socket.set_nodelay(true)?;
    socket.bind(addr)?;
    socket.listen(BACKLOG)
}

/// One worker: binds `addr`, reports the bound address, serves until `stop` turns true.
fn run_worker(
    slot: usize,
    addr: SocketAddr,
    service: GatewayService,
    mut stop: watch::Receiver<bool>,
    bound: mpsc::Sender<std::io::Result<SocketAddr>>,
    done: oneshot::Sender<std::io::Result<()>>,
) {
    bifrost_core::workers::enter_worker(slot);
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            let _ = bound.send(Err(e));
            return;
        }
    };
    let result = runtime.block_on(async move {
        let listener = match bind(addr).and_then(|l| l.local_addr().map(|a| (l, a))) {
            Ok((listener, local)) => {
                let _ = bound.send(Ok(local));
                listener
            }
            Err(e) => {
                let _ = bound.send(Err(e));
                return Ok(());
            }
        };
        let listener = listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        tokio::spawn(keep_timer_wake_near());
        axum::serve(listener, service.into_make_service())
            .with_graceful_shutdown(async move {
                let _ = stop.wait_for(|s| *s).await;
            })
            .await
    });
    let _ = done.send(result);
}

/// How often a worker's timer wheel is guaranteed to have an entry due.
const TIMER_HEARTBEAT: Duration = Duration::from_secs(1);

/// Keeps a timer due within [`TIMER_HEARTBEAT`] on this worker, forever.
///
/// Every request arms a timeout (the attempt's `default_request_timeout_in_seconds`). When the
/// worker's timer wheel is otherwise empty, tokio's time driver treats each new timer as
/// earlier than its next wake-up and unparks the I/O driver for it: one `eventfd` write and one
/// extra event-loop turn per request. With this heartbeat pending, the next wake-up is never
/// more than a second away, request timeouts are later than that, and arming them is a plain
/// wheel insert. The cost is one timer firing per second per worker.
async fn keep_timer_wake_near() {
    let mut heartbeat = tokio::time::interval(TIMER_HEARTBEAT);
    heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        heartbeat.tick().await;
    }
}

impl WorkerPool {
    /// Starts `count` workers (at least one) serving `service` on `addr`. With port 0 the first
    /// worker picks a free port and the others join it. Returns once every worker listens.
    pub fn start(service: GatewayService, addr: SocketAddr, count: usize) -> std::io::Result<Self> {
        let (stop, stopped) = watch::channel(false);
        let mut pool = Self {
            addr,
            stop,
            done: Vec::new(),
            threads: Vec::new(),
        };
        for slot in 0..count.max(1) {
            let (bound_tx, bound_rx) = mpsc::channel();
            let (done_tx, done_rx) = oneshot::channel();
            let (service, stopped, target) = (service.clone(), stopped.clone(), pool.addr);
            let thread = std::thread::Builder::new()
                .name(format!("bifrost-worker-{slot}"))
                .spawn(move || run_worker(slot, target, service, stopped, bound_tx, done_tx))?;
            pool.threads.push(thread);
            pool.done.push(done_rx);
            let bound = bound_rx.recv().map_err(|_| {
                std::io::Error::other(format!("worker {slot} stopped before listening"))
            });
            match bound.and_then(|r| r) {
                Ok(local) => pool.addr = local,
                Err(e) => {
                    let _ = pool.stop.send(true);
                    return Err(e);
                }
            }
        }
        Ok(pool)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The number of workers.
    pub fn len(&self) -> usize {
        self.threads.len()
    }

    /// Always false: a pool has at least one worker.
    pub fn is_empty(&self) -> bool {
        self.threads.is_empty()
    }

    /// Stops accepting connections and waits up to `grace` for every worker's in-flight requests
    /// and streams. Returns false when the grace period ran out with work still in flight.
    pub async fn shutdown(self, grace: Duration) -> bool {
        let _ = self.stop.send(true);
        let all = futures::future::join_all(self.done);
        match tokio::time::timeout(grace, all).await {
            Ok(results) => {
                for result in results {
                    if let Ok(Err(e)) = result {
                        tracing::warn!(error = %e, "a worker stopped with an error");
                    }
                }
                true
            }
            Err(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use axum::Router;
    use axum::routing::get;

    use super::*;

    #[tokio::test]
    async fn workers_share_one_port_and_stop_gracefully() {
        bifrost_core::providers::common::ensure_crypto_provider();
        let router = Router::new().route("/", get(|| async { "ok" }));
        let service = GatewayService::new(router);
        let pool = WorkerPool::start(service, "127.0.0.1:0".parse().unwrap(), 2).unwrap();
        assert_eq!(pool.len(), 2);
        assert_ne!(pool.addr().port(), 0);
        let url = format!("http://{}/", pool.addr());
        for _ in 0..20 {
            // A fresh connection each time, so the kernel may pick either worker.
            let client = reqwest::Client::builder()
                .pool_max_idle_per_host(0)
                .build()
                .unwrap();
            let body = client.get(&url).send().await.unwrap().text().await.unwrap();
            assert_eq!(body, "ok");
        }
        assert!(pool.shutdown(Duration::from_secs(5)).await);
        let after = reqwest::Client::new().get(&url).send().await;
        assert!(after.is_err(), "no longer listening");
    }
}
