//! Writing bars: the CSV layout and atomic file output.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

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

/// An output file that appears at its path only when [`AtomicFile::commit`] succeeds.
///
/// Bytes go to a temporary file in the same directory, renamed over the target at the end; a failed or
/// interrupted run leaves no partial output (the temporary file is removed when dropped).
#[derive(Debug)]
pub struct AtomicFile {
    target: PathBuf,
    temp: tempfile::NamedTempFile,
}

impl AtomicFile {
    /// Creates the temporary file beside `target`.
    pub fn create(target: &Path) -> io::Result<AtomicFile> {
        let dir = match target.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let temp = tempfile::Builder::new().prefix(&format!(".{name}.")).suffix(".partial").tempfile_in(dir)?;
        Ok(AtomicFile { target: target.to_path_buf(), temp })
    }

    /// A buffered writer into the temporary file.
    pub fn writer(&self) -> io::Result<BufWriter<File>> {
        Ok(BufWriter::with_capacity(1 << 20, self.temp.as_file().try_clone()?))
    }

    /// Flushes to disk and renames the temporary file over the target.
    pub fn commit(self) -> io::Result<()> {
        // Temporary files are created private (0600); an output file gets the usual 0644.
        #[cfg(unix)]
        std::fs::set_permissions(self.temp.path(), std::os::unix::fs::PermissionsExt::from_mode(0o644))?;
        self.temp.as_file().sync_all()?;
        self.temp.persist(&self.target).map_err(|e| e.error)?;
        Ok(())
    }
}
