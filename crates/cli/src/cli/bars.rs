//! `barsmith bars`.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use barsmith::core::BarSpec;
use barsmith::core::features::{FeatureConfig, FeatureGroup, LookbackMode};
use barsmith::output::OutputFormat;
use barsmith::pipeline::spec_label;
use barsmith::run::{CommitMode, Job, OutputTarget, Progress, RunConfig, RunSummary, write_bars};
use barsmith::settings::Settings;
use clap::Args;
use clap::builder::TypedValueParser as _;
use indicatif::ProgressBar;

use super::{Failure, range_specs, select_backend};

/// Arguments of `barsmith bars`.
#[derive(Debug, Args)]
pub struct BarsArgs {
    /// Input files, directories (searched recursively) or glob patterns (.csv, .csv.zst, .zip; `-` for stdin).
    /// Binance names (SYMBOL-aggTrades-YYYY-MM[-DD].…) give the symbol and date; one symbol's files form one
    /// stream in date order.
    #[arg(value_name = "PATH", required = true)]
    inputs: Vec<PathBuf>,
    /// Range-bar thresholds in decimal basis points, comma-separated (1 dbps = 0.001 %; 250 = 0.25 %): the
    /// distance from a bar's open to each of its two closing levels; `--threshold-dbps 250` is short for
    /// `--bars range:250`. One pass builds all.
    #[arg(long, value_name = "DBPS[,DBPS…]", value_delimiter = ',', required_unless_present = "bars")]
    threshold_dbps: Vec<u32>,
    /// Bar specifications, comma-separated, built in the same pass: range:DBPS, tick:N, volume:QTY,
    /// dollar:VALUE (1e7 allowed), time:DURATION (UTC-aligned), and tick-, volume-, dollar- imbalance or run
    /// bars (`tick-imbalance:ewma`, `volume-run:500`); docs/BARS.md has each rule.
    #[arg(long, value_name = "SPEC[,SPEC…]")]
    bars: Option<String>,
    /// Range bars: a breach earlier than DURATION after the bar's open does not close it (e.g. 2s, 500ms);
    /// 0 = off.
    #[arg(long, value_name = "DURATION", default_value = "0")]
    min_duration: String,
    /// Output: a file with an output extension (.csv, .csv.zst, .csv.gz, .parquet; `-` = stdout) for one
    /// stream at one threshold; a directory (created, parents included) for any number:
    /// `{SYMBOL}-{DBPS}dbps-{PERIOD}.{ext}` each. A path without an extension is a directory (an existing
    /// file there is refused, not overwritten).
    #[arg(short, long, value_name = "PATH", default_value = "-")]
    output: PathBuf,
    /// Output format; default: from the file extension (.csv, .csv.zst, .csv.gz, .parquet); the files of a
    /// directory (a path without an extension, or ending in /) are csv. An unknown extension is refused.
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(["csv", "csv.zst", "csv.gz", "parquet"]).try_map(|s| s.parse::<OutputFormat>()))]
    format: Option<OutputFormat>,
    /// Symbol of the inputs (refused when a Binance name says otherwise); needed only to name outputs of
    /// files whose names are not Binance names.
    #[arg(long)]
    symbol: Option<String>,
    /// Allow a bar to close on a record with the bar's open timestamp (turns the same-timestamp gate off).
    #[arg(long)]
    no_gate: bool,
    /// Also write the forming bar at the end, with an `is_complete` column (false on that row only).
    #[arg(long)]
    include_incomplete: bool,
    /// Sort each file by (timestamp, agg_trade_id) before building (holds one file's trades in memory).
    #[arg(long)]
    sort: bool,
    /// Drop exact duplicate records (same agg_trade_id, same content); the summary says how many.
    #[arg(long)]
    dedupe: bool,
    /// Begin every output with the columns `symbol` and `threshold_dbps`, so that files read together (a glob
    /// over a dataset) stay self-describing.
    #[arg(long)]
    identity_columns: bool,
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
    #[arg(value_name = "N", long, default_value_t = FeatureConfig::default().pe_order)]
    pe_order: usize,
    /// Fewest records a window needs for permutation entropy (null below; at least --pe-order).
    #[arg(long, value_name = "N", default_value_t = FeatureConfig::default().pe_min_records)]
    pe_min_records: usize,
    /// Fewest records a window needs for the Hurst exponents (null below; at least 16). See docs/FEATURES.md
    /// for the spread of both estimators against window length.
    #[arg(long, value_name = "N", default_value_t = FeatureConfig::default().hurst_min_records)]
    hurst_min_records: usize,
    /// Most records one window may hold (a bar's own records or its lookback): a longer window gets null
    /// window features and a warning; bars are unaffected. Memory: about 70 bytes per record of the longest
    /// window (20 held, up to ~48 while its features are computed; docs/FEATURES.md).
    #[arg(long, value_name = "N", default_value_t = FeatureConfig::default().max_window_records)]
    max_window_records: u64,
    /// Kernel backend for features (scalar, avx2, avx512, neon, pulp, wide, auto); default BARSMITH_BACKEND or auto.
    #[arg(long)]
    backend: Option<String>,
    /// Worker threads, at least 1; default: all cores. Symbols run in parallel; with more threads than symbols,
    /// a symbol's files are cut into shards that run in parallel and are joined exactly (or, for input that
    /// cannot be cut, its thresholds run in parallel and spare threads parse its text in parallel).
    #[arg(value_name = "N", long)]
    threads: Option<usize>,
    /// Shards for a symbol's files when threads are spare: `auto` parses shards (files, byte ranges of plain
    /// CSV) in parallel, finds the bar boundaries in one scan and computes the features between them in
    /// parallel; `probe` runs speculative shards joined where they meet when a probe of the first file
    /// measures that the joins would replay little (else one pass), `always` speculative shards whatever they
    /// replay. Outputs are the same either way.
    #[arg(long, value_name = "MODE", default_value = "auto", value_parser = ["auto", "probe", "always"])]
    sharding: String,
    /// Resume every (symbol, threshold) from this checkpoint file; pairs it does not hold start fresh (a
    /// checkpoint that holds none of the run's pairs is refused).
    #[arg(value_name = "PATH", long)]
    checkpoint_in: Option<PathBuf>,
    /// With --checkpoint-in: build bars across a hole between the checkpoint and the input. Ids missing over
    /// more than 1 h, or more than 1,000,000 missing ids, are refused without it (a file is missing); any hole
    /// there is warned about and counted in the Parquet metadata, like one between two files.
    #[arg(long)]
    allow_resume_gap: bool,
    /// Save every (symbol, threshold)'s state to this file, committed with the outputs.
    #[arg(value_name = "PATH", long)]
    checkpoint_out: Option<PathBuf>,
    /// Commit each symbol's outputs as soon as that symbol is done, instead of all outputs together at the
    /// end: a failure later in the run keeps the symbols already done (the checkpoint still needs the whole run).
    #[arg(long)]
    commit_per_symbol: bool,
    /// No progress bar and no summary (warnings are still printed).
    #[arg(short, long)]
    quiet: bool,
    /// Also report how a sharded symbol ran (shards, records replayed at the joins).
    #[arg(short, long, conflicts_with = "quiet")]
    verbose: bool,
}

