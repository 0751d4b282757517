//! `barsmith gen`.

use std::io::{self, Write};
use std::path::PathBuf;

use barsmith::core::FixedPoint;
use barsmith::generate::{GenConfig, GenFormat, write_trades};
use barsmith::output::OutputFile;
use clap::Args;
use clap::builder::TypedValueParser as _;

use super::Failure;
use super::gen_days as daily;

/// Arguments of `barsmith gen`.
#[derive(Debug, Args)]
pub struct GenArgs {
    /// Number of aggTrades records (default 100000; with --days or --end-time-us: no limit but the time).
    #[arg(long, value_name = "N")]
    trades: Option<u64>,
    /// Daily standard deviation of log returns as a fraction (0.025 = 2.5 %, BTC's typical day); prices move
    /// relative to the price, at any price scale. 0: the sample model alone, in ticks (earlier versions' bytes).
    #[arg(long, value_name = "FRACTION", default_value_t = 0.025)]
    volatility: f64,
    /// Mean records per day of time (default: the calibration sample's rate, about 584200); needs --volatility > 0.
    #[arg(long, value_name = "N")]
    trades_per_day: Option<f64>,
    /// Seed of the random stream (same seed, same bytes).
    #[arg(long, value_name = "N", default_value_t = 42)]
    seed: u64,
    /// File layout: `spot` (8 columns, no header, µs) or `um` (USD-M futures: header, 7 columns, ms).
    #[arg(long, value_name = "FORMAT", default_value_t = GenFormat::Spot, value_parser = clap::builder::PossibleValuesParser::new(["spot", "um"]).try_map(|s| s.parse::<GenFormat>()))]
    format: GenFormat,
    /// Price of the first record (rounded down to the tick).
    #[arg(long, value_name = "PRICE", default_value = "87648.21")]
    start_price: FixedPoint,
    /// Price grid: every price is a multiple of it.
    #[arg(long, value_name = "PRICE", default_value = "0.01")]
    tick: FixedPoint,
    /// Timestamp of the first record, microseconds since the epoch (default 2026-01-01T00:00:00Z).
    #[arg(long, value_name = "MICROS", default_value_t = 1_767_225_600_000_000)]
    start_time_us: i64,
    /// End the file after N days from the start time (a daily file matches its date).
    #[arg(long, value_name = "N", conflicts_with = "end_time_us")]
    days: Option<u32>,
    /// End the file before this timestamp, microseconds since the epoch.
    #[arg(long, value_name = "MICROS")]
    end_time_us: Option<i64>,
    /// agg_trade_id of the first record.
    #[arg(long, value_name = "ID", default_value_t = 1_000_000_000)]
    first_agg_trade_id: i64,
    /// first_trade_id of the first record (continue a previous file: its last last_trade_id + 1).
    #[arg(long, value_name = "ID", default_value_t = 5_000_000_000)]
    first_trade_id: i64,
    /// Symbol of the daily files written into a directory (`-o DIR/ --days N`).
    #[arg(long, value_name = "SYMBOL", default_value = "SYNTHUSDT")]
    symbol: String,
    /// Chance per event of a flash crash (a 3–8 % fall over 200–800 records).
    #[arg(long, value_name = "FRACTION", default_value_t = 0.0)]
    flash_crash_probability: f64,
    /// Output file (`.csv`, or `.csv.zst` for zstd), or `-` for stdout; or a directory (`DIR/`) with --days:
    /// one stream cut into daily files SYMBOL-aggTrades-YYYY-MM-DD.csv (with --zst: .csv.zst).
    #[arg(short, long, value_name = "PATH", default_value = "-")]
    output: PathBuf,
    /// Daily files in a directory are zstd-compressed (`.csv.zst`).
    #[arg(long)]
    zst: bool,
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

/// The generator's settings from the flags, every value checked.
fn config(args: &GenArgs) -> Result<GenConfig, Failure> {
    if !(0.0..=1.0).contains(&args.flash_crash_probability) {
        return Err(Failure::bad_input(format!(
            "--flash-crash-probability {}: must lie in 0..=1",
            args.flash_crash_probability
        )));
    }
    if args.tick.0 <= 0 {
        return Err(Failure::bad_input(format!("--tick {}: must be positive", args.tick)));
    }
    if args.start_price.0 < args.tick.0 {
        return Err(Failure::bad_input(format!(
            "--start-price {}: below one --tick ({}); give a price of at least one tick",
            args.start_price, args.tick
        )));
    }
    if !(0.0..=1.0).contains(&args.volatility) {
        return Err(Failure::bad_input(format!(
            "--volatility {}: give the daily standard deviation of log returns as a fraction in 0..=1 (0.025 = 2.5 %)",
            args.volatility
        )));
    }
    match args.trades_per_day {
        Some(_) if args.volatility == 0.0 => {
            return Err(Failure::bad_input(
                "--trades-per-day: needs --volatility above 0 (the sample model has its own rate)",
            ));
        }
        Some(rate) if !(rate >= 1.0 && rate.is_finite()) => {
            return Err(Failure::bad_input(format!("--trades-per-day {rate}: give at least 1")));
        }
        _ => {}
    }
    if args.trades == Some(0) {
        return Err(Failure::bad_input("--trades 0: give at least 1 (barsmith bars refuses an empty file)"));
    }
    let end_time_us = end_time_us(args)?;
    let trades = args.trades.unwrap_or(if end_time_us.is_some() { u64::MAX } else { 100_000 });
    Ok(GenConfig {
        seed: args.seed,
        trades,
        start_price: args.start_price,
        start_time_us: args.start_time_us,
        first_agg_trade_id: args.first_agg_trade_id,
        first_trade_id: args.first_trade_id,
        flash_crash_probability: args.flash_crash_probability,
        tick: args.tick,
        end_time_us,
        volatility: (args.volatility > 0.0).then_some(args.volatility),
        records_per_day: args.trades_per_day,
        ..GenConfig::default()
    })
}

/// The end of the stream from --days or --end-time-us, with the start checked against what bars reads.
fn end_time_us(args: &GenArgs) -> Result<Option<i64>, Failure> {
    use barsmith::ingest::reference::{END_TIMESTAMP_US, MIN_TIMESTAMP_US};
    if !(MIN_TIMESTAMP_US..END_TIMESTAMP_US).contains(&args.start_time_us) {
        return Err(Failure::bad_input(format!(
            "--start-time-us {}: barsmith bars reads times from 2009-01-01 ({MIN_TIMESTAMP_US}) to before 2100-01-01 \
             ({END_TIMESTAMP_US}) µs; give a time in that range",
            args.start_time_us
        )));
    }
    let end = match (args.days, args.end_time_us) {
        (Some(0), _) => return Err(Failure::bad_input("--days 0: give at least 1")),
        (Some(days), _) => Some(args.start_time_us + i64::from(days) * DAY_US),
        (None, Some(end)) if end <= args.start_time_us => {
            return Err(Failure::bad_input(format!("--end-time-us {end}: must be after --start-time-us")));
        }
        (None, end) => end,
    };
    if let Some(end) = end.filter(|&end| end > END_TIMESTAMP_US) {
        return Err(Failure::bad_input(format!(
            "--days/--end-time-us: the stream would run to {end} µs, after 2100-01-01"
        )));
    }
    Ok(end)
}

/// Runs `barsmith gen`.
pub fn run(args: GenArgs) -> Result<(), Failure> {
    let config = config(&args)?;
    if daily::is_directory(&args.output) {
        let Some(days) = args.days else {
            return Err(Failure::bad_input(format!(
                "-o {}: a directory takes daily files; give --days N",
                args.output.display()
            )));
        };
        return daily::write_days(&config, args.format, &args.output, &args.symbol, days, args.zst);
    }
    if args.zst {
        return Err(Failure::bad_input("--zst: only for daily files in a directory; name the file .csv.zst"));
    }
    let compressed = compressed(&args.output)?;
    write_file(&args.output, compressed, |mut out| write_trades(&mut out, &config, args.format).map(|_| ()))
}

/// Writes one output file (atomically: under a temporary name, moved into place at the end).
pub(super) fn write_file(
    path: &std::path::Path,
    compressed: bool,
    body: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), Failure> {
    let write_error = |e: io::Error| barsmith::Error::from_output(path, e);
    let file = OutputFile::create(path).map_err(write_error)?;
    let mut out = io::BufWriter::with_capacity(1 << 16, file.writer().map_err(write_error)?);
    if compressed {
        let mut encoder = zstd::Encoder::new(&mut out, 3).map_err(write_error)?;
        body(&mut encoder).map_err(write_error)?;
        encoder.finish().map_err(write_error)?;
    } else {
        body(&mut out).map_err(write_error)?;
    }
    out.flush().map_err(write_error)?;
    drop(out);
    file.finish().map_err(write_error)?;
    Ok(())
}
