//! A Binance Vision mirror for tests: a tiny_http server on 127.0.0.1 (port chosen by the OS) serving
//! generated archives in the remote layout, with faults to inject per path.
//!
//! Shared by `crates/barsmith/tests/fetch.rs` and `crates/cli/tests/fetch_check.rs` (included by path until
//! the dev-only test-support crate exists). Nothing here reaches another host.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{Cursor, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use barsmith::calendar::Day;
use barsmith::check::checksum::{format_checksum, sha256_reader};
use barsmith::generate::{GenConfig, GenFormat, TradeGenerator, write_row};

/// A fault served instead of the normal response, for the first `times` requests of a path.
#[derive(Clone, Copy, Debug)]
pub enum Fault {
    /// Send the headers (with the full Content-Length) and this many bytes of the body, then stop sending:
    /// the transfer breaks off half-way and the client gives up on it after its read timeout.
    BreakAfter { bytes: usize, times: u32 },
    /// Wait this long before answering at all.
    Delay { delay: Duration, times: u32 },
    /// Answer 503.
    Unavailable { times: u32 },
}

impl Fault {
    fn times(self) -> u32 {
        match self {
            Fault::BreakAfter { times, .. } | Fault::Delay { times, .. } | Fault::Unavailable { times } => times,
        }
    }
}

#[derive(Debug, Default)]
struct State {
    files: HashMap<String, Vec<u8>>,
    faults: HashMap<String, (Fault, u32)>,
    /// (method, path, Range header) of every request, in arrival order.
    requests: Vec<(String, String, Option<String>)>,
}

/// The running server; stopped and joined when dropped.
pub struct Mirror {
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    server: Arc<tiny_http::Server>,
    thread: Option<JoinHandle<()>>,
}

impl Mirror {
    /// Starts an empty mirror.
    pub fn start() -> Mirror {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind 127.0.0.1:0"));
        let port = server.server_addr().to_ip().expect("an IP listener").port();
        let state = Arc::new(Mutex::new(State::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (server, state, stop) = (Arc::clone(&server), Arc::clone(&state), Arc::clone(&stop));
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    if let Ok(Some(request)) = server.recv_timeout(Duration::from_millis(50)) {
                        let state = Arc::clone(&state);
                        std::thread::spawn(move || serve(request, &state));
                    }
                }
            })
        };
        Mirror { base_url: format!("http://127.0.0.1:{port}"), state, stop, server, thread: Some(thread) }
    }

    /// Serves `bytes` at `path` (`/data/…`).
    pub fn put(&self, path: &str, bytes: Vec<u8>) {
        self.state.lock().unwrap().files.insert(path.to_owned(), bytes);
    }

    /// Serves an archive holding one CSV, with its `.CHECKSUM` in the upstream format (or a wrong hash).
    /// Returns the archive's bytes.
    pub fn put_archive(&self, remote_path: &str, csv: &[u8], correct_checksum: bool) -> Vec<u8> {
        let name = remote_path.rsplit('/').next().unwrap();
        let archive = zip_one(&name.replace(".zip", ".csv"), csv);
        let mut sha = sha256_reader(&archive[..]).unwrap();
        if !correct_checksum {
            sha = sha256_reader(&b"something else"[..]).unwrap();
        }
        self.put(&format!("/{remote_path}"), archive.clone());
        self.put(&format!("/{remote_path}.CHECKSUM"), format_checksum(&sha, name).into_bytes());
        archive
    }

    /// Injects `fault` for the next requests of `path`.
    pub fn fault(&self, path: &str, fault: Fault) {
        self.state.lock().unwrap().faults.insert(path.to_owned(), (fault, 0));
    }

    /// Requests of `path` so far: (method, Range header).
    pub fn requests_for(&self, path: &str) -> Vec<(String, Option<String>)> {
        let state = self.state.lock().unwrap();
        state.requests.iter().filter(|(_, p, _)| p == path).map(|(m, _, r)| (m.clone(), r.clone())).collect()
    }

    /// Every request so far.
    pub fn request_count(&self) -> usize {
        self.state.lock().unwrap().requests.len()
    }
}

