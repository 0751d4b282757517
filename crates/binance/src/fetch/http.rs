//! HTTP: one agent (ureq + rustls), bounded retries with backoff, and resumable downloads hashed while written.

use std::fs::OpenOptions;
use std::io::{self, Read, Write};
use std::path::Path;
use std::time::Duration;

use sha2::{Digest, Sha256};

use super::{FetchProgress, FetchRequest, ProxySetting};
use crate::check::checksum::{hash_into, to_hex};
use crate::error::{Error, Setting};

/// Longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Longest sleep between two looks at [`FetchProgress::cancelled`] during a retry pause.
const CANCEL_POLL: Duration = Duration::from_millis(50);

/// The failure of a fetch stopped by [`FetchProgress::cancelled`].
const CANCELLED: &str = "cancelled";

/// Largest `.CHECKSUM` response accepted (the real ones are about 100 bytes).
const MAX_SMALL_BODY: u64 = 64 * 1024;

/// What one attempt came to.
enum Attempt<T> {
    Done(T),
    /// A transient failure (timeout, lost connection, 5xx, 429): try again after a pause.
    Retry(String),
    /// A failure that another attempt will not fix (403, 401, …).
    Fatal(String),
}

/// A finished download in the `.part` file.
#[derive(Debug)]
pub(crate) struct Download {
    /// SHA-256 of the whole file, as hex.
    pub(crate) sha256: String,
    /// Bytes received over the network by all attempts of this download.
    pub(crate) received: u64,
    /// Bytes already in the `.part` file when the download began (a resumed download).
    pub(crate) resumed_from: u64,
}

/// The HTTP side of a fetch.
#[derive(Debug)]
pub(crate) struct Client {
    agent: ureq::Agent,
    retries: u32,
    backoff: Duration,
}

impl Client {
    /// An agent with the request's timeouts and proxy; HTTP status codes are handled here, not as errors.
    pub(crate) fn new(request: &FetchRequest) -> Result<Client, Error> {
        let proxy = match &request.proxy {
            ProxySetting::Direct => None,
            ProxySetting::FromEnvironment => ureq::Proxy::try_from_env(),
            ProxySetting::Url(url) => Some(
                ureq::Proxy::new(url)
                    .map_err(|e| Error::setting(Setting::Proxy, format!("{url:?} is not usable: {e}")))?,
            ),
        };
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .proxy(proxy)
            .timeout_connect(Some(request.connect_timeout))
            .timeout_per_read(Some(request.read_timeout))
            .timeout_recv_response(Some(request.read_timeout))
            .user_agent(concat!("barsmith/", env!("CARGO_PKG_VERSION")))
            .build();
        Ok(Client { agent: config.into(), retries: request.retries, backoff: request.backoff })
    }

    /// Runs `attempt` until it is done, fatal, or has failed `1 + retries` times, pausing with exponential
    /// backoff in between. The error names the last failure and the number of attempts.
    fn with_retries<T>(
        &self,
        url: &str,
        progress: &dyn FetchProgress,
        mut attempt: impl FnMut() -> Attempt<T>,
    ) -> Result<T, String> {
        let mut pause = self.backoff;
        for number in 1.. {
            if progress.cancelled() {
                return Err(format!("{url}: {CANCELLED}"));
            }
            match attempt() {
                Attempt::Done(value) => return Ok(value),
                Attempt::Fatal(reason) => return Err(format!("{url}: {reason}")),
                Attempt::Retry(reason) if number > self.retries => {
                    let attempts = if number == 1 { "1 attempt".to_owned() } else { format!("{number} attempts") };
                    return Err(format!("{url}: {reason} (gave up after {attempts})"));
                }
                Attempt::Retry(_) => {
                    let resume = std::time::Instant::now() + pause;
                    while !progress.cancelled() && std::time::Instant::now() < resume {
                        std::thread::sleep(CANCEL_POLL.min(resume - std::time::Instant::now()));
                    }
                    pause = (pause * 2).min(MAX_BACKOFF);
                }
            }
        }
        unreachable!("the loop returns")
    }