/// Rows beyond which a table written to a terminal gets a hint on stderr.
const TERMINAL_HINT_ROWS: u64 = 50;

/// Runs `barsmith bars`.
pub fn run_bars(args: BarsArgs) -> Result<(), Failure> {
    let config = run_config(&args)?;
    let show_progress = !args.quiet && std::io::stderr().is_terminal();
    let progress = BarProgress::new(show_progress);
    let summary = write_bars(&config, &progress);
    progress.bar.finish_and_clear();
    let summary = summary.map_err(run_failure)?;
    print_warnings(&summary, args.quiet);
    if !args.quiet {
        print_summary(&summary, args.verbose);
        let to_terminal = args.output.as_os_str() == "-" && std::io::stdout().is_terminal();
        let rows: u64 = summary.streams.iter().flat_map(|s| s.bars.iter().map(|(_, n)| n)).sum();
        if to_terminal && rows > TERMINAL_HINT_ROWS {
            eprintln!(
                "note: {rows} rows went to the terminal; the columns are described in docs/OUTPUT.md, and -o bars.csv (or .parquet) writes a file"
            );
        }
    }
    Ok(())
}

fn run_config(args: &BarsArgs) -> Result<RunConfig, Failure> {
    let mut thresholds = range_specs(&args.threshold_dbps)?;
    if let Some(list) = &args.bars {
        thresholds.extend(Settings::parse_bars(list)?);
    }
    let given = &thresholds;
    if let Some(spec) = given.iter().enumerate().find_map(|(i, d)| given[..i].contains(d).then_some(d)) {
        // Said before the outputs are planned, which would call the repeat two colliding outputs.
        return Err(Failure::bad_input(match spec {
            BarSpec::Range(threshold) => format!("--threshold-dbps: {} is given twice", threshold.dbps()),
            other => format!("--bars: {other} is given twice"),
        }));
    }
    if args.threads == Some(0) {
        return Err(Failure::bad_input("--threads 0: give at least 1 (or leave it out to use every core)"));
    }
    let mut settings = Settings::of_bars(thresholds);
    settings.stream.same_timestamp_gate = !args.no_gate;
    settings.stream.min_duration_us = match args.min_duration.as_str() {
        "0" => 0,
        text => barsmith::core::parse_duration(text).map_err(|e| {
            Failure::bad_input(format!("--min-duration {text}: {e} (expected a duration such as 2s, 500ms, 1m, or 0)"))
        })?,
    };
    settings.stream.include_incomplete = args.include_incomplete;
    settings.stream.features = feature_config(args)?;
    settings.stream.kernels = select_backend(args.backend.as_deref())?;
    settings.ingest.sort = args.sort;
    settings.ingest.dedupe = args.dedupe;
    settings.identity_columns = args.identity_columns;
    settings.ingest.memory_map = !args.no_mmap;
    settings.threads = args.threads;
    settings.set("sharding", &args.sharding)?;
    Ok(RunConfig {
        inputs: args.inputs.clone(),
        job: Job {
            settings,
            symbol: args.symbol.clone(),
            checkpoint_in: args.checkpoint_in.clone(),
            allow_resume_gap: args.allow_resume_gap,
        },
        output: OutputTarget::Auto(args.output.clone()),
        format: args.format,
        checkpoint_out: args.checkpoint_out.clone(),
        commit: if args.commit_per_symbol { CommitMode::PerSymbol } else { CommitMode::Together },
    })
}

