//! A bar file read back for plotting: the columns a chart needs, from CSV or Parquet.
//!
//! Only the columns the chart draws are kept (times, OHLC, volumes, `is_complete` and the requested feature
//! columns); every value becomes an `f64`, which is exact enough for pixels. A file that lacks a bar column is
//! refused as "not a bar file"; a requested feature the file does not have is refused with the list of those
//! it has.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use barsmith::output::{BAR_COLUMNS, MAX_GAP_COLUMN};

/// Bar columns the chart needs, in the order of [`BarTable::values`] after the two time columns.
pub const VALUE_COLUMNS: [&str; 7] = ["open", "high", "low", "close", "volume", "buy_volume", "sell_volume"];

/// The time columns every bar file has.
pub const TIME_COLUMNS: [&str; 2] = ["open_time", "close_time"];

/// The columns of one bar file that a chart draws.
#[derive(Debug, Default)]
pub struct BarTable {
    /// Symbol recorded in the file (Parquet metadata) or taken from its name (`BTCUSDT-250dbps.csv`).
    pub symbol: Option<String>,
    /// Threshold recorded in the file (Parquet metadata) or taken from its name.
    pub threshold_dbps: Option<u32>,
    /// The bar specification of another kind than range bars, recorded in the file (Parquet metadata
    /// `barsmith.bars`, e.g. `dollar:10000000`).
    pub bars: Option<String>,
    /// µs since the Unix epoch.
    pub open_time: Vec<i64>,
    /// µs since the Unix epoch.
    pub close_time: Vec<i64>,
    /// open, high, low, close, volume, buy_volume, sell_volume (see [`VALUE_COLUMNS`]).
    pub values: [Vec<f64>; 7],
    /// The `is_complete` column, when the file has one.
    pub is_complete: Option<Vec<bool>>,
    /// The requested feature columns, in the order asked for; `None` is a null.
    pub features: Vec<FeatureSeries>,
    /// `max_gap_us` per bar (µs, `None`: null), for the holes marked on the time axis; empty when the file has
    /// no such column (files of earlier builds).
    pub max_gap_us: Vec<Option<f64>>,
}

/// One feature column.
#[derive(Debug)]
pub struct FeatureSeries {
    /// Column name, e.g. `intra_ofi`.
    pub name: String,
    /// One value per bar; `None` where the file has a null.
    pub values: Vec<Option<f64>>,
}

impl BarTable {
    /// Number of bars.
    pub fn len(&self) -> usize {
        self.open_time.len()
    }

    /// Whether the file has no bars.
    pub fn is_empty(&self) -> bool {
        self.open_time.is_empty()
    }

    /// Opening prices.
    pub fn open(&self) -> &[f64] {
        &self.values[0]
    }
    /// Highest prices.
    pub fn high(&self) -> &[f64] {
        &self.values[1]
    }
    /// Lowest prices.
    pub fn low(&self) -> &[f64] {
        &self.values[2]
    }
    /// Closing prices.
    pub fn close(&self) -> &[f64] {
        &self.values[3]
    }
    /// Base-asset volume of buy records.
    pub fn buy_volume(&self) -> &[f64] {
        &self.values[5]
    }
    /// Base-asset volume of sell records.
    pub fn sell_volume(&self) -> &[f64] {
        &self.values[6]
    }
}

/// Reads a bar file written by `barsmith bars`, whatever its format: Parquet when it starts with the Parquet
/// magic, gzip- or zstd-compressed CSV when it starts with theirs (`-o bars.csv.gz`, `bars.csv.zst`), else CSV.
pub fn read_bar_file(path: &Path, features: &[String]) -> Result<BarTable> {
    let mut magic = [0u8; 4];
    let mut file = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let got = read_up_to(&mut file, &mut magic).with_context(|| format!("cannot read {}", path.display()))?;
    let mut table = if got == 4 && &magic == b"PAR1" {
        read_parquet(path, features)?
    } else {
        file.seek(SeekFrom::Start(0)).with_context(|| format!("cannot read {}", path.display()))?;
        let text: Box<dyn Read> = match magic {
            [0x1f, 0x8b, _, _] => Box::new(flate2::read::MultiGzDecoder::new(file)),
            ZSTD_MAGIC => {
                Box::new(zstd::Decoder::new(file).with_context(|| format!("cannot read {} (zstd)", path.display()))?)
            }
            _ => Box::new(file),
        };
        read_csv(path, text, features)?
    };
    let (symbol, dbps) = name_parts(path);
    table.symbol = table.symbol.or(symbol);
    table.threshold_dbps = table.threshold_dbps.or(dbps);
    Ok(table)
}

/// The first four bytes of a zstd frame.
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

