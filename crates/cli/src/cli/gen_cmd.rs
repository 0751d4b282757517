//! `barsmith gen`.

use std::io::{self, Write};
use std::path::PathBuf;

use barsmith::core::FixedPoint;
use barsmith::generate::{GenConfig, GenFormat, write_trades};
use barsmith::output::OutputFile;
use clap::Args;
use clap::builder::TypedValueParser as _;

use super::Failure;

/// Arguments of `barsmith gen`.
#[derive(Debug, Args)]
pub struct GenArgs {
    /// Number of aggTrades records (default 100000; with --days or --end-time-us: no limit but the time).
    #[arg(long)]
    trades: Option<u64>,
    /// Seed of the random stream (same seed, same bytes).
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// File layout: `spot` (8 columns, no header, µs) or `um` (USD-M futures: header, 7 columns, ms).
    #[arg(long, default_value_t = GenFormat::Spot, value_parser = clap::builder::PossibleValuesParser::new(["spot", "um"]).try_map(|s| s.parse::<GenFormat>()))]
    format: GenFormat,
    /// Price of the first record (rounded down to the tick).
    #[arg(long, default_value = "87648.21")]
    start_price: FixedPoint,
    /// Price grid: every price is a multiple of it.
    #[arg(long, default_value = "0.01")]
    tick: FixedPoint,
    /// Timestamp of the first record, microseconds since the epoch (default 2026-01-01T00:00:00Z).
    #[arg(long, default_value_t = 1_767_225_600_000_000)]
    start_time_us: i64,
    /// End the file after N days from the start time (a daily file matches its date).
    #[arg(long, conflicts_with = "end_time_us")]
    days: Option<u32>,
    /// End the file before this timestamp, microseconds since the epoch.
    #[arg(long)]
    end_time_us: Option<i64>,
    /// agg_trade_id of the first record.
    #[arg(long, default_value_t = 1_000_000_000)]
    first_agg_trade_id: i64,
    /// Chance per event of a flash crash (a 3–8 % fall over 200–800 records).
    #[arg(long, default_value_t = 0.0)]
    flash_crash_probability: f64,
    /// Output file (`.csv`, or `.csv.zst` for zstd), or `-` for stdout.
    #[arg(short, long, default_value = "-")]
    output: PathBuf,
}

/// Microseconds in a day.
const DAY_US: i64 = 86_400_000_000;

/// Whether the output is zstd-compressed, from its extension (any case); other extensions are refused.
fn compressed(path: &std::path::Path) -> Result<bool, Failure> {
    let name = path.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    if name.ends_with(".csv.zst") || name.ends_with(".zst") {
        return Ok(true);
    }
    if name.ends_with(".csv") || path.extension().is_none() {
        return Ok(false);
    }
    Err(Failure::bad_input(format!(
        "-o {}: unknown extension for generated trades; use .csv or .csv.zst (the inputs barsmith bars reads)",
        path.display()
    )))
}

/// Runs `barsmith gen`.
pub fn run(args: GenArgs) -> Result<(), Failure> {
    if !(0.0..=1.0).contains(&args.flash_crash_probability) {
        return Err(Failure::bad_input(format!(
            "--flash-crash-probability {}: must lie in 0..=1",
            args.flash_crash_probability
        )));
    }
    if args.tick.0 <= 0 {
        return Err(Failure::bad_input(format!("--tick {}: must be positive", args.tick)));
    }
    let end_time_us = match (args.days, args.end_time_us) {
        (Some(0), _) => return Err(Failure::bad_input("--days 0: give at least 1")),
        (Some(days), _) => Some(args.start_time_us + i64::from(days) * DAY_US),
        (None, Some(end)) if end <= args.start_time_us => {
            return Err(Failure::bad_input(format!("--end-time-us {end}: must be after --start-time-us")));
        }
        (None, end) => end,
    };
    let trades = args.trades.unwrap_or(if end_time_us.is_some() { u64::MAX } else { 100_000 });
    let config = GenConfig {
        seed: args.seed,
        trades,
        start_price: args.start_price,
        start_time_us: args.start_time_us,
        first_agg_trade_id: args.first_agg_trade_id,
        flash_crash_probability: args.flash_crash_probability,
        tick: args.tick,
        end_time_us,
        ..GenConfig::default()
    };
    let compressed = compressed(&args.output)?;
    let write_error = |e: io::Error| barsmith::Error::from_output(&args.output, e);
    let file = OutputFile::create(&args.output).map_err(write_error)?;
    let mut out = io::BufWriter::with_capacity(1 << 16, file.writer().map_err(write_error)?);
    if compressed {
        let mut encoder = zstd::Encoder::new(&mut out, 3).map_err(write_error)?;
        write_trades(&mut encoder, &config, args.format).map_err(write_error)?;
        encoder.finish().map_err(write_error)?;
    } else {
        write_trades(&mut out, &config, args.format).map_err(write_error)?;
    }
    out.flush().map_err(write_error)?;
    drop(out);
    file.finish().map_err(write_error)?;
    Ok(())
}