    /// A small text resource (a `.CHECKSUM`): `None` on 404.
    pub(crate) fn get_text(&self, url: &str, progress: &dyn FetchProgress) -> Result<Option<String>, String> {
        self.with_retries(url, progress, || {
            let mut response = match self.agent.get(url).call() {
                Ok(response) => response,
                Err(e) => return Attempt::Retry(e.to_string()),
            };
            match classify(response.status().as_u16()) {
                Status::Ok => {}
                Status::NotFound => return Attempt::Done(None),
                Status::Transient(reason) => return Attempt::Retry(reason),
                Status::Fatal(reason) => return Attempt::Fatal(reason),
            }
            let mut text = String::new();
            let body = response.body_mut().with_config().limit(MAX_SMALL_BODY).reader().read_to_string(&mut text);
            match body {
                Ok(_) => Attempt::Done(Some(text)),
                Err(e) => Attempt::Retry(format!("reading the response: {e}")),
            }
        })
    }

    /// Whether the server has `url` (a HEAD request; 404 = no).
    pub(crate) fn exists(&self, url: &str, progress: &dyn FetchProgress) -> Result<bool, String> {
        self.with_retries(url, progress, || match self.agent.head(url).call() {
            Err(e) => Attempt::Retry(e.to_string()),
            Ok(response) => match classify(response.status().as_u16()) {
                Status::Ok => Attempt::Done(true),
                Status::NotFound => Attempt::Done(false),
                Status::Transient(reason) => Attempt::Retry(reason),
                Status::Fatal(reason) => Attempt::Fatal(reason),
            },
        })
    }

    /// Downloads `url` into `part`, continuing a partial file with a Range request where the server allows it.
    /// `None` when the server answers 404.
    pub(crate) fn download(
        &self,
        url: &str,
        part: &Path,
        sized: &dyn Fn(u64),
        progress: &dyn FetchProgress,
    ) -> Result<Option<Download>, String> {
        let resumed_from = std::fs::metadata(part).map_or(0, |m| m.len());
        let mut received = 0;
        let mut size_told = false;
        let sha256 = self.with_retries(url, progress, || {
            self.download_attempt(url, part, progress, &mut received, &mut |size| {
                if !std::mem::replace(&mut size_told, true) {
                    sized(size);
                }
            })
        })?;
        Ok(sha256.map(|sha256| Download { sha256, received, resumed_from }))
    }

    /// One request: appends the rest of the file to `part` and returns the SHA-256 of the whole.
    fn download_attempt(
        &self,
        url: &str,
        part: &Path,
        progress: &dyn FetchProgress,
        received: &mut u64,
        sized: &mut dyn FnMut(u64),
    ) -> Attempt<Option<String>> {
        let offset = std::fs::metadata(part).map_or(0, |m| m.len());
        let mut request = self.agent.get(url);
        if offset > 0 {
            request = request.header("Range", format!("bytes={offset}-"));
        }
        let mut response = match request.call() {
            Ok(response) => response,
            Err(e) => return Attempt::Retry(e.to_string()),
        };
        let status = response.status().as_u16();
        let start = match (status, offset) {
            (200, _) => 0,
            (206, _) => {
                let range = response.headers().get("content-range").and_then(|v| v.to_str().ok());
                match range.and_then(content_range_start) {
                    Some(start) if start == offset => offset,
                    _ => return restart(part, format!("HTTP 206 with Content-Range {range:?} for offset {offset}")),
                }
            }
            (416, _) => return restart(part, "HTTP 416: the partial file does not fit the archive".to_owned()),
            _ => match classify(status) {
                Status::Ok => return Attempt::Fatal(format!("unexpected HTTP {status}")),
                Status::NotFound => return Attempt::Done(None),
                Status::Transient(reason) => return Attempt::Retry(reason),
                Status::Fatal(reason) => return Attempt::Fatal(reason),
            },
        };
        let expected_len = response.body().content_length().map(|len| start + len);
        if let Some(len) = expected_len {
            sized(len);
        }
        let mut body = response.body_mut().as_reader();
        match append_hashed(part, start, &mut body, progress, received) {
            Ok((length, _)) if expected_len.is_some_and(|expected| expected != length) => {
                Attempt::Retry(format!("the body ended after {length} of {} bytes", expected_len.unwrap_or_default()))
            }
            Ok((_, sha256)) => Attempt::Done(Some(sha256)),
            Err(AppendError::Network(e)) => {
                let kept = std::fs::metadata(part).map_or(0, |m| m.len());
                Attempt::Retry(format!("connection lost with {kept} bytes on disk: {e}"))
            }
            Err(AppendError::Disk(e)) => Attempt::Fatal(format!("{}: {e}", part.display())),
        }
    }
}

