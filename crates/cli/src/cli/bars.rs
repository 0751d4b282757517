//! `barsmith bars`.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::anyhow;
use barsmith::core::Threshold;
use barsmith::core::features::{FeatureConfig, FeatureGroup, LookbackMode};
use barsmith::ingest::IngestOptions;
use barsmith::pipeline::StreamSettings;
use barsmith::run::{OutputTarget, Progress, RunConfig, RunSummary, run};
use barsmith::sink::OutputFormat;
use clap::Args;
use clap::builder::TypedValueParser as _;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::{Failure, select_backend};

/// Arguments of `barsmith bars`.
#[derive(Debug, Args)]
pub struct BarsArgs {
    /// Input files, directories or glob patterns (.csv, .csv.zst, .zip; `-` for stdin). Binance names
    /// (SYMBOL-aggTrades-YYYY-MM[-DD].…) give the symbol and date; one symbol's files form one stream in date order.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// Bar widths in decimal basis points, comma-separated (1 dbps = 0.001 %; 250 = 0.25 %). One pass builds all.
    #[arg(long, value_name = "DBPS[,DBPS…]", value_delimiter = ',', required = true)]
    threshold_dbps: Vec<u32>,
    /// Output: a file (`-` = stdout) for one symbol and threshold, or a directory (existing, or ending in `/`)
    /// that receives `{SYMBOL}-{DBPS}dbps.{csv|parquet}` per symbol and threshold.
    #[arg(short, long, default_value = "-")]
    output: PathBuf,
    /// Output format; default: from the file extension, else csv.
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(["csv", "parquet"]).try_map(|s| s.parse::<OutputFormat>()))]
    format: Option<OutputFormat>,
    /// Symbol of inputs whose names are not Binance names; all inputs then form one stream in the given order.
    #[arg(long)]
    symbol: Option<String>,
    /// Allow a bar to close on a record with the bar's open timestamp (turns the same-timestamp gate off).
    #[arg(long)]
    no_gate: bool,
    /// Also write the forming bar at the end, with an `is_complete` column.
    #[arg(long)]
    include_incomplete: bool,
    /// Sort each file by (timestamp, agg_trade_id) before building (holds one file's trades in memory).
    #[arg(long)]
    sort: bool,
    /// Drop exact duplicate records (same agg_trade_id, same content).
    #[arg(long)]
    dedupe: bool,
    /// Read files with plain reads instead of memory maps (maps are faster; a file truncated by another
    /// process while it is mapped kills the run with SIGBUS).
    #[arg(long)]
    no_mmap: bool,
    /// Feature groups: any of bar, intra, lookback (comma-separated), or `none`.
    #[arg(long, value_delimiter = ',', default_value = "bar,intra,lookback")]
    features: Vec<String>,
    /// Lookback window: count:N (records before the bar), time:DURATION (e.g. 30s, 500ms, 5m), bars:K.
    #[arg(long, default_value = "count:500")]
    lookback: String,
    /// Skip permutation entropy.
    #[arg(long)]
    no_pe: bool,
    /// Skip the Hurst exponents (DFA and R/S).
    #[arg(long)]
    no_hurst: bool,
    /// Permutation-entropy order (2..=7).
    #[arg(long, default_value_t = 3)]
    pe_order: usize,
    /// Kernel backend for features (scalar, avx2, avx512, neon, pulp, wide, auto); default BARSMITH_BACKEND or auto.
    #[arg(long)]
    backend: Option<String>,
    /// Worker threads: symbols in parallel, spare threads parse a symbol's files in parallel; default: all cores.
    #[arg(long)]
    threads: Option<usize>,
    /// Resume every (symbol, threshold) from this checkpoint file.
    #[arg(long)]
    checkpoint_in: Option<PathBuf>,
    /// Save every (symbol, threshold)'s state to this file at the end.
    #[arg(long)]
    checkpoint_out: Option<PathBuf>,
    /// No progress bar and no summary.
    #[arg(short, long)]
    quiet: bool,
}

/// Runs `barsmith bars`.
pub fn run_bars(args: BarsArgs) -> Result<(), Failure> {
    let config = run_config(&args)?;
    let show_progress = !args.quiet && std::io::stderr().is_terminal();
    let progress = BarProgress::new(show_progress);
    let summary = run(&config, &progress);
    progress.bar.finish_and_clear();
    let summary = summary?;
    if !args.quiet {
        print_summary(&summary);
    }
    Ok(())
}

