//! A Binance Vision mirror for tests (cargo feature `mirror`): a tiny_http server on 127.0.0.1 (port chosen by
//! the OS) serving generated archives in the remote layout, with faults to inject per path. Used by
//! `crates/binance/tests/fetch.rs` and `crates/cli/tests/fetch_check.rs`, and as a process (the
//! `vision-stand-in` binary, driven through [`control`]) by the Python tests. Nothing here reaches another host.

pub mod control;

use std::collections::HashMap;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::archives::zip_one;

/// A fault served instead of the normal response, for the first `times` requests of a path.
#[derive(Clone, Copy, Debug)]
pub enum Fault {
    /// Send the headers (with the full Content-Length) and this many bytes of the body, then stop sending:
    /// the transfer breaks off half-way and the client gives up on it after its read timeout.
    BreakAfter { bytes: usize, times: u32 },
    /// Wait this long before answering at all.
    Delay { delay: Duration, times: u32 },
    /// Answer with this status code and an empty body (503: the server is unavailable; 403: refused), whether
    /// the path is served or not.
    Status { code: u16, times: u32 },
    /// Send the whole body slowly: `chunk` bytes, then a `pause`, until it is sent or the client goes away.
    Trickle { chunk: usize, pause: Duration, times: u32 },
}

impl Fault {
    fn times(self) -> u32 {
        match self {
            Fault::BreakAfter { times, .. }
            | Fault::Delay { times, .. }
            | Fault::Status { times, .. }
            | Fault::Trickle { times, .. } => times,
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

    /// What is served at `path`, if anything.
    pub fn file(&self, path: &str) -> Option<Vec<u8>> {
        self.state.lock().unwrap().files.get(path).cloned()
    }

    /// Serves an archive holding one CSV, with its `.CHECKSUM` in the upstream format (or a wrong hash).
    /// Returns the archive's bytes.
    pub fn put_archive(&self, remote_path: &str, csv: &[u8], correct_checksum: bool) -> Vec<u8> {
        let name = remote_path.rsplit('/').next().unwrap();
        let archive = zip_one(&name.replace(".zip", ".csv"), csv);
        let sha = if correct_checksum { sha256_hex(&archive) } else { sha256_hex(b"something else") };
        self.put(&format!("/{remote_path}"), archive.clone());
        self.put(&format!("/{remote_path}.CHECKSUM"), format!("{sha}  {name}\n").into_bytes());
        archive
    }

    /// Injects `fault` for the next requests of `path`.
    pub fn fault(&self, path: &str, fault: Fault) {
        self.state.lock().unwrap().faults.insert(path.to_owned(), (fault, 0));
    }

    /// Ends the fault of `path` (the next requests are answered normally).
    pub fn clear_fault(&self, path: &str) {
        self.state.lock().unwrap().faults.remove(path);
    }

    /// Every request so far, in arrival order: (method, path, Range header).
    pub fn requests(&self) -> Vec<(String, String, Option<String>)> {
        self.state.lock().unwrap().requests.clone()
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

impl std::fmt::Debug for Mirror {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mirror").field("base_url", &self.base_url).finish_non_exhaustive()
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
    if let Some(Fault::Status { code, .. }) = fault {
        let _ = request.respond(tiny_http::Response::empty(code));
        return;
    }
    let Some(body) = body else {
        let _ = request.respond(tiny_http::Response::empty(404));
        return;
    };
    match fault {
        Some(Fault::Delay { delay, .. }) => std::thread::sleep(delay),
        Some(fault @ (Fault::BreakAfter { .. } | Fault::Trickle { .. })) => {
            return send_faulty(request, &body, fault, method == "HEAD");
        }
        Some(Fault::Status { .. }) | None => {}
    }
    let _ = request.respond(ranged(range.as_deref(), body));
}

/// The normal answer: all of `body`, or from the start a `Range: bytes=N-` header asks for.
fn ranged(range: Option<&str>, body: Vec<u8>) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
    let header = |name: &str, value: String| tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()).unwrap();
    let start = range.and_then(|r| r.strip_prefix("bytes=")).and_then(|r| r.strip_suffix('-'));
    match start.map(|s| s.parse::<usize>().unwrap()) {
        Some(start) if start >= body.len() => tiny_http::Response::from_data(Vec::new())
            .with_status_code(416)
            .with_header(header("Content-Range", format!("bytes */{}", body.len()))),
        Some(start) => tiny_http::Response::from_data(body[start..].to_vec())
            .with_status_code(206)
            .with_header(header("Content-Range", format!("bytes {start}-{}/{}", body.len() - 1, body.len()))),
        None => tiny_http::Response::from_data(body),
    }
}

/// A 200 whose headers (written by hand, with the full Content-Length) are followed by a broken-off or slow body.
fn send_faulty(request: tiny_http::Request, body: &[u8], fault: Fault, head_only: bool) {
    let mut writer = request.into_writer();
    let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len());
    if writer.write_all(head.as_bytes()).and_then(|()| writer.flush()).is_err() || head_only {
        return;
    }
    match fault {
        Fault::BreakAfter { bytes, .. } => {
            let _ = writer.write_all(&body[..bytes.min(body.len())]);
            let _ = writer.flush();
            // The rest never comes; the client's read timeout ends the transfer.
            std::thread::sleep(Duration::from_secs(3));
        }
        Fault::Trickle { chunk, pause, .. } => {
            for piece in body.chunks(chunk.max(1)) {
                if writer.write_all(piece).and_then(|()| writer.flush()).is_err() {
                    return; // the client went away
                }
                std::thread::sleep(pause);
            }
        }
        Fault::Delay { .. } | Fault::Status { .. } => unreachable!("answered in `serve`"),
    }
}

/// SHA-256 of `bytes` as 64 lower-case hex digits (written here, independently of the library's hashing, so
/// that the checksum files the mirror serves check the library rather than echo it).
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|byte| format!("{byte:02x}")).collect()
}