impl Drop for Mirror {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            thread.join().unwrap();
        }
    }
}

fn serve(request: tiny_http::Request, state: &Mutex<State>) {
    let method = request.method().as_str().to_owned();
    let path = request.url().split('?').next().unwrap_or("").to_owned();
    let range = request.headers().iter().find(|h| h.field.equiv("Range")).map(|h| h.value.as_str().to_owned());
    let (body, fault) = {
        let mut state = state.lock().unwrap();
        state.requests.push((method.clone(), path.clone(), range.clone()));
        let fault = match state.faults.get_mut(&path) {
            Some((fault, used)) if *used < fault.times() => {
                *used += 1;
                Some(*fault)
            }
            _ => None,
        };
        (state.files.get(&path).cloned(), fault)
    };
    let Some(body) = body else {
        let _ = request.respond(tiny_http::Response::empty(404));
        return;
    };
    match fault {
        Some(Fault::Delay { delay, .. }) => std::thread::sleep(delay),
        Some(Fault::Unavailable { .. }) => {
            let _ = request.respond(tiny_http::Response::empty(503));
            return;
        }
        Some(Fault::BreakAfter { bytes, .. }) => {
            let mut writer = request.into_writer();
            let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len());
            let _ = writer.write_all(head.as_bytes());
            let _ = writer.write_all(&body[..bytes.min(body.len())]);
            let _ = writer.flush();
            // The rest never comes; the client's read timeout ends the transfer.
            std::thread::sleep(Duration::from_secs(3));
            return;
        }
        None => {}
    }
    let header = |name: &str, value: String| tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()).unwrap();
    let start = range.as_deref().and_then(|r| r.strip_prefix("bytes=")).and_then(|r| r.strip_suffix('-'));
    let response = match start.map(|s| s.parse::<usize>().unwrap()) {
        Some(start) if start >= body.len() => tiny_http::Response::from_data(Vec::new())
            .with_status_code(416)
            .with_header(header("Content-Range", format!("bytes */{}", body.len()))),
        Some(start) => tiny_http::Response::from_data(body[start..].to_vec())
            .with_status_code(206)
            .with_header(header("Content-Range", format!("bytes {start}-{}/{}", body.len() - 1, body.len()))),
        None => tiny_http::Response::from_data(body),
    };
    let _ = request.respond(response);
}

/// A zip archive holding one deflated member.
pub fn zip_one(member: &str, bytes: &[u8]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    zip.start_file(member, options).unwrap();
    zip.write_all(bytes).unwrap();
    zip.finish().unwrap().into_inner()
}

/// A day of synthetic spot trades for `symbol_index` that continues the previous day's ids: the generator's
/// prices, sizes and same-timestamp runs, with the distinct timestamps spread evenly over the whole day (so that
/// consecutive days have no time gap longer than a day's share per record).
pub fn day_csv(symbol_index: u64, day: Day, day_index: u64, trades_per_day: u64) -> Vec<u8> {
    let config = GenConfig {
        seed: 1000 * symbol_index + day_index,
        trades: trades_per_day,
        start_time_us: day.days_since_epoch() * 86_400_000_000,
        first_agg_trade_id: 1_000_000 * (symbol_index as i64 + 1) + day_index as i64 * trades_per_day as i64,
        first_trade_id: 10_000_000 + day_index as i64 * 10 * trades_per_day as i64,
        ..GenConfig::default()
    };
    let day_start = config.start_time_us;
    let step = 86_400_000_000 / trades_per_day as i64;
    let mut csv = Vec::new();
    let mut previous_generated = None;
    let mut timestamp = day_start;
    for (index, mut trade) in TradeGenerator::new(config).enumerate() {
        if previous_generated != Some(trade.timestamp_us) {
            timestamp = day_start + index as i64 * step;
        }
        previous_generated = Some(trade.timestamp_us);
        trade.timestamp_us = timestamp;
        write_row(&mut csv, &trade, GenFormat::Spot).unwrap();
    }
    csv
}
