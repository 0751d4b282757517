//! Binance Vision archives to disk, verified and resumable (cargo feature `fetch`; `barsmith fetch`; re-exported
//! as `barsmith::fetch`).
//!
//! [`fetch`] plans the archives of a [`FetchRequest`] (symbols × days or months), downloads them in parallel
//! and keeps each one only when its SHA-256 matches the `.CHECKSUM` published beside it:
//!
//! * the layout on disk mirrors the data site below `data/`:
//!   `OUT/spot/daily/aggTrades/BTCUSDT/BTCUSDT-aggTrades-2024-03-01.zip` with its `.zip.CHECKSUM` beside it;
//! * a download goes to `NAME.zip.part`, is hashed while written, and is renamed to `NAME.zip` only when the
//!   hash matches; a mismatch is downloaded once more (with a fresh `.CHECKSUM`), then reported;
//! * an interrupted download (a lost connection, a timeout, or an earlier run) continues from the `.part`
//!   file with an HTTP Range request where the server allows it;
//! * an archive already present with its `.CHECKSUM` is skipped (re-hashed first with
//!   [`FetchRequest::verify`]); one present without it is hashed and kept when it matches;
//! * 404 means the archive does not exist (the symbol did not trade, or the day is not published): it is
//!   listed as missing, not as a failure. Timeouts, lost connections, 429 and 5xx are retried with
//!   exponential backoff; other statuses fail at once.
//!
//! ```no_run
//! use barsmith_binance::fetch::{FetchRequest, Market, NoProgress, fetch};
//! # fn main() -> Result<(), barsmith_binance::Error> {
//! let request = FetchRequest::new(
//!     vec!["BTCUSDT".into()],
//!     Market::Spot,
//!     ("2024-03-01".parse()?, "2024-03-10".parse()?),
//!     "data".into(),
//! );
//! let summary = fetch(&request, &NoProgress)?;
//! assert!(summary.is_complete(), "{:?}", summary.failed().collect::<Vec<_>>());
//! for path in summary.files() {
//!     println!("{}", path.display());
//! }
//! # Ok(()) }
//! ```
//!
//! Layout, checksum rule and exit codes of the command: `docs/FETCH.md`.

mod http;
mod plan;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

pub use plan::{Archive, Granularity, Market, Plan, normalize_symbol, plan};

use barsmith_ingest::Period;
pub use barsmith_ingest::progress::NoProgress;

use crate::calendar::Day;
use crate::check::checksum::{checksum_path, parse_checksum, read_checksum_of, sha256_file};
use crate::error::{Error, ErrorKind, Setting};
use http::Client;

/// The public data site.
pub const DEFAULT_BASE_URL: &str = "https://data.binance.vision";

/// Suffix of a download in progress: `NAME.zip.part`.
pub const PART_SUFFIX: &str = ".part";

/// How to reach the server.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum ProxySetting {
    /// Connect directly (the library's default: libraries do not read the environment).
    #[default]
    Direct,
    /// `HTTPS_PROXY` / `HTTP_PROXY` / `ALL_PROXY` and `NO_PROXY` (either case), as curl reads them; what the
    /// `barsmith` command and the Python package use.
    FromEnvironment,
    /// This proxy URL (`http://host:port`, `socks5://…` is not supported).
    Url(String),
}

/// What to fetch, and how.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchRequest {
    /// Symbols as the data site spells them (`BTCUSDT`, `BTCUSD_PERP`); lower case is upper-cased.
    pub symbols: Vec<String>,
    /// Market.
    pub market: Market,
    /// First and last month or day, both included (`"2024-01".parse()`, `"2024-03-10".parse()`).
    pub range: (Period, Period),
    /// Monthly or daily archives (see [`Granularity`]).
    pub granularity: Granularity,
    /// Where the mirrored tree goes (created when missing).
    pub output_dir: PathBuf,
    /// The server, without the `/data/…` path ([`DEFAULT_BASE_URL`]; a mirror, or a test server).
    pub base_url: String,
    /// Downloads at once (at least 1).
    pub jobs: usize,
    /// Re-hash archives already present against their recorded `.CHECKSUM` instead of trusting them.
    pub verify: bool,
    /// Attempts after the first one for a transient failure (timeout, lost connection, 429, 5xx).
    pub retries: u32,
    /// Pause before the first retry; it doubles each time (at most 30 s).
    pub backoff: Duration,
    /// Longest wait for a connection.
    pub connect_timeout: Duration,
    /// Longest wait for the response to start and for each read of the body (a stalled transfer).
    pub read_timeout: Duration,
    /// Proxy choice.
    pub proxy: ProxySetting,
    /// Today in UTC: days from today on (and the current month's monthly archive) are not published yet.
    pub today: Day,
}