fn run_config(args: &BarsArgs) -> Result<RunConfig, Failure> {
    let thresholds = args
        .threshold_dbps
        .iter()
        .map(|&d| Threshold::from_dbps(d))
        .collect::<Result<Vec<_>, _>>()
        .map_err(Failure::bad_input)?;
    let kernels = select_backend(args.backend.as_deref())?;
    let output = if args.output.is_dir() || args.output.to_string_lossy().ends_with('/') {
        OutputTarget::Directory(args.output.clone())
    } else {
        OutputTarget::File(args.output.clone())
    };
    Ok(RunConfig {
        inputs: args.inputs.clone(),
        symbol: args.symbol.clone(),
        thresholds,
        settings: StreamSettings {
            same_timestamp_gate: !args.no_gate,
            include_incomplete: args.include_incomplete,
            features: feature_config(args)?,
            kernels,
        },
        ingest: IngestOptions {
            sort: args.sort,
            dedupe: args.dedupe,
            memory_map: !args.no_mmap,
            ..IngestOptions::default()
        },
        output,
        format: args.format,
        threads: args.threads,
        checkpoint_in: args.checkpoint_in.clone(),
        checkpoint_out: args.checkpoint_out.clone(),
    })
}

fn feature_config(args: &BarsArgs) -> Result<FeatureConfig, Failure> {
    let groups: Vec<FeatureGroup> = if args.features.iter().any(|g| g == "none") {
        Vec::new()
    } else {
        args.features
            .iter()
            .map(|g| g.parse())
            .collect::<Result<_, _>>()
            .map_err(|e| Failure::bad_input(anyhow!("--features: {e}")))?
    };
    let lookback_mode: LookbackMode =
        args.lookback.parse().map_err(|e| Failure::bad_input(anyhow!("--lookback: {e}")))?;
    let config = FeatureConfig {
        lookback_mode,
        permutation_entropy: !args.no_pe,
        hurst: !args.no_hurst,
        pe_order: args.pe_order,
        ..FeatureConfig::default()
    }
    .with_groups(&groups);
    config.validate().map_err(|e| Failure::bad_input(anyhow!("{e}")))?;
    Ok(config)
}

fn print_summary(summary: &RunSummary) {
    let seconds = summary.elapsed.as_secs_f64().max(1e-9);
    let trades: u64 = summary.streams.iter().map(|s| s.trades).sum();
    for stream in &summary.streams {
        let bars: Vec<String> = stream.bars.iter().map(|(t, n)| format!("{n} at {} dbps", t.dbps())).collect();
        eprintln!("{}: {} trades; bars: {}", stream.symbol, stream.trades, bars.join(", "));
        if let Some(gap) = &stream.gaps.first {
            eprintln!(
                "{}: note: {} agg_trade_id gap(s) between files ({} ids missing); first after id {} in {}, next id {} in {}",
                stream.symbol,
                stream.gaps.count,
                stream.gaps.missing_ids,
                gap.before_id,
                gap.before_path.display(),
                gap.after_id,
                gap.after_path.display()
            );
        }
    }
    eprintln!(
        "{trades} trades from {} symbol(s) in {seconds:.2} s ({:.2} M trades/s, {:.1} MB/s of input), backend {}",
        summary.streams.len(),
        trades as f64 / seconds / 1e6,
        summary.input_bytes as f64 / seconds / 1e6,
        summary.backend
    );
}

/// The indicatif bar on stderr (hidden when not a terminal or with `--quiet`).
struct BarProgress {
    bar: ProgressBar,
    trades: AtomicU64,
}

impl BarProgress {
    fn new(visible: bool) -> BarProgress {
        let bar = if visible {
            ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())
        } else {
            ProgressBar::hidden()
        };
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:30} {bytes}/{total_bytes} ({bytes_per_sec}, ETA {eta}) {msg}",
            )
            .expect("valid template"),
        );
        bar.enable_steady_tick(Duration::from_millis(200));
        BarProgress { bar, trades: AtomicU64::new(0) }
    }
}

impl Progress for BarProgress {
    fn started(&self, total_bytes: u64) {
        if total_bytes > 0 {
            self.bar.set_length(total_bytes);
        }
    }

    fn advanced(&self, bytes: u64, trades: u64) {
        let total = self.trades.fetch_add(trades, Ordering::Relaxed) + trades;
        let elapsed = self.bar.elapsed().as_secs_f64().max(1e-9);
        self.bar.inc(bytes);
        self.bar.set_message(format!(
            "{:.1} M trades, {:.1} M trades/s",
            total as f64 / 1e6,
            total as f64 / elapsed / 1e6
        ));
    }
}
