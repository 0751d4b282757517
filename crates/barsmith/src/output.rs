//! Writing bars: the CSV layout and atomic file output.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use barsmith_core::{RangeBar, SCALE, TURNOVER_SCALE, format_scaled_i128};

/// Column names of the bar CSV, in order (see `docs/OUTPUT.md`).
pub const BAR_COLUMNS: [&str; 21] = [
    "open_time",
    "close_time",
    "open",
    "high",
    "low",
    "close",
    "volume",
    "turnover",
    "buy_volume",
    "sell_volume",
    "buy_turnover",
    "sell_turnover",
    "vwap",
    "agg_record_count",
    "individual_trade_count",
    "buy_trade_count",
    "sell_trade_count",
    "first_agg_trade_id",
    "last_agg_trade_id",
    "first_trade_id",
    "last_trade_id",
];

/// Writes the header row; `is_complete` is appended when incomplete bars are included.
pub fn write_csv_header(out: &mut impl Write, with_completeness: bool, extra: &[&str]) -> io::Result<()> {
    let mut header = BAR_COLUMNS.join(",");
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
    let volume = |v: i128| format_scaled_i128(v, i128::from(SCALE), 8);
    let turnover = |v: i128| format_scaled_i128(v, TURNOVER_SCALE, 16);
    write!(
        out,
        "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
        bar.open_time,
        bar.close_time,
        bar.open,
        bar.high,
        bar.low,
        bar.close,
        volume(bar.volume),
        turnover(bar.turnover),
        volume(bar.buy_volume),
        volume(bar.sell_volume),
        turnover(bar.buy_turnover),
        turnover(bar.sell_turnover),
        bar.vwap,
        bar.agg_record_count,
        bar.individual_trade_count,
        bar.buy_trade_count,
        bar.sell_trade_count,
        bar.first_agg_trade_id,
        bar.last_agg_trade_id,
        bar.first_trade_id,
        bar.last_trade_id,
    )
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
