//! A live run's metrics in the Prometheus text format (version 0.0.4), served over HTTP by a small server of
//! its own thread: `GET /metrics` (or `/`) answers the latest [`LiveStatus`]; anything else is 404. One
//! request at a time, each with a 2 s read timeout and at most 8 KiB of request read.

use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use barsmith_core::Named;

use super::LiveStatus;
use crate::error::Error;

/// How often the server looks for a connection or a stop.
const ACCEPT_POLL: Duration = Duration::from_millis(25);

/// The most of a request that is read.
const MAX_REQUEST: usize = 8 << 10;

/// What the metrics show: the last status, and the trade rate between the last two.
#[derive(Debug, Default)]
struct State {
    status: LiveStatus,
    trades_per_second: f64,
    at: Option<Instant>,
}

/// The HTTP server of a run's metrics; stopped when dropped.
pub struct MetricsServer {
    address: SocketAddr,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for MetricsServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsServer").field("address", &self.address).finish_non_exhaustive()
    }
}

impl MetricsServer {
    /// Listens on `address` (`127.0.0.1:9184`, `[::]:9184`; port 0 picks a free one: see
    /// [`MetricsServer::address`]). A bad or busy address is refused, naming the setting `metrics`.
    pub fn start(address: &str) -> Result<MetricsServer, Error> {
        let refused =
            |problem: String| Error::usage(Named::from_setting("metrics").then(format!(" {address}: {problem}")));
        let listener = TcpListener::bind(address).map_err(|e| refused(format!("cannot listen there ({e})")))?;
        let address = listener.local_addr().map_err(|e| refused(e.to_string()))?;
        listener.set_nonblocking(true).map_err(|e| refused(e.to_string()))?;
        let state = Arc::new(Mutex::new(State::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let (thread_state, thread_stop) = (Arc::clone(&state), Arc::clone(&stop));
        let thread = std::thread::Builder::new()
            .name("barsmith-live-metrics".into())
            .spawn(move || serve(&listener, &thread_state, &thread_stop))
            .map_err(|e| refused(e.to_string()))?;
        Ok(MetricsServer { address, state, stop, thread: Some(thread) })
    }

    /// The address it listens on (with the port chosen for port 0).
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The run's latest status (from [`super::LiveObserver::status`]).
    pub fn update(&self, status: &LiveStatus) {
        let mut state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let now = Instant::now();
        if let Some(at) = state.at {
            let seconds = now.duration_since(at).as_secs_f64();
            if seconds > 0.0 {
                state.trades_per_second = status.trades.saturating_sub(state.status.trades) as f64 / seconds;
            }
        }
        state.status = *status;
        state.at = Some(now);
    }

    /// The metrics as the server answers them.
    pub fn render(&self) -> String {
        render(&self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner()))
    }
}

impl Drop for MetricsServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(listener: &TcpListener, state: &Mutex<State>, stop: &AtomicBool) {
    while !stop.load(Ordering::Relaxed) {
        match listener.accept() {
            Ok((stream, _)) => {
                // A client that misbehaves only loses its own answer.
                let _ = answer(stream, state);
            }
            Err(_) => std::thread::sleep(ACCEPT_POLL),
        }
    }
}

/// Reads one request's head and answers it.
fn answer(mut stream: TcpStream, state: &Mutex<State>) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(2)))?;
    stream.set_write_timeout(Some(Duration::from_secs(2)))?;
    let mut request = Vec::new();
    let mut buffer = [0u8; 1024];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < MAX_REQUEST {
        let read = stream.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        request.extend_from_slice(&buffer[..read]);
    }
    let line = request.split(|&b| b == b'\r' || b == b'\n').next().unwrap_or_default();
    let mut parts = line.split(|&b| b == b' ');
    let (method, path) = (parts.next().unwrap_or_default(), parts.next().unwrap_or_default());
    let path = path.split(|&b| b == b'?').next().unwrap_or_default();
    let (status, body) = match (method, path) {
        (b"GET", b"/metrics" | b"/") => {
            ("200 OK", render(&state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())))
        }
        (b"GET", _) => ("404 Not Found", "not found: the metrics are at /metrics\n".to_string()),
        _ => ("405 Method Not Allowed", "only GET\n".to_string()),
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(body.as_bytes())?;
    stream.flush()
}

