//! Writing bars: the CSV layout, and output files that appear whole or not at all ([`file`]).

mod file;

pub use file::{AtomicFile, OutputFile, Transaction, abandon_uncommitted, same_file};

use std::io::{self, Write};

use barsmith_core::{RangeBar, SCALE, TURNOVER_SCALE, format_scaled_i128};

/// How an exact bar column is stored and printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnKind {
    /// Microseconds since the Unix epoch (CSV: an integer; Parquet: `Timestamp(Microsecond, "UTC")`).
    Timestamp,
    /// A price at scale 10^8 (CSV: 8 decimals; Parquet: `Decimal128(38, 8)` plus a `Float64` companion).
    Price,
    /// A volume at scale 10^8 (as [`ColumnKind::Price`]).
    Volume,
    /// A turnover at scale 10^16 (CSV: 16 decimals; Parquet: `Decimal128(38, 16)` plus a `Float64` companion).
    Turnover,
    /// A count or an id (CSV: an integer; Parquet: `Int64`).
    Integer,
}

impl ColumnKind {
    /// Fractional digits of a decimal column; `None` for timestamps and integers.
    pub fn decimals(self) -> Option<u8> {
        match self {
            ColumnKind::Price | ColumnKind::Volume => Some(8),
            ColumnKind::Turnover => Some(16),
            ColumnKind::Timestamp | ColumnKind::Integer => None,
        }
    }
}

/// One exact bar column: its name, kind and raw value (a count of 10^-decimals for decimal kinds).
#[derive(Clone, Copy, Debug)]
pub struct BarColumn {
    /// The column name in every output format.
    pub name: &'static str,
    /// Storage and printing.
    pub kind: ColumnKind,
    /// The exact value.
    pub raw: fn(&RangeBar) -> i128,
}

/// The exact bar columns of every output (CSV, Parquet, Arrow), in order; the feature columns follow them
/// (`barsmith_core::features::feature_columns`), then `is_complete` when incomplete bars are included.
/// See `docs/OUTPUT.md`.
pub const BAR_COLUMNS: [BarColumn; 21] = {
    use ColumnKind::{Integer, Price, Timestamp, Turnover, Volume};
    const fn column(name: &'static str, kind: ColumnKind, raw: fn(&RangeBar) -> i128) -> BarColumn {
        BarColumn { name, kind, raw }
    }
    [
        column("open_time", Timestamp, |b| b.open_time.into()),
        column("close_time", Timestamp, |b| b.close_time.into()),
        column("open", Price, |b| b.open.0.into()),
        column("high", Price, |b| b.high.0.into()),
        column("low", Price, |b| b.low.0.into()),
        column("close", Price, |b| b.close.0.into()),
        column("volume", Volume, |b| b.volume),
        column("turnover", Turnover, |b| b.turnover),
        column("buy_volume", Volume, |b| b.buy_volume),
        column("sell_volume", Volume, |b| b.sell_volume),
        column("buy_turnover", Turnover, |b| b.buy_turnover),
        column("sell_turnover", Turnover, |b| b.sell_turnover),
        column("vwap", Price, |b| b.vwap.0.into()),
        column("agg_record_count", Integer, |b| b.agg_record_count.into()),
        column("individual_trade_count", Integer, |b| b.individual_trade_count.into()),
        column("buy_trade_count", Integer, |b| b.buy_trade_count.into()),
        column("sell_trade_count", Integer, |b| b.sell_trade_count.into()),
        column("first_agg_trade_id", Integer, |b| b.first_agg_trade_id.into()),
        column("last_agg_trade_id", Integer, |b| b.last_agg_trade_id.into()),
        column("first_trade_id", Integer, |b| b.first_trade_id.into()),
        column("last_trade_id", Integer, |b| b.last_trade_id.into()),
    ]
};

/// The nullable column after the bar columns: the longest time in µs between consecutive records of the bar.
pub const MAX_GAP_COLUMN: &str = "max_gap_us";

/// Writes the header row: the bar columns, [`MAX_GAP_COLUMN`], `extra`, and `is_complete` when incomplete bars
/// are included.
pub fn write_csv_header(out: &mut impl Write, with_completeness: bool, extra: &[&str]) -> io::Result<()> {
    let names: Vec<&str> = BAR_COLUMNS.iter().map(|column| column.name).collect();
    let mut header = names.join(",");
    header.push(',');
    header.push_str(MAX_GAP_COLUMN);
    for column in extra {
        header.push(',');
        header.push_str(column);
    }
    if with_completeness {
        header.push_str(",is_complete");
    }
    writeln!(out, "{header}")
}

/// Writes the exact fields of one bar (no newline): prices and volumes with 8 decimals, turnovers with 16.
pub fn write_csv_bar_fields(out: &mut impl Write, bar: &RangeBar) -> io::Result<()> {
    for (i, column) in BAR_COLUMNS.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        let raw = (column.raw)(bar);
        match column.kind.decimals() {
            None => write!(out, "{raw}")?,
            Some(8) => out.write_all(format_scaled_i128(raw, i128::from(SCALE), 8).as_bytes())?,
            Some(decimals) => {
                out.write_all(format_scaled_i128(raw, TURNOVER_SCALE, usize::from(decimals)).as_bytes())?
            }
        }
    }
    Ok(())
}