/// The feature groups of `--features`: `none` alone, or any of bar, intra, lookback.
fn feature_groups(tokens: &[String]) -> Result<Vec<FeatureGroup>, Failure> {
    let given = tokens.join(",");
    barsmith::settings::parse_groups(&given).map_err(|e| Failure::bad_input(format!("--features {given}: {e}")))
}

fn feature_config(args: &BarsArgs) -> Result<FeatureConfig, Failure> {
    let groups = feature_groups(&args.features)?;
    let lookback_mode: LookbackMode = args.lookback.parse().map_err(|e: barsmith::core::Error| {
        // The library's message names the setting and the accepted forms; the flag replaces its first words.
        let why = match e.kind() {
            barsmith::core::ErrorKind::InvalidLookback { problem, .. } => problem.to_string(),
            _ => e.to_string(),
        };
        Failure::bad_input(format!(
            "--lookback {}: {why} (expected count:N, time:DURATION such as time:30s, or bars:K)",
            args.lookback
        ))
    })?;
    if !(2..=barsmith::core::features::MAX_PE_ORDER).contains(&args.pe_order) {
        return Err(Failure::bad_input(format!("--pe-order {}: must be between 2 and 7", args.pe_order)));
    }
    let config = FeatureConfig {
        lookback_mode,
        permutation_entropy: !args.no_pe,
        hurst: !args.no_hurst,
        pe_order: args.pe_order,
        pe_min_records: args.pe_min_records,
        hurst_min_records: args.hurst_min_records,
        max_window_records: args.max_window_records,
        ..FeatureConfig::default()
    }
    .with_groups(&groups);
    config.validate().map_err(|e| Failure::bad_input(setting_message(&e, args)))?;
    Ok(config)
}