impl FetchRequest {
    /// A request with the defaults: automatic granularity, the public site, 4 jobs, 5 retries from 1 s, 30 s
    /// connect and read timeouts, direct connection, today from the system clock.
    pub fn new(symbols: Vec<String>, market: Market, range: (Period, Period), output_dir: PathBuf) -> FetchRequest {
        FetchRequest {
            symbols,
            market,
            range,
            granularity: Granularity::Auto,
            output_dir,
            base_url: DEFAULT_BASE_URL.to_owned(),
            jobs: 4,
            verify: false,
            retries: 5,
            backoff: Duration::from_secs(1),
            connect_timeout: Duration::from_secs(30),
            read_timeout: Duration::from_secs(30),
            proxy: ProxySetting::Direct,
            today: Day::today_utc(),
        }
    }

    /// The archives this request means.
    pub fn plan(&self) -> Result<Plan, Error> {
        plan(&self.symbols, self.market, self.range, self.granularity, self.today)
    }

    /// The URL of `archive` on [`FetchRequest::base_url`].
    pub fn url_of(&self, archive: &Archive) -> String {
        format!("{}/{}", self.base_url.trim_end_matches('/'), archive.remote_path())
    }
}

/// What happened to one archive.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ArchiveOutcome {
    /// Downloaded and verified.
    Fetched {
        /// Bytes received over the network.
        bytes: u64,
        /// Bytes of an earlier partial download that were kept (a resumed download).
        resumed_from: u64,
    },
    /// Already present and verified: not downloaded.
    Skipped {
        /// `true` when it was hashed in this run (`verify`, or no `.CHECKSUM` recorded beside it).
        rehashed: bool,
    },
    /// Not on the server (404).
    Missing,
    /// Not fetched: why (after the retries). Nothing is left under the archive's name.
    Failed {
        /// The last error.
        reason: String,
    },
}

/// One archive's result.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ArchiveReport {
    /// The archive.
    pub archive: Archive,
    /// Its local path.
    pub path: PathBuf,
    /// What happened.
    #[serde(flatten)]
    pub outcome: ArchiveOutcome,
}

/// The result of [`fetch`]: every planned archive's outcome, in plan order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchSummary {
    /// Per archive, per symbol in date order.
    pub archives: Vec<ArchiveReport>,
    /// Set when the range reached past the published data: the first day that was not requested.
    pub unpublished_from: Option<Day>,
    /// Wall time of the run.
    pub elapsed: Duration,
}

impl FetchSummary {
    fn with(&self, keep: fn(&ArchiveOutcome) -> bool) -> impl Iterator<Item = &ArchiveReport> {
        self.archives.iter().filter(move |report| keep(&report.outcome))
    }

    /// Archives downloaded in this run.
    pub fn fetched(&self) -> impl Iterator<Item = &ArchiveReport> {
        self.with(|o| matches!(o, ArchiveOutcome::Fetched { .. }))
    }

    /// Archives already present.
    pub fn skipped(&self) -> impl Iterator<Item = &ArchiveReport> {
        self.with(|o| matches!(o, ArchiveOutcome::Skipped { .. }))
    }

    /// Archives the server does not have.
    pub fn missing(&self) -> impl Iterator<Item = &ArchiveReport> {
        self.with(|o| matches!(o, ArchiveOutcome::Missing))
    }

    /// Archives that could not be fetched and verified.
    pub fn failed(&self) -> impl Iterator<Item = &ArchiveReport> {
        self.with(|o| matches!(o, ArchiveOutcome::Failed { .. }))
    }

    /// Bytes received over the network.
    pub fn bytes_received(&self) -> u64 {
        self.fetched().map(|r| if let ArchiveOutcome::Fetched { bytes, .. } = r.outcome { bytes } else { 0 }).sum()
    }