fn read_up_to(file: &mut std::fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

#[cfg(feature = "parquet")]
fn read_parquet(path: &Path, features: &[String]) -> Result<BarTable> {
    super::parquet_table::read(path, features)
}

#[cfg(not(feature = "parquet"))]
fn read_parquet(path: &Path, _features: &[String]) -> Result<BarTable> {
    bail!("{} is a Parquet file, and this barsmith was built without its `parquet` feature", path.display())
}

/// The extensions `barsmith bars` gives its outputs (compared without regard to case).
const OUTPUT_EXTENSIONS: [&str; 5] = [".csv", ".csv.gz", ".csv.zst", ".parquet", ".pq"];

/// Symbol and threshold from a name `barsmith bars` gives its outputs: `{SYMBOL}-{DBPS}dbps[-{PERIOD}].{ext}`,
/// or `{DBPS}dbps[-{PERIOD}].{ext}` for a stream without a symbol (then only the threshold), where the period
/// is a day or a month of the inputs' Binance names, or two joined by `_` (`2026-01-01_2026-01-31`).
pub fn name_parts(path: &Path) -> (Option<String>, Option<u32>) {
    let Some(name) = path.file_name().and_then(|s| s.to_str()) else {
        return (None, None);
    };
    let lower = name.to_ascii_lowercase();
    let Some(extension) = OUTPUT_EXTENSIONS.iter().filter(|e| lower.ends_with(*e)).max_by_key(|e| e.len()) else {
        return (None, None);
    };
    let stem = without_period(&name[..name.len() - extension.len()]);
    let (symbol, threshold) = match stem.rsplit_once('-') {
        Some((symbol, threshold)) => (Some(symbol), threshold),
        None => (None, stem),
    };
    match (symbol, threshold.strip_suffix("dbps").and_then(|d| d.parse::<u32>().ok())) {
        (Some(""), _) | (_, None) => (None, None),
        (symbol, Some(dbps)) => (symbol.map(str::to_owned), Some(dbps)),
    }
}

/// `BTCUSDT-250dbps` from `BTCUSDT-250dbps-2026-01-01_2026-01-31`; the stem itself when it ends in no period.
fn without_period(stem: &str) -> &str {
    // A period is one or two of the Binance periods `bars` takes from its inputs' names, joined by `_`.
    let is_period = |text: &str| {
        text.split('_').count() <= 2 && text.split('_').all(|p| p.parse::<barsmith::inputs::Period>().is_ok())
    };
    let period_start =
        stem.match_indices('-').map(|(i, _)| i).find(|&i| stem[..i].ends_with("dbps") && is_period(&stem[i + 1..]));
    period_start.map_or(stem, |i| &stem[..i])
}

/// Whether a column is one of the bar columns (or their Parquet float companions, `max_gap_us`, or
/// `is_complete`).
fn is_bar_column(name: &str) -> bool {
    let base = name.strip_suffix("_f64").unwrap_or(name);
    name == "is_complete" || name == MAX_GAP_COLUMN || BAR_COLUMNS.iter().any(|c| c.name == base)
}

/// The feature columns among `names`: every column after the bar columns and their companions.
pub fn feature_columns<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    names.into_iter().filter(|n| !is_bar_column(n)).map(str::to_owned).collect()
}

/// The error for a file without the bar columns.
pub fn not_a_bar_file(path: &Path, missing: &[&str]) -> anyhow::Error {
    anyhow!(
        "{} is not a bar file written by `barsmith bars`: it has no {} column{} (plot reads the CSV or Parquet \
         output of `barsmith bars`, not aggTrades)",
        path.display(),
        missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", "),
        if missing.len() == 1 { "" } else { "s" }
    )
}

/// Checks that every requested column can be drawn: a feature column of the file (`available`), or
/// `max_gap_us` when the file has it (`has_max_gap`: the longest time between two records of a bar, where
/// exchange outages and holes in the data show).
pub fn check_features(path: &Path, wanted: &[String], available: &[String], has_max_gap: bool) -> Result<()> {
    for name in wanted {
        if available.iter().any(|a| a == name) || (name == MAX_GAP_COLUMN && has_max_gap) {
            continue;
        }
        if available.is_empty() {
            bail!(
                "unknown --feature `{name}`: {} has no feature columns (it was written with `--features none`)",
                path.display()
            );
        }
        bail!("unknown --feature `{name}`: the feature columns of {} are {}", path.display(), available.join(", "));
    }
    Ok(())
}

/// Which column of the file gives each needed value.
struct CsvColumns {
    times: [usize; 2],
    values: [usize; 7],
    is_complete: Option<usize>,
    features: Vec<usize>,
    max_gap: Option<usize>,
}

fn csv_columns(path: &Path, header: &csv::StringRecord, features: &[String]) -> Result<CsvColumns> {
    let position = |name: &str| header.iter().position(|h| h == name);
    let missing: Vec<&str> =
        TIME_COLUMNS.iter().chain(VALUE_COLUMNS.iter()).copied().filter(|c| position(c).is_none()).collect();
    if !missing.is_empty() {
        return Err(not_a_bar_file(path, &missing));
    }
    check_features(path, features, &feature_columns(header.iter()), position(MAX_GAP_COLUMN).is_some())?;
    let found = |name: &str| position(name).expect("checked above");
    Ok(CsvColumns {
        times: TIME_COLUMNS.map(found),
        values: VALUE_COLUMNS.map(found),
        is_complete: position("is_complete"),
        features: features.iter().map(|f| found(f)).collect(),
        max_gap: position(MAX_GAP_COLUMN),
    })
}

