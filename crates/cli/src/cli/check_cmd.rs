//! `barsmith check`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::anyhow;
use barsmith::check::{CheckOptions, CheckReport, ChecksumStatus, Findings, RecordAt, SymbolReport, check};
use barsmith::core::format_utc_us;
use clap::Args;

use super::{Failure, parse_duration};

/// Arguments of `barsmith check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// aggTrades files or directories (searched recursively), with Binance names
    /// (SYMBOL-aggTrades-YYYY-MM[-DD].zip|csv|csv.zst).
    #[arg(value_name = "PATH", required = true)]
    inputs: Vec<PathBuf>,
    /// Report consecutive records further apart than this (us, ms, s, m, h).
    #[arg(value_name = "DURATION", long, default_value = "1h", value_parser = parse_duration)]
    max_gap: Duration,
    /// Do not hash archives against the `.CHECKSUM` files beside them.
    #[arg(long)]
    no_checksums: bool,
    /// Findings listed per kind and symbol (all are counted).
    #[arg(value_name = "N", long, default_value_t = 20)]
    max_listed: usize,
    /// Files read at once; default: all cores.
    #[arg(value_name = "N", long)]
    threads: Option<usize>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// Print nothing: the exit code is the answer (0 clean, 1 something reported, 2 unreadable input).
    #[arg(short, long, conflicts_with = "json")]
    quiet: bool,
}

/// Runs `barsmith check`: exit 0 when clean, 1 when anything is reported, 2 on unreadable input.
pub fn run(args: CheckArgs) -> Result<(), Failure> {
    let options = CheckOptions {
        max_gap_us: i64::try_from(args.max_gap.as_micros()).unwrap_or(i64::MAX),
        verify_checksums: !args.no_checksums,
        max_listed: args.max_listed,
        threads: args.threads,
        ingest: barsmith::ingest::IngestOptions { memory_map: true, ..Default::default() },
    };
    let report = check(&args.inputs, &options)?;
    if args.json {
        let text = serde_json::to_string_pretty(&report).map_err(|e| Failure::with_code(anyhow!(e), 1))?;
        println!("{text}");
    } else if !args.quiet {
        print!("{}", render(&report));
    }
    if report.unreadable() > 0 {
        Err(Failure::silent(2))
    } else if report.finding_count() > 0 {
        Err(Failure::silent(1))
    } else {
        Ok(())
    }
}

/// The human-readable report.
fn render(report: &CheckReport) -> String {
    let mut out = String::new();
    for symbol in &report.symbols {
        render_symbol(&mut out, symbol, report.max_gap_us);
    }
    for part in &report.unfinished_downloads {
        let _ = writeln!(
            out,
            "unfinished download of `barsmith fetch`: {} (run the same fetch again to resume it)",
            part.display()
        );
    }
    let (findings, unreadable) = (report.finding_count(), report.unreadable());
    if findings == 0 && unreadable == 0 {
        out.push_str("clean\n");
    } else {
        let _ = writeln!(out, "{findings} finding(s), {unreadable} unreadable file(s)");
    }
    out
}

fn render_symbol(out: &mut String, symbol: &SymbolReport, max_gap_us: i64) {
    let range = match (symbol.first_day, symbol.last_day) {
        (Some(first), Some(last)) => format!("{first} .. {last}"),
        _ => "no dates".to_owned(),
    };
    let _ = writeln!(out, "{}: {} file(s), {range}, {} records", symbol.symbol, symbol.files.len(), symbol.records);
    if let (Some(first), Some(last)) = (symbol.first_timestamp_us, symbol.last_timestamp_us) {
        let _ = writeln!(out, "  records from {} to {}", format_utc_us(first), format_utc_us(last));
    }
    if !symbol.missing_days.is_empty() {
        let days: Vec<String> = symbol.missing_days.iter().map(ToString::to_string).collect();
        let _ = writeln!(out, "  missing days ({}): {}", days.len(), days.join(", "));
    }
    for (a, b) in &symbol.overlapping_files {
        let _ = writeln!(out, "  overlapping files: {} and {} cover the same day(s)", a.display(), b.display());
    }
    let findings = &symbol.findings;
    render_findings(out, "agg_trade_id gaps", &findings.id_gaps, |pair| format!("{} ids missing", pair.missing_ids()));
    render_findings(out, "repeated agg_trade_ids", &findings.repeats, |_| "repeat".to_owned());
    render_findings(out, "out-of-order records", &findings.out_of_order, |_| "goes back".to_owned());
    let title = format!("time gaps over {}", human_duration(max_gap_us));
    render_findings(out, &title, &findings.time_gaps, |pair| human_duration(pair.gap_us()));
    for file in &symbol.files {
        if let Some(first) = &file.first_outside_period {
            let _ = writeln!(
                out,
                "  {}: {} record(s) outside {}, first {}",
                file.path.display(),
                file.records_outside_period,
                file.period.as_deref().unwrap_or("its period"),
                record(first)
            );
        }
        match &file.checksum {
            ChecksumStatus::Mismatch { expected, actual } => {
                let _ = writeln!(
                    out,
                    "  checksum mismatch: {}: .CHECKSUM says {expected}, the file hashes to {actual}",
                    file.path.display()
                );
            }
            ChecksumStatus::Invalid { reason } => {
                let _ = writeln!(out, "  bad checksum file: {reason}");
            }
            ChecksumStatus::Verified | ChecksumStatus::Absent => {}
        }
        if let Some(error) = &file.error {
            let _ = writeln!(out, "  unreadable: {error}");
        }
    }
    let verified = symbol.files.iter().filter(|f| f.checksum == ChecksumStatus::Verified).count();
    let absent = symbol.files.iter().filter(|f| f.checksum == ChecksumStatus::Absent).count();
    let _ = writeln!(out, "  checksums: {verified} verified, {absent} without a .CHECKSUM");
}

fn render_findings(
    out: &mut String,
    title: &str,
    findings: &Findings,
    what: impl Fn(&barsmith::check::RecordPair) -> String,
) {
    if findings.count == 0 {
        return;
    }
    let _ = writeln!(out, "  {title} ({}):", findings.count);
    for pair in &findings.listed {
        let _ = writeln!(out, "    {} -> {}: {}", record(&pair.before), record(&pair.after), what(pair));
    }
    let unlisted = findings.count - findings.listed.len() as u64;
    if unlisted > 0 {
        let _ = writeln!(out, "    … and {unlisted} more (--max-listed, or --json)");
    }
}

/// `id 123 at 2024-03-01T00:00:01.000000Z (FILE:LINE)`.
fn record(record: &RecordAt) -> String {
    format!(
        "id {} at {} ({}:{})",
        record.agg_trade_id,
        format_utc_us(record.timestamp_us),
        file_name(&record.path),
        record.line
    )
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}

/// `1h 2m 3.5s`-style text for a duration in µs (negative shown with a minus).
fn human_duration(us: i64) -> String {
    let sign = if us < 0 { "-" } else { "" };
    let us = us.unsigned_abs();
    let (hours, minutes) = (us / 3_600_000_000, us / 60_000_000 % 60);
    let seconds = (us % 60_000_000) as f64 / 1e6;
    match (hours, minutes) {
        (0, 0) => format!("{sign}{seconds}s"),
        (0, _) => format!("{sign}{minutes}m {seconds}s"),
        _ => format!("{sign}{hours}h {minutes}m {seconds}s"),
    }
}