    /// `true` when everything that exists was fetched and verified (no failure; missing archives are fine).
    pub fn is_complete(&self) -> bool {
        self.failed().next().is_none()
    }

    /// The verified archives on disk (fetched or skipped), per symbol in date order: ready for
    /// `barsmith::run::RunConfig::inputs`.
    pub fn files(&self) -> Vec<PathBuf> {
        self.archives
            .iter()
            .filter(|r| matches!(r.outcome, ArchiveOutcome::Fetched { .. } | ArchiveOutcome::Skipped { .. }))
            .map(|r| r.path.clone())
            .collect()
    }
}

/// Hears about a fetch as it goes; called from the download threads. Every method defaults to nothing.
pub trait FetchProgress: Sync {
    /// The archives about to be considered.
    fn planned(&self, _archives: &[Archive]) {}
    /// A download of `archive` begins; `resumed_from` bytes are already on disk.
    fn download_started(&self, _archive: &Archive, _resumed_from: u64) {}
    /// The server said how long `archive` is (once per download; `resumed_from` bytes of it may be on disk).
    fn sized(&self, _archive: &Archive, _total_bytes: u64) {}
    /// `bytes` more bytes arrived.
    fn received(&self, _bytes: u64) {}
    /// An archive is done (fetched, skipped, missing or failed).
    fn finished(&self, _report: &ArchiveReport) {}
    /// `archive` failed verification: both downloads hashed to something else than the `.CHECKSUM` says.
    /// `expected` is the `.CHECKSUM`'s SHA-256, `actual` the last download's (lower-case hex). Called before
    /// [`FetchProgress::finished`] reports it as failed.
    fn checksum_mismatch(&self, _archive: &Archive, _expected: &str, _actual: &str) {}
    /// Polled between archives, between reads of a download and during retry pauses: `true` stops the fetch
    /// (archives not begun are left out of the summary; a download in progress fails and keeps its `.part`
    /// file, which the next run resumes).
    fn cancelled(&self) -> bool {
        false
    }
}

/// The workspace's one observer that ignores everything (`barsmith_ingest::progress`) also ignores a fetch.
impl FetchProgress for NoProgress {}

/// Fetches every archive of `request` (see the module documentation).
///
/// `Err` only for an unusable request (bad dates, symbols, proxy, `jobs` = 0) or an output directory that
/// cannot be created; problems with single archives are in the summary ([`FetchSummary::is_complete`]).
pub fn fetch(request: &FetchRequest, progress: &dyn FetchProgress) -> Result<FetchSummary, Error> {
    let started = Instant::now();
    if request.jobs == 0 {
        return Err(Error::setting(Setting::Jobs, "must be at least 1"));
    }
    let plan = request.plan()?;
    let client = Client::new(request)?;
    std::fs::create_dir_all(&request.output_dir)
        .map_err(|source| Error::new(ErrorKind::Output { path: request.output_dir.clone(), source }))?;
    progress.planned(&plan.archives);
    let next = AtomicUsize::new(0);
    let reports: Mutex<Vec<Option<ArchiveReport>>> = Mutex::new(vec![None; plan.archives.len()]);
    let context = Context { request, client: &client, progress };
    std::thread::scope(|scope| {
        for _ in 0..request.jobs.min(plan.archives.len()) {
            scope.spawn(|| {
                while !progress.cancelled() {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(archive) = plan.archives.get(index) else { break };
                    let report = context.fetch_one(archive);
                    progress.finished(&report);
                    reports.lock().expect("no thread panics holding the lock")[index] = Some(report);
                }
            });
        }
    });
    let archives = reports.into_inner().expect("no thread panicked").into_iter().flatten().collect();
    Ok(FetchSummary { archives, unpublished_from: plan.unpublished_from, elapsed: started.elapsed() })
}

/// What every download thread shares.
struct Context<'a> {
    request: &'a FetchRequest,
    client: &'a Client,
    progress: &'a dyn FetchProgress,
}