/// A feature-setting error in terms of the flag that set it.
fn setting_message(error: &barsmith::core::Error, args: &BarsArgs) -> String {
    use barsmith::core::ErrorKind;
    use barsmith::core::Setting;
    let ErrorKind::InvalidSetting { setting, value, min, max } = error.kind() else { return error.to_string() };
    let (flag, given) = match setting {
        Setting::PeOrder => ("--pe-order", value.to_string()),
        Setting::PeMinRecords => ("--pe-min-records", value.to_string()),
        Setting::HurstMinRecords => ("--hurst-min-records", value.to_string()),
        Setting::MaxWindowRecords => ("--max-window-records", value.to_string()),
        _ => ("--lookback", args.lookback.clone()),
    };
    let range = if *max == i64::MAX { format!("at least {min}") } else { format!("between {min} and {max}") };
    let why = match setting {
        Setting::PeMinRecords => " (and at least --pe-order)",
        _ => "",
    };
    format!("{flag} {given}: must be {range}{why}")
}

/// A run's error in terms of the flags: a library setting named in it becomes the flag that sets it.
fn run_failure(error: barsmith::Error) -> Failure {
    match error.kind() {
        barsmith::ErrorKind::ResumeGap(gap) => {
            Failure::bad_input(format!("{}, or pass --allow-resume-gap to build bars across the hole", gap.describe()))
        }
        _ => error.into(),
    }
}

/// Warnings and notes that `-q` does not silence: skipped files (one line per reason; checksum files, which a
/// fetched folder always holds, only without `-q`), id gaps, fresh pairs on resume.
fn print_warnings(summary: &RunSummary, quiet: bool) {
    let mut reasons: Vec<&str> = summary.ignored.iter().map(|i| i.reason).collect();
    reasons.sort_unstable();
    reasons.dedup();
    for reason in reasons {
        let files: Vec<&barsmith::inputs::IgnoredFile> =
            summary.ignored.iter().filter(|i| i.reason == reason).collect();
        if quiet && reason == barsmith::inputs::CHECKSUM_FILE {
            continue;
        }
        match files.as_slice() {
            [one] => eprintln!("note: ignored {}: {reason}", one.path.display()),
            [first, ..] => {
                eprintln!("note: ignored {} files ({reason}), e.g. {}", files.len(), first.path.display())
            }
            [] => {}
        }
    }
    for note in &summary.notes {
        eprintln!("note: {note}");
    }
    for stream in &summary.streams {
        if stream.dropped_duplicates > 0 {
            eprintln!(
                "note: {}: --dedupe dropped {} exact duplicate record(s)",
                stream.symbol.as_deref().unwrap_or("input"),
                stream.dropped_duplicates
            );
        }
        if let Some(warning) = stream.gap_warning() {
            eprintln!("warning: {warning}");
        }
    }
}