fn read_csv(path: &Path, text: impl Read, features: &[String]) -> Result<BarTable> {
    let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(text);
    let header = match reader.headers() {
        Ok(header) => header.clone(),
        Err(e) => bail!("{} is not a bar file written by `barsmith bars`: {e}", path.display()),
    };
    let columns = csv_columns(path, &header, features)?;
    let mut table = BarTable {
        is_complete: columns.is_complete.map(|_| Vec::new()),
        features: features.iter().map(|name| FeatureSeries { name: name.clone(), values: Vec::new() }).collect(),
        ..BarTable::default()
    };
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => bail!("{}: {e}", path.display()),
        }
        let line = record.position().map_or(0, |p| p.line());
        let cell = CsvCell { path, line, header: &header, record: &record };
        table.open_time.push(cell.integer(columns.times[0])?);
        table.close_time.push(cell.integer(columns.times[1])?);
        for (column, &index) in table.values.iter_mut().zip(&columns.values) {
            column.push(cell.number(index)?);
        }
        if let (Some(index), Some(out)) = (columns.is_complete, table.is_complete.as_mut()) {
            out.push(cell.boolean(index)?);
        }
        for (series, &index) in table.features.iter_mut().zip(&columns.features) {
            series.values.push(cell.optional_number(index)?);
        }
        if let Some(index) = columns.max_gap {
            table.max_gap_us.push(cell.optional_number(index)?);
        }
    }
    Ok(table)
}

/// One field of a CSV record, with what an error message needs.
struct CsvCell<'a> {
    path: &'a Path,
    line: u64,
    header: &'a csv::StringRecord,
    record: &'a csv::StringRecord,
}

impl CsvCell<'_> {
    fn text(&self, index: usize) -> &str {
        self.record.get(index).unwrap_or("")
    }

    fn error(&self, index: usize, what: &str) -> anyhow::Error {
        anyhow!(
            "{}: line {}, column `{}`: `{}` is not {what}",
            self.path.display(),
            self.line,
            self.header.get(index).unwrap_or("?"),
            self.text(index)
        )
    }

    fn integer(&self, index: usize) -> Result<i64> {
        self.text(index).parse().map_err(|_| self.error(index, "an integer (µs since the epoch)"))
    }

    fn number(&self, index: usize) -> Result<f64> {
        self.optional_number(index)?.ok_or_else(|| self.error(index, "a number (this column is never empty)"))
    }

    fn optional_number(&self, index: usize) -> Result<Option<f64>> {
        let text = self.text(index);
        if text.is_empty() {
            return Ok(None);
        }
        match text.parse::<f64>() {
            Ok(value) if value.is_finite() => Ok(Some(value)),
            _ => Err(self.error(index, "a finite number")),
        }
    }

    fn boolean(&self, index: usize) -> Result<bool> {
        match self.text(index) {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(self.error(index, "`true` or `false`")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_written_by_bars_give_symbol_and_threshold() {
        assert_eq!(name_parts(Path::new("out/BTCUSDT-250dbps.parquet")), (Some("BTCUSDT".into()), Some(250)));
        assert_eq!(name_parts(Path::new("SYNTH-USDT-10dbps.csv")), (Some("SYNTH-USDT".into()), Some(10)));
        assert_eq!(name_parts(Path::new("bars.csv")), (None, None));
        assert_eq!(name_parts(Path::new("-10dbps.csv")), (None, None));
        let period = (Some("BTCUSDT".into()), Some(250));
        assert_eq!(name_parts(Path::new("out/BTCUSDT-250dbps-2026-01-01.parquet")), period);
        assert_eq!(name_parts(Path::new("BTCUSDT-250dbps-2024-03-01_2024-03-03.csv.zst")), period);
        assert_eq!(name_parts(Path::new("BTCUSDT-250dbps-2025-12_2026-01.CSV.GZ")), period);
        assert_eq!(name_parts(Path::new("250dbps-2026-01-01.csv")), (None, Some(250)));
        assert_eq!(name_parts(Path::new("250dbps.pq")), (None, Some(250)));
        assert_eq!(name_parts(Path::new("BTCUSDT-250dbps-notes.csv")), (None, None));
        assert_eq!(name_parts(Path::new("BTCUSDT-250dbps.txt")), (None, None));
    }

    #[test]
    fn feature_columns_leave_out_bar_columns_and_companions() {
        let names = ["open_time", "open", "open_f64", "ofi", "intra_ofi", "is_complete"];
        assert_eq!(feature_columns(names), vec!["ofi".to_owned(), "intra_ofi".to_owned()]);
    }
}