impl Context<'_> {
    fn fetch_one(&self, archive: &Archive) -> ArchiveReport {
        let path = archive.local_path(&self.request.output_dir);
        let outcome = self.fetch_archive(archive, &path).unwrap_or_else(|reason| ArchiveOutcome::Failed { reason });
        ArchiveReport { archive: archive.clone(), path, outcome }
    }

    fn fetch_archive(&self, archive: &Archive, path: &Path) -> Result<ArchiveOutcome, String> {
        let recorded = checksum_path(path);
        let io = |what: &Path, e: std::io::Error| format!("{}: {e}", what.display());
        if path.is_file() && recorded.is_file() {
            if !self.request.verify {
                return Ok(ArchiveOutcome::Skipped { rehashed: false });
            }
            let hash = sha256_file(path).map_err(|e| io(path, e))?;
            match read_checksum_of(path) {
                Ok(line) if line.sha256 == hash => return Ok(ArchiveOutcome::Skipped { rehashed: true }),
                // Corrupt: it goes, so that a failed download leaves nothing under its name.
                Ok(_) => std::fs::remove_file(path).map_err(|e| io(path, e))?,
                // A bad record: the archive is hashed against the server's checksum below.
                Err(_) => {}
            }
            std::fs::remove_file(&recorded).map_err(|e| io(&recorded, e))?;
        }
        let url = self.request.url_of(archive);
        let mut mismatch = None;
        for _pass in 0..2 {
            let Some((checksum_text, expected)) = self.remote_checksum(archive, &url)? else {
                let exists = self.client.exists(&url, self.progress)?;
                return if exists {
                    Err(format!("{url}: the server has no .CHECKSUM for it, so it cannot be verified; not kept"))
                } else {
                    Ok(ArchiveOutcome::Missing)
                };
            };
            if mismatch.is_none() && path.is_file() && sha256_file(path).map_err(|e| io(path, e))? == expected {
                write_atomically(&recorded, checksum_text.as_bytes()).map_err(|e| io(&recorded, e))?;
                return Ok(ArchiveOutcome::Skipped { rehashed: true });
            }
            // The archive's folder is made only once the server has the archive: a symbol with no archive
            // (a typo) leaves no empty tree behind.
            let parent = path.parent().expect("an archive path has a directory");
            std::fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
            let part = part_path(path);
            let resumed = std::fs::metadata(&part).map_or(0, |m| m.len());
            self.progress.download_started(archive, resumed);
            let Some(download) =
                self.client.download(&url, &part, &|size| self.progress.sized(archive, size), self.progress)?
            else {
                return Ok(ArchiveOutcome::Missing);
            };
            if download.sha256 == expected {
                std::fs::rename(&part, path).map_err(|e| io(path, e))?;
                write_atomically(&recorded, checksum_text.as_bytes()).map_err(|e| io(&recorded, e))?;
                return Ok(ArchiveOutcome::Fetched { bytes: download.received, resumed_from: download.resumed_from });
            }
            std::fs::remove_file(&part).map_err(|e| io(&part, e))?;
            mismatch = Some((expected, download.sha256));
        }
        let (expected, actual) = mismatch.expect("two passes ended in a mismatch");
        self.progress.checksum_mismatch(archive, &expected, &actual);
        Err(format!(
            "{url}: SHA-256 mismatch on two downloads (the .CHECKSUM says {expected}, the download hashes to \
             {actual}); nothing kept"
        ))
    }

    /// The `.CHECKSUM` text and its hash, checked to name the archive; `None` on 404.
    fn remote_checksum(&self, archive: &Archive, url: &str) -> Result<Option<(String, String)>, String> {
        let checksum_url = format!("{url}{}", crate::check::checksum::CHECKSUM_SUFFIX);
        let Some(text) = self.client.get_text(&checksum_url, self.progress)? else { return Ok(None) };
        let line = parse_checksum(&text).map_err(|e| format!("{checksum_url}: {e}"))?;
        if line.file_name != archive.file_name() {
            return Err(format!("{checksum_url}: names {:?}, not {:?}", line.file_name, archive.file_name()));
        }
        Ok(Some((text, line.sha256)))
    }
}

/// `NAME.zip.part` beside `NAME.zip`.
pub fn part_path(archive: &Path) -> PathBuf {
    let mut name = archive.as_os_str().to_owned();
    name.push(PART_SUFFIX);
    PathBuf::from(name)
}

/// Writes a small file through a temporary name and a rename.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let temp = part_path(path);
    std::fs::write(&temp, bytes)?;
    std::fs::rename(&temp, path)
}
