//! How a live run's bars become bytes: CSV rows (the batch writer's [`CsvRows`]), NDJSON objects (one per bar,
//! the CSV row's fields under its header's names), and the staging lines of an open Parquet day (one JSON
//! [`FeaturedBar`] per line, read back when the day's Parquet file is written).

use std::io::{self, Write};

use barsmith_core::features::FeaturedBar;

use crate::error::Error;
use crate::output::{CsvRows, OutputSchema};

/// The format of a live run's output.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LiveFormat {
    /// CSV, as `barsmith bars` writes it.
    #[default]
    Csv,
    /// One JSON object per bar per line: the CSV row's fields, under the header's names.
    Ndjson,
    /// Parquet, as `barsmith bars` writes it: one file per UTC day, complete when the day ends (directories only).
    Parquet,
}

impl LiveFormat {
    /// The name (`csv`, `ndjson`, `parquet`), which is also the day files' extension.
    pub fn name(self) -> &'static str {
        match self {
            LiveFormat::Csv => "csv",
            LiveFormat::Ndjson => "ndjson",
            LiveFormat::Parquet => "parquet",
        }
    }
}

impl std::str::FromStr for LiveFormat {
    type Err = Error;

    fn from_str(text: &str) -> Result<LiveFormat, Error> {
        match text {
            "csv" => Ok(LiveFormat::Csv),
            "ndjson" => Ok(LiveFormat::Ndjson),
            "parquet" => Ok(LiveFormat::Parquet),
            _ => Err(Error::usage(
                barsmith_core::Named::from_setting("format")
                    .then(format!(": unknown live output format {text:?} (expected csv, ndjson or parquet)")),
            )),
        }
    }
}

impl std::fmt::Display for LiveFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Encodes bars as the bytes of one format.
pub(crate) struct Rows {
    format: LiveFormat,
    csv: CsvRows,
    /// The CSV header's column names (for NDJSON keys), identity columns included.
    names: Vec<String>,
    scratch: Vec<u8>,
}

impl Rows {
    pub(crate) fn new(schema: &OutputSchema, format: LiveFormat) -> Rows {
        let csv = CsvRows::new(schema);
        let mut header = Vec::new();
        csv.header(&mut header).expect("writing to a Vec cannot fail");
        let names = String::from_utf8_lossy(&header).trim_end().split(',').map(str::to_string).collect();
        Rows { format, csv, names, scratch: Vec::new() }
    }

    /// What a file starts with: the CSV header, nothing for NDJSON and staging lines.
    pub(crate) fn header(&self, out: &mut Vec<u8>) {
        if self.format == LiveFormat::Csv {
            self.csv.header(out).expect("writing to a Vec cannot fail");
        }
    }

    /// Appends one bar's line (newline included) to `out`; `prefix` is the identity columns' CSV fields.
    pub(crate) fn row(&mut self, out: &mut Vec<u8>, prefix: &[u8], bar: &FeaturedBar) -> io::Result<()> {
        match self.format {
            LiveFormat::Csv => self.csv.row(out, prefix, bar, true),
            LiveFormat::Ndjson => {
                self.scratch.clear();
                self.csv.row(&mut self.scratch, prefix, bar, true)?;
                ndjson_object(out, &self.names, &self.scratch);
                Ok(())
            }
            LiveFormat::Parquet => staging_line(out, bar),
        }
    }
}

/// The CSV row `row` (newline-terminated; no field is quoted: symbols are letters and digits, the rest numbers)
/// as a JSON object under `names`: an empty field is `null`, `symbol` a string, `NaN`/`inf`/`-inf` strings
/// (JSON has no such numbers), every other field a JSON number with exactly the CSV field's text.
pub(crate) fn ndjson_object(out: &mut Vec<u8>, names: &[String], row: &[u8]) {
    let row = row.strip_suffix(b"\n").unwrap_or(row);
    out.push(b'{');
    for (i, (name, field)) in names.iter().zip(row.split(|&b| b == b',')).enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'"');
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b"\":");
        let quoted = name == "symbol" || matches!(field, b"NaN" | b"inf" | b"-inf");
        match field {
            b"" => out.extend_from_slice(b"null"),
            _ if quoted => {
                out.push(b'"');
                out.extend_from_slice(field);
                out.push(b'"');
            }
            _ => out.extend_from_slice(field),
        }
    }
    out.extend_from_slice(b"}\n");
}

/// One staging line: the bar as JSON (serde_json with exact float round trips). Features are never NaN or
/// infinite (estimators that cannot give a number give null), which JSON could not hold: such a value is
/// refused rather than staged as something else.
fn staging_line(out: &mut Vec<u8>, bar: &FeaturedBar) -> io::Result<()> {
    let start = out.len();
    serde_json::to_writer(&mut *out, bar).map_err(io::Error::other)?;
    let line = std::str::from_utf8(&out[start..]).map_err(io::Error::other)?;
    if read_staging_line(line).ok().as_ref() != Some(bar) {
        return Err(io::Error::other(format!(
            "a bar closing at {} µs does not read back from its staging line (a value JSON cannot hold)",
            bar.bar.close_time
        )));
    }
    out.write_all(b"\n")
}

/// Reads a staging line back.
pub(crate) fn read_staging_line(line: &str) -> Result<FeaturedBar, String> {
    serde_json::from_str(line).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ndjson_keeps_each_csv_field_text_and_nulls_empty_fields() {
        let names: Vec<String> = ["symbol", "open", "ofi", "x"].iter().map(|s| s.to_string()).collect();
        let mut out = Vec::new();
        ndjson_object(&mut out, &names, b"BTCUSDT,42000.10000000,,NaN\n");
        assert_eq!(out, b"{\"symbol\":\"BTCUSDT\",\"open\":42000.10000000,\"ofi\":null,\"x\":\"NaN\"}\n");
    }
}