/// The Prometheus text of `state`.
fn render(state: &State) -> String {
    let s = &state.status;
    let lag = s.lag_ms.map_or(f64::NAN, |ms| ms as f64 / 1000.0);
    let metrics: [(&str, &str, &str, f64); 13] = [
        ("trades_total", "counter", "Trades handed to the bar pipelines.", s.trades as f64),
        (
            "trades_per_second",
            "gauge",
            "Trades per second between the last two status updates (about 1 s apart).",
            state.trades_per_second,
        ),
        ("lag_seconds", "gauge", "Wall clock minus the exchange time of the newest trade (NaN before the first).", lag),
        ("connections_total", "counter", "WebSocket connections opened (the first included).", s.connections as f64),
        (
            "reconnects_total",
            "counter",
            "Connections opened after the first (reconnects and replacements).",
            s.connections.saturating_sub(1) as f64,
        ),
        ("rest_trades_total", "counter", "Trades REST supplied (catch-up after connects, holes).", s.from_rest as f64),
        (
            "exchange_gaps_total",
            "counter",
            "Exchange gaps: runs of ids REST shows were never published.",
            s.exchange_gaps as f64,
        ),
        ("missing_ids_total", "counter", "Ids in the exchange gaps.", s.missing_ids as f64),
        ("duplicates_total", "counter", "Trades received twice (dropped by id).", s.duplicates as f64),
        ("out_of_order_total", "counter", "Trades received out of order (put back in order).", s.out_of_order as f64),
        ("bars_total", "counter", "Completed bars emitted (every symbol and threshold).", s.bars as f64),
        ("queue_depth", "gauge", "Messages read from the socket and waiting to be handled.", s.queued as f64),
        (
            "queue_capacity",
            "gauge",
            "The most messages that wait per socket (a full queue stops the reads).",
            s.queue_bound as f64,
        ),
    ];
    let mut text = String::new();
    for (name, kind, help, value) in metrics {
        let value = if value.is_nan() { "NaN".to_string() } else { value.to_string() };
        let _ = write!(
            text,
            "# HELP barsmith_live_{name} {help}\n# TYPE barsmith_live_{name} {kind}\nbarsmith_live_{name} {value}\n"
        );
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(address: SocketAddr, path: &str) -> String {
        let mut stream = TcpStream::connect(address).unwrap();
        write!(stream, "GET {path} HTTP/1.1\r\nHost: test\r\n\r\n").unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        answer
    }

    #[test]
    fn serves_the_latest_status_as_prometheus_text_on_a_free_port() {
        let server = MetricsServer::start("127.0.0.1:0").unwrap();
        assert_ne!(server.address().port(), 0);
        let answer = get(server.address(), "/metrics");
        assert!(answer.starts_with("HTTP/1.1 200 OK\r\n") && answer.contains("text/plain; version=0.0.4"), "{answer}");
        assert!(
            answer.contains("\nbarsmith_live_trades_total 0\n") && answer.contains("barsmith_live_lag_seconds NaN")
        );
        let status = LiveStatus {
            trades: 1234,
            lag_ms: Some(1500),
            connections: 3,
            from_rest: 40,
            exchange_gaps: 1,
            missing_ids: 10,
            bars: 7,
            queued: 5,
            queue_bound: 8192,
            ..LiveStatus::default()
        };
        server.update(&status);
        let answer = get(server.address(), "/metrics");
        for line in [
            "# TYPE barsmith_live_trades_total counter\nbarsmith_live_trades_total 1234\n",
            "barsmith_live_lag_seconds 1.5\n",
            "barsmith_live_reconnects_total 2\n",
            "barsmith_live_rest_trades_total 40\n",
            "barsmith_live_exchange_gaps_total 1\n",
            "barsmith_live_bars_total 7\n",
            "# TYPE barsmith_live_queue_depth gauge\nbarsmith_live_queue_depth 5\n",
        ] {
            assert!(answer.contains(line), "{line:?} not in {answer}");
        }
        assert!(get(server.address(), "/other").starts_with("HTTP/1.1 404"));
    }

    #[test]
    fn a_busy_address_is_refused_naming_the_setting() {
        let first = MetricsServer::start("127.0.0.1:0").unwrap();
        let error = MetricsServer::start(&first.address().to_string()).unwrap_err();
        assert!(error.describe(&|name| format!("<{name}>")).starts_with("<metrics> 127.0.0.1:"), "{error}");
    }
}
