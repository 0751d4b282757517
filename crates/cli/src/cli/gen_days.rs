//! `barsmith gen -o DIR/ --days N`: one generated stream cut at UTC midnights into daily files named as Binance
//! names them, so that ids, prices and times continue from one file to the next.

use std::path::Path;

use barsmith::calendar::Day;
use barsmith::core::Trade;
use barsmith::generate::{GenConfig, GenFormat, TradeGenerator, UM_HEADER, write_row};

use super::Failure;
use super::gen_cmd::write_file;

/// Microseconds in a day.
const DAY_US: i64 = 86_400_000_000;

/// Whether `-o` names a directory: it ends with a path separator or is one.
pub(super) fn is_directory(path: &Path) -> bool {
    let text = path.as_os_str().to_string_lossy();
    text.ends_with('/') || text.ends_with(std::path::MAIN_SEPARATOR) || path.is_dir()
}

/// Writes the stream of `config` into `dir`, one file per UTC day it touches (days without records are not
/// written: the stream may end early with --trades).
pub(super) fn write_days(
    config: &GenConfig,
    format: GenFormat,
    dir: &Path,
    symbol: &str,
    days: u32,
    zst: bool,
) -> Result<(), Failure> {
    let extension = if zst { "csv.zst" } else { "csv" };
    let probe = dir.join(format!("{symbol}-aggTrades-2026-01-01.{extension}"));
    if barsmith::ingest::parse_binance_name(&probe).is_none_or(|name| name.symbol != symbol) {
        return Err(Failure::bad_input(format!(
            "--symbol {symbol:?}: not a symbol barsmith bars reads from a file name; use upper-case letters and \
             digits, e.g. BTCUSDT"
        )));
    }
    std::fs::create_dir_all(dir).map_err(|e| barsmith::Error::from_output(dir, e))?;
    let mut trades = TradeGenerator::new(config.clone()).peekable();
    for _ in 0..=days {
        let Some(first) = trades.peek() else { break };
        let day_start = first.timestamp_us.div_euclid(DAY_US) * DAY_US;
        let day = Day::of_timestamp_us(day_start)
            .ok_or_else(|| Failure::bad_input(format!("a generated time ({day_start} µs) has no calendar day")))?;
        let path = dir.join(format!("{symbol}-aggTrades-{day}.{extension}"));
        let in_day = |trade: &Trade| trade.timestamp_us < day_start + DAY_US;
        write_file(&path, zst, |mut out| {
            if format == GenFormat::Um {
                writeln!(out, "{UM_HEADER}")?;
            }
            while let Some(trade) = trades.next_if(in_day) {
                write_row(&mut out, &trade, format)?;
            }
            Ok(())
        })?;
    }
    Ok(())
}
