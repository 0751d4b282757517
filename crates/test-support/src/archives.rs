//! Generated aggTrades days and zip archives (cargo feature `mirror`): the synthetic days the fetch, check and
//! CLI tests serve or read, and the one zip writer.

use std::io::{Cursor, Write};
use std::path::Path;

use barsmith::generate::{GenConfig, GenFormat, TradeGenerator, write_row};

/// Microseconds in a day.
const DAY_US: i64 = 86_400_000_000;

/// Generator settings for day `day_index` (0-based) of a run of days that continue each other's ids: the day
/// starts at `day_start_us`, its first agg_trade_id is `first_id + day_index × trades_per_day`, and its first
/// trade id `10_000_000 + day_index × 10 × trades_per_day`.
pub fn day_config(seed: u64, day_start_us: i64, day_index: u64, first_id: i64, trades_per_day: u64) -> GenConfig {
    GenConfig {
        seed,
        trades: trades_per_day,
        start_time_us: day_start_us,
        first_agg_trade_id: first_id + day_index as i64 * trades_per_day as i64,
        first_trade_id: 10_000_000 + day_index as i64 * 10 * trades_per_day as i64,
        ..GenConfig::default()
    }
}

/// A day of synthetic spot trades for `symbol_index` that continues the previous day's ids: the generator's
/// prices, sizes and same-timestamp runs, with the distinct timestamps spread evenly over the whole day (so that
/// consecutive days have no time gap longer than a day's share per record). The day is `days_since_epoch`
/// days after 1970-01-01, the `day_index`-th (0-based) of its run.
pub fn day_csv(symbol_index: u64, days_since_epoch: i64, day_index: u64, trades_per_day: u64) -> Vec<u8> {
    let first_id = 1_000_000 * (symbol_index as i64 + 1);
    let config =
        day_config(1000 * symbol_index + day_index, days_since_epoch * DAY_US, day_index, first_id, trades_per_day);
    let day_start = config.start_time_us;
    let step = DAY_US / trades_per_day as i64;
    let mut csv = Vec::new();
    let mut previous_generated = None;
    let mut timestamp = day_start;
    for (index, mut trade) in TradeGenerator::new(config).enumerate() {
        if previous_generated != Some(trade.timestamp_us) {
            timestamp = day_start + index as i64 * step;
        }
        previous_generated = Some(trade.timestamp_us);
        trade.timestamp_us = timestamp;
        write_row(&mut csv, &trade, GenFormat::Spot).unwrap();
    }
    csv
}

/// A zip archive holding one deflated member.
pub fn zip_one(member: &str, bytes: &[u8]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    zip.start_file(member, options).unwrap();
    zip.write_all(bytes).unwrap();
    zip.finish().unwrap().into_inner()
}

/// Writes a zip archive holding one deflated member to `path`.
pub fn write_zip(path: &Path, member: &str, bytes: &[u8]) {
    std::fs::write(path, zip_one(member, bytes)).unwrap();
}
