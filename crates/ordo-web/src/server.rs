//! The connection loop: the router served over HTTP/1.1 with the limits a server facing the
//! internet needs. A client that has not sent a whole request head within the header timeout
//! (including a connection that sends nothing, or sits idle between requests) is
//! disconnected; a body that trickles in slower than the body timeout is answered 408 (in the
//! body reader, `extract.rs`); at most `max_connections` are open at once, further ones are
//! closed as soon as they are accepted, so that idle connections can never starve the
//! clients that are being served of memory or file descriptors.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};

#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// How long a client may take to send a request's head (and how long a connection may
    /// sit idle waiting for the next one).
    pub header_timeout: Duration,
    /// Connections open at once; more are closed on accept.
    pub max_connections: usize,
    /// How long in-flight requests may finish after a shutdown signal.
    pub drain: Duration,
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig { header_timeout: Duration::from_secs(10), max_connections: 10_000, drain: Duration::from_secs(10) }
    }
}

/// Serves `router` on `listener` until `shutdown` completes, then lets open requests finish
/// (up to `drain`).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    config: ServeConfig,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let permits = Arc::new(Semaphore::new(config.max_connections));
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                // Out of file descriptors and the like: wait a moment rather than spin.
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            tracing::warn!(%peer, limit = config.max_connections, "too many connections; closing a new one");
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        // The client's address, for handlers and limits that need it.
        let service = TowerToHyperService::new(tower::ServiceExt::map_request(
            router.clone(),
            move |mut req: hyper::Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(axum::extract::ConnectInfo(peer));
                req
            },
        ));
        let mut stop = stop_rx.clone();
        let header_timeout = config.header_timeout;
        tokio::spawn(async move {
            let _permit = permit;
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder.timer(TokioTimer::new()).header_read_timeout(header_timeout).keep_alive(true);
            let conn = builder.serve_connection(TokioIo::new(stream), service);
            let mut conn = std::pin::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                () = async { drop(stop.wait_for(|s| *s).await) } => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
        });
    }
    drop(listener);
    let _ = stop_tx.send(true);
    // Every connection holds a permit until it ends: having them all back means all ended.
    let all = u32::try_from(config.max_connections).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(config.drain, permits.acquire_many(all)).await;
    Ok(())
}