/// Throws the partial file away and asks for another attempt from the start.
fn restart<T>(part: &Path, reason: String) -> Attempt<T> {
    match std::fs::remove_file(part) {
        Ok(()) => Attempt::Retry(reason),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Attempt::Retry(reason),
        Err(e) => Attempt::Fatal(format!("{reason}; removing {}: {e}", part.display())),
    }
}

enum AppendError {
    Network(io::Error),
    Disk(io::Error),
}

/// Writes `body` to `part` from byte `start` on (dropping anything after it), hashing while writing (the
/// first `start` bytes are hashed from the file first): the file's final length and SHA-256.
fn append_hashed(
    part: &Path,
    start: u64,
    body: &mut impl Read,
    progress: &dyn FetchProgress,
    received: &mut u64,
) -> Result<(u64, String), AppendError> {
    let disk = AppendError::Disk;
    let mut file = OpenOptions::new().create(true).read(true).write(true).truncate(false).open(part).map_err(disk)?;
    file.set_len(start).map_err(disk)?;
    let mut hasher = Sha256::new();
    let prefix = hash_into(&mut (&mut file).take(start), &mut hasher).map_err(disk)?;
    if prefix != start {
        return Err(disk(io::Error::other(format!("the partial file shrank to {prefix} bytes while being read"))));
    }
    let mut file = io::BufWriter::with_capacity(256 * 1024, file);
    let mut buffer = vec![0u8; 64 * 1024];
    let mut length = start;
    loop {
        let read = match body.read(&mut buffer) {
            Ok(0) => break,
            Ok(read) => read,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                file.flush().map_err(disk)?;
                return Err(AppendError::Network(e));
            }
        };
        file.write_all(&buffer[..read]).map_err(disk)?;
        hasher.update(&buffer[..read]);
        length += read as u64;
        *received += read as u64;
        progress.received(read as u64);
        if progress.cancelled() {
            file.flush().map_err(disk)?;
            return Err(disk(io::Error::other(CANCELLED)));
        }
    }
    let file = file.into_inner().map_err(|e| disk(e.into_error()))?;
    file.sync_all().map_err(disk)?;
    Ok((length, to_hex(&hasher.finalize())))
}

/// How a status code is handled.
enum Status {
    Ok,
    NotFound,
    Transient(String),
    Fatal(String),
}

fn classify(status: u16) -> Status {
    match status {
        200..=299 => Status::Ok,
        404 => Status::NotFound,
        408 | 425 | 429 | 500..=599 => Status::Transient(format!("HTTP {status}")),
        _ => Status::Fatal(format!("HTTP {status}")),
    }
}

/// The first byte of `bytes START-END/TOTAL`.
fn content_range_start(value: &str) -> Option<u64> {
    let range = value.trim().strip_prefix("bytes")?.trim_start();
    range.split_once('-')?.0.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_range_and_status_rules() {
        assert_eq!(content_range_start("bytes 100-199/200"), Some(100));
        assert_eq!(content_range_start("bytes */200"), None);
        assert!(matches!(classify(404), Status::NotFound));
        assert!(matches!(classify(503), Status::Transient(_)));
        assert!(matches!(classify(403), Status::Fatal(_)));
    }
}
