//! `barsmith gen`.

use std::io::{self, Write};
use std::path::PathBuf;

use barsmith::core::FixedPoint;
use barsmith::generate::{GenConfig, GenFormat, write_trades};
use barsmith::output::AtomicFile;
use clap::Args;
use clap::builder::TypedValueParser as _;

use super::Failure;

/// Arguments of `barsmith gen`.
#[derive(Debug, Args)]
pub struct GenArgs {
    /// Number of aggTrades records.
    #[arg(long, default_value_t = 100_000)]
    trades: u64,
    /// Seed of the random stream (same seed, same bytes).
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// File layout: `spot` (8 columns, no header, µs) or `um` (USD-M futures: header, 7 columns, ms).
    #[arg(long, default_value_t = GenFormat::Spot, value_parser = clap::builder::PossibleValuesParser::new(["spot", "um"]).try_map(|s| s.parse::<GenFormat>()))]
    format: GenFormat,
    /// Price of the first record.
    #[arg(long, default_value = "87648.21")]
    start_price: FixedPoint,
    /// Timestamp of the first record, microseconds since the epoch.
    #[arg(long, default_value_t = 1_767_225_600_000_000)]
    start_time_us: i64,
    /// agg_trade_id of the first record.
    #[arg(long, default_value_t = 1_000_000_000)]
    first_agg_trade_id: i64,
    /// Chance per event of a flash crash (a 3–8 % fall over 200–800 records).
    #[arg(long, default_value_t = 0.0)]
    flash_crash_probability: f64,
    /// Output file (`.zst` suffix: zstd-compressed), or `-` for stdout.
    #[arg(short, long, default_value = "-")]
    output: PathBuf,
}

/// Runs `barsmith gen`.
pub fn run(args: GenArgs) -> Result<(), Failure> {
    if !(0.0..=1.0).contains(&args.flash_crash_probability) {
        return Err(Failure::bad_input(anyhow::anyhow!("--flash-crash-probability must lie in 0..=1")));
    }
    let config = GenConfig {
        seed: args.seed,
        trades: args.trades,
        start_price: args.start_price,
        start_time_us: args.start_time_us,
        first_agg_trade_id: args.first_agg_trade_id,
        flash_crash_probability: args.flash_crash_probability,
        ..GenConfig::default()
    };
    let write_error = |e: io::Error| barsmith::Error::from_output(&args.output, e);
    if args.output.as_os_str() == "-" {
        let mut out = io::BufWriter::new(io::stdout().lock());
        write_trades(&mut out, &config, args.format).and_then(|_| out.flush()).map_err(write_error)?;
        return Ok(());
    }
    let file = AtomicFile::create(&args.output).map_err(write_error)?;
    let compressed = args.output.extension().is_some_and(|e| e == "zst");
    let mut out = file.writer().map_err(write_error)?;
    if compressed {
        let mut encoder = zstd::Encoder::new(&mut out, 3).map_err(write_error)?;
        write_trades(&mut encoder, &config, args.format).map_err(write_error)?;
        encoder.finish().map_err(write_error)?;
    } else {
        write_trades(&mut out, &config, args.format).map_err(write_error)?;
    }
    out.flush().map_err(write_error)?;
    drop(out);
    file.commit().map_err(write_error)?;
    Ok(())
}