fn print_summary(summary: &RunSummary, verbose: bool) {
    let seconds = summary.elapsed.as_secs_f64().max(1e-9);
    let records: u64 = summary.streams.iter().map(|s| s.trades).sum();
    for stream in &summary.streams {
        let bars: Vec<String> = stream.bars.iter().map(|(t, n)| format!("{n} at {}", spec_label(*t))).collect();
        let symbol = stream.symbol.as_deref().unwrap_or("input without a symbol");
        eprintln!("{symbol}: {} aggTrades records; bars: {}", stream.trades, bars.join(", "));
        if verbose && stream.opened_runs > 0 {
            eprintln!(
                "{symbol}: {} shards, boundaries first: {} feature runs started at bar openings (summed over thresholds), \
                 boundary scan {:.3} s",
                stream.shards,
                stream.opened_runs,
                stream.scan_time.as_secs_f64()
            );
        } else if verbose && stream.shards > 1 {
            // Each threshold replays on its own, so the share is of records × thresholds.
            let work = stream.trades.saturating_mul(stream.bars.len() as u64).max(1);
            eprintln!(
                "{symbol}: {} shards in parallel; {} records replayed at the joins ({:.4} % of records × thresholds)",
                stream.shards,
                stream.replayed_records,
                stream.replayed_records as f64 * 100.0 / work as f64
            );
        }
        if let (true, Some(choice)) = (verbose, &stream.shard_choice) {
            let replay: Vec<String> = (choice.replay_records.iter().zip(&stream.bars))
                .map(|(r, (t, _))| match r {
                    Some(records) => format!("{}: {records}", spec_label(*t)),
                    None => format!("{}: all (no meeting in the probe)", spec_label(*t)),
                })
                .collect();
            eprintln!(
                "{symbol}: one pass, not shards: the joins would replay about {} records of ~{} per shard ({} records probed)",
                replay.join(", "),
                choice.shard_records,
                choice.probe_records
            );
        }
    }
    eprintln!(
        "{records} records from {} symbol(s) in {seconds:.2} s ({:.2} M records/s, {:.1} MB/s of input), backend {}",
        summary.streams.len(),
        records as f64 / seconds / 1e6,
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
        let bar = super::byte_progress_bar(visible);
        BarProgress { bar, trades: AtomicU64::new(0) }
    }
}

impl Progress for BarProgress {
    fn started(&self, total_bytes: u64) {
        if total_bytes > 0 {
            self.bar.set_length(total_bytes);
        }
    }

    fn warning(&self, message: &barsmith::core::Named) {
        let message = message.spell(&super::setting_flag);
        self.bar.suspend(|| eprintln!("warning: {message}"));
    }

    fn advanced(&self, bytes: u64, trades: u64) {
        let total = self.trades.fetch_add(trades, Ordering::Relaxed) + trades;
        let elapsed = self.bar.elapsed().as_secs_f64().max(1e-9);
        self.bar.inc(bytes);
        self.bar.set_message(format!(
            "{:.1} M records, {:.1} M records/s",
            total as f64 / 1e6,
            total as f64 / elapsed / 1e6
        ));
    }
}

#[cfg(test)]
mod tests {
    use barsmith::settings::{Flag, SETTINGS, Settings};
    use clap::Args as _;

    use super::BarsArgs;

    /// The library's settings are the CLI's: every one has its flag, with the library's default.
    #[test]
    fn every_library_setting_is_a_flag_with_the_library_default() {
        let command = BarsArgs::augment_args(clap::Command::new("bars"));
        for (info, (name, default)) in SETTINGS.iter().zip(Settings::defaults()) {
            assert_eq!(info.name, name);
            let (flag, expected, switch) = match info.flag {
                Flag::Value(flag) => (flag, default, false),
                Flag::On(flag) => (flag, (default.as_deref() == Some("false")).then_some(String::new()), true),
                Flag::Off(flag) => (flag, (default.as_deref() == Some("true")).then_some(String::new()), true),
            };
            let long = flag.trim_start_matches("--");
            let arg = command.get_arguments().find(|a| a.get_long() == Some(long));
            let arg = arg.unwrap_or_else(|| panic!("the setting {name} has no flag {flag}"));
            let given: Vec<String> =
                arg.get_default_values().iter().map(|v| v.to_string_lossy().into_owned()).collect();
            if switch {
                assert!(matches!(arg.get_action(), clap::ArgAction::SetTrue), "{flag} is a switch");
                assert_eq!(expected.as_deref(), Some(""), "{flag}: the library's default is what the switch leaves");
            } else {
                assert_eq!((!given.is_empty()).then(|| given.join(",")), expected, "{flag}: default");
            }
        }
    }
}
