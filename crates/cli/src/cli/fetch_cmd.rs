//! `barsmith fetch`.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use anyhow::anyhow;
use barsmith::fetch::{
    Archive, ArchiveOutcome, ArchiveReport, DEFAULT_BASE_URL, FetchProgress, FetchRequest, FetchSummary, Granularity,
    Market, ProxySetting, fetch,
};
use barsmith::inputs::Period;
use clap::Args;
use indicatif::ProgressBar;

use super::{Failure, parse_duration};

/// Arguments of `barsmith fetch`.
#[derive(Debug, Args)]
pub struct FetchArgs {
    /// Symbols as Binance spells them (BTCUSDT, ETHUSDT; COIN-M: BTCUSD_PERP).
    #[arg(required = true)]
    symbols: Vec<String>,
    /// Market: spot, um (USD-M futures) or cm (COIN-M futures).
    #[arg(long, default_value = "spot", value_parser = ["spot", "um", "cm"])]
    market: String,
    /// First month (YYYY-MM: monthly archives) or day (YYYY-MM-DD: daily archives).
    #[arg(long, value_name = "YYYY-MM[-DD]")]
    from: String,
    /// Last month or day, included; default: the same as --from.
    #[arg(long, value_name = "YYYY-MM[-DD]")]
    to: Option<String>,
    /// Monthly archives only (also for the current month, which has none yet).
    #[arg(long, conflicts_with = "daily")]
    monthly: bool,
    /// Daily archives only (also for months given as YYYY-MM).
    #[arg(long)]
    daily: bool,
    /// Directory that receives the mirrored tree, e.g. OUT/spot/daily/aggTrades/BTCUSDT/….
    #[arg(value_name = "PATH", short, long, default_value = "data")]
    output: PathBuf,
    /// Downloads at once.
    #[arg(value_name = "N", long, default_value_t = 4)]
    jobs: usize,
    /// Re-hash archives already present instead of trusting their recorded checksum.
    #[arg(long)]
    verify: bool,
    /// The server (a mirror, a proxy or a test server); archives are under BASE/data/….
    #[arg(value_name = "URL", long, default_value = DEFAULT_BASE_URL)]
    base_url: String,
    /// Retries of a timed-out, dropped or 5xx/429 request.
    #[arg(value_name = "N", long, default_value_t = 5)]
    retries: u32,
    /// Pause before the first retry (doubles each time, at most 30s).
    #[arg(value_name = "DURATION", long, default_value = "1s", value_parser = parse_duration)]
    retry_wait: Duration,
    /// Connect timeout, and the longest wait for a response or for more bytes of a transfer.
    #[arg(value_name = "DURATION", long, default_value = "30s", value_parser = parse_duration)]
    timeout: Duration,
    /// Print the summary as JSON on stdout (one object per archive).
    #[arg(long)]
    json: bool,
    /// No progress bar and no summary (errors are still printed).
    #[arg(short, long)]
    quiet: bool,
}

/// Runs `barsmith fetch`: exit 0 when everything that exists was fetched and verified, 1 otherwise (also when
/// no requested archive exists at all).
pub fn run(args: FetchArgs) -> Result<(), Failure> {
    let request = request(&args)?;
    let progress = DownloadProgress::new(!args.quiet && std::io::stderr().is_terminal());
    let summary = fetch(&request, &progress);
    progress.bar.finish_and_clear();
    let summary = summary?;
    if args.json {
        print_json(&summary)?;
    }
    if !args.quiet {
        print_summary(&summary);
    }
    let failed = summary.failed().count();
    if !summary.archives.is_empty() && summary.missing().count() == summary.archives.len() {
        // Nothing exists: most often a typo in the symbol or the market, never a success.
        let message = format!(
            "none of the {} requested archive(s) exists on the server: check the symbol and --market",
            summary.archives.len()
        );
        return Err(Failure::with_code(anyhow!(message), 1));
    }
    if failed > 0 {
        let message = format!("{failed} archive(s) could not be fetched and verified");
        return Err(Failure::with_code(anyhow!(message), 1));
    }
    Ok(())
}

