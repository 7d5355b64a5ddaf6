//! The load generator's mail sink (`--smtp-sink ADDR`): a local SMTP listener that takes the
//! customer email the server sends (start the server with `--smtp-url smtp://ADDR`). After
//! the load it waits for messages to stop coming and reports how many arrived and how fast:
//! each accepted order's confirmation is one message.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// Receipt times, in arrival order.
type Times = Arc<Mutex<Vec<Instant>>>;

pub struct Sink {
    times: Times,
}

/// What the messages came to.
pub struct Received {
    pub messages: usize,
    /// Messages per second from the first to the last, and in the busiest second.
    pub rate: f64,
    pub peak: usize,
    pub drained_after: f64,
}

async fn session(socket: tokio::net::TcpStream, times: Times) -> std::io::Result<()> {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 sink ESMTP\r\n").await?;
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let upper = line.to_ascii_uppercase();
        if upper.starts_with("EHLO") {
            write.write_all(b"250-sink\r\n250 8BITMIME\r\n").await?;
        } else if upper.starts_with("DATA") {
            write.write_all(b"354 go ahead\r\n").await?;
            loop {
                line.clear();
                if lines.read_line(&mut line).await? == 0 {
                    return Ok(());
                }
                if line == ".\r\n" {
                    break;
                }
            }
            times.lock().unwrap_or_else(|e| e.into_inner()).push(Instant::now());
            write.write_all(b"250 OK queued\r\n").await?;
        } else if upper.starts_with("QUIT") {
            write.write_all(b"221 bye\r\n").await?;
            return Ok(());
        } else {
            write.write_all(b"250 OK\r\n").await?;
        }
    }
}

impl Sink {
    pub async fn start(addr: &str) -> anyhow::Result<Sink> {
        let listener =
            tokio::net::TcpListener::bind(addr).await.with_context(|| format!("binding the mail sink {addr}"))?;
        let times: Times = Arc::default();
        let shared = times.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                // As a mail server answers: each reply at once.
                let _ = socket.set_nodelay(true);
                tokio::spawn(session(socket, shared.clone()));
            }
        });
        Ok(Sink { times })
    }

    /// Waits until no message came for two seconds (at most `limit` after the load).
    pub async fn settle(&self, load_end: Instant, limit: Duration) -> Received {
        let mut last = (0, Instant::now());
        loop {
            tokio::time::sleep(Duration::from_millis(200)).await;
            let n = self.times.lock().unwrap_or_else(|e| e.into_inner()).len();
            if n != last.0 {
                last = (n, Instant::now());
            } else if last.1.elapsed() > Duration::from_secs(2) || load_end.elapsed() > limit {
                break;
            }
        }
        let times = self.times.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let (Some(first), Some(end)) = (times.first(), times.last()) else {
            return Received { messages: 0, rate: 0.0, peak: 0, drained_after: 0.0 };
        };
        let span = end.duration_since(*first).as_secs_f64().max(0.001);
        let mut peak = 0;
        let mut j = 0;
        for (i, t) in times.iter().enumerate() {
            while times[j] + Duration::from_secs(1) < *t {
                j += 1;
            }
            peak = peak.max(i - j + 1);
        }
        Received {
            messages: times.len(),
            rate: times.len() as f64 / span,
            peak,
            drained_after: end.saturating_duration_since(load_end).as_secs_f64(),
        }
    }
}
