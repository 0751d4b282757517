//! Binance Vision archives into a local cache, verified: the library's fetch (`barsmith::fetch`) behind
//! `barsmith.get_bars`.
//!
//! The fetch runs on a worker thread with the GIL released ([`run_supervised`]); Ctrl-C raises the cancel flag,
//! which the library polls between archives, between reads of a download and during retry pauses
//! ([`FetchProgress::cancelled`]). Each archive's outcome goes back to Python as a dict; the Python side
//! decides what is an error (a failure, a checksum mismatch, a missing day).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use barsmith::fetch::{Archive, ArchiveOutcome, FetchProgress, FetchRequest, Granularity, Market, ProxySetting, fetch};
use barsmith::inputs::Period;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors::Failure;
use crate::interrupt::{Cancel, run_supervised};

/// Options of a fetch (a dict from Python).
#[derive(Debug, Clone, FromPyObject)]
#[pyo3(from_item_all)]
pub struct FetchOptions {
    /// The server (`None`: the public site).
    base_url: Option<String>,
    /// `"auto"`, `"daily"` or `"monthly"`.
    granularity: String,
    /// `"environment"` (HTTPS_PROXY & co.), `None` (direct), or a proxy URL.
    proxy: Option<String>,
    jobs: usize,
    retries: u32,
    /// Seconds: the connect timeout and the read timeout.
    timeout: f64,
    /// Seconds before the first retry (doubling).
    retry_wait: f64,
    verify: bool,
}

/// Listens to the library: checksum mismatches by file name, and the cancel flag.
struct Listener<'a> {
    cancel: &'a Cancel,
    mismatches: Mutex<HashMap<String, (String, String)>>,
}

impl FetchProgress for Listener<'_> {
    fn checksum_mismatch(&self, archive: &Archive, expected: &str, actual: &str) {
        let mut mismatches = self.mismatches.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        mismatches.insert(archive.file_name(), (expected.to_owned(), actual.to_owned()));
    }

    fn cancelled(&self) -> bool {
        self.cancel.check().is_err()
    }
}

/// One archive's outcome, for Python.
struct Outcome {
    file_name: String,
    period: String,
    path: PathBuf,
    url: String,
    outcome: &'static str,
    reason: Option<String>,
    /// (expected, actual) SHA-256 of a checksum mismatch.
    mismatch: Option<(String, String)>,
}

/// Fetches the archives of `symbol` from `start` to `end` (both included, days or months) into `data_dir`.
/// Returns `(outcomes, unpublished_from)`: per archive in date order a dict with `file_name`, `period`,
/// `path`, `url`, `outcome` (`fetched`, `skipped`, `missing`, `failed`), `reason`, and for a checksum
/// mismatch `expected` and `actual`.
#[pyfunction]
pub fn fetch_archives<'py>(
    py: Python<'py>,
    symbol: String,
    market: String,
    start: String,
    end: String,
    data_dir: PathBuf,
    options: FetchOptions,
) -> PyResult<(Vec<Bound<'py, PyDict>>, Option<String>)> {
    let (outcomes, unpublished_from) = run_supervised(py, |cancel| {
        let request = request(symbol, &market, &start, &end, data_dir, &options)?;
        let listener = Listener { cancel, mismatches: Mutex::new(HashMap::new()) };
        let summary = fetch(&request, &listener)?;
        cancel.check()?;
        let mut mismatches = listener.mismatches.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner());
        let outcomes: Vec<Outcome> = summary
            .archives
            .iter()
            .map(|report| {
                let (outcome, reason) = match &report.outcome {
                    ArchiveOutcome::Fetched { .. } => ("fetched", None),
                    ArchiveOutcome::Skipped { .. } => ("skipped", None),
                    ArchiveOutcome::Missing => ("missing", None),
                    ArchiveOutcome::Failed { reason } => ("failed", Some(reason.clone())),
                };
                let file_name = report.archive.file_name();
                let mismatch = if outcome == "failed" { mismatches.remove(&file_name) } else { None };
                Outcome {
                    period: report.archive.period.to_string(),
                    url: request.url_of(&report.archive),
                    path: report.path.clone(),
                    file_name,
                    outcome,
                    reason,
                    mismatch,
                }
            })
            .collect();
        Ok((outcomes, summary.unpublished_from.map(|day| day.to_string())))
    })?;
    let dicts = outcomes
        .into_iter()
        .map(|o| {
            let dict = PyDict::new(py);
            dict.set_item("file_name", o.file_name)?;
            dict.set_item("period", o.period)?;
            dict.set_item("path", o.path.to_string_lossy())?;
            dict.set_item("url", o.url)?;
            dict.set_item("outcome", o.outcome)?;
            dict.set_item("reason", o.reason)?;
            dict.set_item("expected", o.mismatch.as_ref().map(|m| m.0.clone()))?;
            dict.set_item("actual", o.mismatch.map(|m| m.1))?;
            Ok(dict)
        })
        .collect::<PyResult<Vec<_>>>()?;
    Ok((dicts, unpublished_from))
}

/// The library's request; bad dates, market, granularity or durations are usage errors (`ValueError`).
fn request(
    symbol: String,
    market: &str,
    start: &str,
    end: &str,
    data_dir: PathBuf,
    options: &FetchOptions,
) -> Result<FetchRequest, Failure> {
    let market: Market = market.parse()?;
    let range: (Period, Period) = (start.parse()?, end.parse()?);
    let mut request = FetchRequest::new(vec![symbol], market, range, data_dir);
    request.granularity = match options.granularity.as_str() {
        "auto" => Granularity::Auto,
        "daily" => Granularity::Daily,
        "monthly" => Granularity::Monthly,
        other => return Err(Failure::Value(format!("granularity: expected auto, daily or monthly, got {other:?}"))),
    };
    if let Some(base_url) = &options.base_url {
        request.base_url = base_url.clone();
    }
    request.proxy = match options.proxy.as_deref() {
        None => ProxySetting::Direct,
        Some("environment") => ProxySetting::FromEnvironment,
        Some(url) => ProxySetting::Url(url.to_owned()),
    };
    request.jobs = options.jobs;
    request.retries = options.retries;
    request.backoff = seconds("retry_wait", options.retry_wait)?;
    request.connect_timeout = seconds("timeout", options.timeout)?;
    request.read_timeout = request.connect_timeout;
    request.verify = options.verify;
    Ok(request)
}

fn seconds(name: &str, value: f64) -> Result<Duration, Failure> {
    Duration::try_from_secs_f64(value)
        .map_err(|_| Failure::Value(format!("{name}: expected a non-negative number of seconds, got {value}")))
}