fn request(args: &FetchArgs) -> Result<FetchRequest, Failure> {
    let market: Market = args.market.parse().map_err(Failure::bad_input)?;
    let from: Period = args.from.parse().map_err(|e| Failure::bad_input(anyhow!("--from: {e}")))?;
    let to: Period = match &args.to {
        Some(to) => to.parse().map_err(|e| Failure::bad_input(anyhow!("--to: {e}")))?,
        None => from,
    };
    let mut request = FetchRequest::new(args.symbols.clone(), market, (from, to), args.output.clone());
    request.granularity = match (args.monthly, args.daily) {
        (true, _) => Granularity::Monthly,
        (_, true) => Granularity::Daily,
        _ => Granularity::Auto,
    };
    request.base_url = args.base_url.clone();
    request.jobs = args.jobs;
    request.verify = args.verify;
    request.retries = args.retries;
    request.backoff = args.retry_wait;
    request.connect_timeout = args.timeout;
    request.read_timeout = args.timeout;
    request.proxy = ProxySetting::FromEnvironment;
    Ok(request)
}

fn print_json(summary: &FetchSummary) -> Result<(), Failure> {
    let value = serde_json::json!({
        "archives": summary.archives,
        "fetched": summary.fetched().count(),
        "skipped": summary.skipped().count(),
        "missing": summary.missing().count(),
        "failed": summary.failed().count(),
        "bytes_received": summary.bytes_received(),
        "unpublished_from": summary.unpublished_from,
        "elapsed_seconds": summary.elapsed.as_secs_f64(),
    });
    println!("{value:#}");
    Ok(())
}

fn print_summary(summary: &FetchSummary) {
    let seconds = summary.elapsed.as_secs_f64().max(1e-9);
    let bytes = summary.bytes_received();
    eprintln!(
        "fetched {} ({:.1} MB), skipped {} already present, missing {}, failed {} in {seconds:.1} s ({:.1} MB/s)",
        summary.fetched().count(),
        bytes as f64 / 1e6,
        summary.skipped().count(),
        summary.missing().count(),
        summary.failed().count(),
        bytes as f64 / seconds / 1e6
    );
    let missing: Vec<String> = summary.missing().map(|r| describe(&r.archive)).collect();
    if !missing.is_empty() {
        eprintln!("missing on the server (404: not traded that day, or not published): {}", missing.join(", "));
    }
    for report in summary.failed() {
        if let ArchiveOutcome::Failed { reason } = &report.outcome {
            eprintln!("failed: {}: {reason}", describe(&report.archive));
        }
    }
    if let Some(day) = summary.unpublished_from {
        eprintln!("not requested: data from {day} on is not published yet");
    }
}

fn describe(archive: &Archive) -> String {
    format!("{} {} ({} {})", archive.symbol, archive.period, archive.market, archive.kind())
}

/// The indicatif bar on stderr: bytes, files, throughput and ETA (hidden when not a terminal or `--quiet`).
struct DownloadProgress {
    bar: ProgressBar,
    state: Mutex<Tally>,
}

/// What the bar's length estimate is made of.
#[derive(Debug, Default)]
struct Tally {
    planned: u64,
    done: u64,
    /// Archives whose size is known, and their bytes.
    sized: u64,
    sized_bytes: u64,
    /// Archives finished without a download (skipped, missing, failed early).
    not_downloaded: u64,
}

impl DownloadProgress {
    fn new(visible: bool) -> DownloadProgress {
        let bar = super::byte_progress_bar(visible);
        DownloadProgress { bar, state: Mutex::new(Tally::default()) }
    }

    /// Known sizes plus the average known size for every archive still to be sized.
    fn update(&self, tally: &Tally) {
        let unsized_downloads = tally.planned.saturating_sub(tally.sized + tally.not_downloaded);
        let average = tally.sized_bytes.checked_div(tally.sized).unwrap_or(0);
        self.bar.set_length(tally.sized_bytes + average * unsized_downloads);
        self.bar.set_message(format!("{}/{} files", tally.done, tally.planned));
    }
}

impl FetchProgress for DownloadProgress {
    fn planned(&self, archives: &[Archive]) {
        let mut tally = self.state.lock().expect("progress lock");
        tally.planned = archives.len() as u64;
        self.update(&tally);
    }

    fn download_started(&self, _archive: &Archive, resumed_from: u64) {
        self.bar.inc(resumed_from);
    }

    fn sized(&self, _archive: &Archive, total_bytes: u64) {
        let mut tally = self.state.lock().expect("progress lock");
        tally.sized += 1;
        tally.sized_bytes += total_bytes;
        self.update(&tally);
    }

    fn received(&self, bytes: u64) {
        self.bar.inc(bytes);
    }

    fn finished(&self, report: &ArchiveReport) {
        let mut tally = self.state.lock().expect("progress lock");
        tally.done += 1;
        if !matches!(report.outcome, ArchiveOutcome::Fetched { .. }) {
            tally.not_downloaded += 1;
        }
        self.update(&tally);
    }
}
