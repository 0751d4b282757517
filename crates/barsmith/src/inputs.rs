//! Turning command-line inputs (files, directories, globs) into per-symbol streams of files.
//!
//! Binance file names (`SYMBOL-aggTrades-YYYY-MM-DD.{zip,csv,csv.zst}` or `…-YYYY-MM.…`) give the symbol and
//! the period; the files of one symbol form one stream in date order. Other names need an explicit symbol,
//! and then every input forms that one stream in the order given.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::Error;

/// The period a Binance archive covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Period {
    /// One month: (year, month).
    Month(u16, u8),
    /// One day: (year, month, day).
    Day(u16, u8, u8),
}

impl Period {
    /// First and last day as (year, month, day) triples, for ordering and overlap checks.
    fn span(self) -> ((u16, u8, u8), (u16, u8, u8)) {
        match self {
            Period::Month(y, m) => ((y, m, 1), (y, m, 31)),
            Period::Day(y, m, d) => ((y, m, d), (y, m, d)),
        }
    }
}

/// What a Binance file name says: symbol and period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BinanceName {
    /// Trading pair, e.g. `BTCUSDT`.
    pub symbol: String,
    /// Covered period.
    pub period: Period,
}

/// Parses `SYMBOL-aggTrades-YYYY-MM[-DD].{zip,csv,csv.zst}` (symbols: upper case, digits, `_` as in `BTCUSD_PERP`).
pub fn parse_binance_name(path: &Path) -> Option<BinanceName> {
    let name = path.file_name()?.to_str()?;
    let stem = [".csv.zst", ".csv", ".zip"].iter().find_map(|ext| name.strip_suffix(ext))?;
    let (symbol, date) = stem.split_once("-aggTrades-")?;
    let symbol_ok =
        !symbol.is_empty() && symbol.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
    let parts: Vec<&str> = date.split('-').collect();
    let number = |text: &str, len: usize| {
        (text.len() == len && text.bytes().all(|b| b.is_ascii_digit())).then(|| text.parse::<u16>().ok()).flatten()
    };
    let year = number(parts.first()?, 4)?;
    let month = u8::try_from(number(parts.get(1)?, 2)?).ok().filter(|m| (1..=12).contains(m))?;
    let period = match parts.len() {
        2 => Period::Month(year, month),
        3 => Period::Day(year, month, u8::try_from(number(parts[2], 2)?).ok().filter(|d| (1..=31).contains(d))?),
        _ => return None,
    };
    symbol_ok.then(|| BinanceName { symbol: symbol.to_string(), period })
}

/// One symbol's input files in stream order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SymbolStream {
    /// The symbol.
    pub symbol: String,
    /// Files in the order they are read.
    pub files: Vec<PathBuf>,
}

/// Expands directories (their aggTrades files, not recursively) and glob patterns (with the `glob` cargo
/// feature; without it a pattern is an error that says so); `-` stays as is.
pub fn expand_inputs(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, Error> {
    let mut files = Vec::new();
    for input in inputs {
        let text = input.to_string_lossy();
        if input.as_os_str() == "-" || input.is_file() {
            files.push(input.clone());
        } else if input.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(input)
                .map_err(|e| Error::usage(format!("{}: {e}", input.display())))?
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .filter(|p| p.is_file() && parse_binance_name(p).is_some())
                .collect();
            if found.is_empty() {
                return Err(Error::usage(format!("{}: no Binance aggTrades files in this directory", input.display())));
            }
            found.sort();
            files.extend(found);
        } else if text.contains(['*', '?', '[']) {
            files.extend(expand_glob(&text)?);
        } else {
            return Err(Error::usage(format!("{}: no such file or directory", input.display())));
        }
    }
    Ok(files)
}

/// The files a glob pattern matches, sorted.
#[cfg(feature = "glob")]
fn expand_glob(text: &str) -> Result<Vec<PathBuf>, Error> {
    let pattern = glob::glob(text).map_err(|e| Error::usage(format!("bad glob {text:?}: {e}")))?;
    let mut found: Vec<PathBuf> = pattern.filter_map(Result::ok).filter(|p| p.is_file()).collect();
    if found.is_empty() {
        return Err(Error::usage(format!("{text}: the pattern matches no file")));
    }
    found.sort();
    Ok(found)
}

/// Without the `glob` feature a pattern is refused, never taken as a file name.
#[cfg(not(feature = "glob"))]
fn expand_glob(text: &str) -> Result<Vec<PathBuf>, Error> {
    Err(Error::usage(format!(
        "{text}: no such file (glob patterns need barsmith's `glob` cargo feature; expand the pattern before calling)"
    )))
}

/// Groups files into per-symbol streams (sorted by symbol), each in date order.
///
/// With `symbol`, every file forms that one stream in the given order. Without it, every name must be a
/// Binance name; two files of one symbol whose periods overlap (the same day twice, or a day inside a month
/// that is also given) are an error.
pub fn group_by_symbol(files: Vec<PathBuf>, symbol: Option<&str>) -> Result<Vec<SymbolStream>, Error> {
    if let Some(symbol) = symbol {
        return Ok(vec![SymbolStream { symbol: symbol.to_string(), files }]);
    }
    let mut by_symbol: BTreeMap<String, Vec<(Period, PathBuf)>> = BTreeMap::new();
    for file in files {
        let Some(name) = parse_binance_name(&file) else {
            return Err(Error::usage(format!(
                "{}: cannot tell the symbol from this name (expected SYMBOL-aggTrades-YYYY-MM[-DD].zip|csv|csv.zst); pass --symbol",
                file.display()
            )));
        };
        by_symbol.entry(name.symbol).or_default().push((name.period, file));
    }
    by_symbol
        .into_iter()
        .map(|(symbol, mut dated)| {
            dated.sort_by_key(|(period, _)| period.span());
            for pair in dated.windows(2) {
                let ((a, path_a), (b, path_b)) = (&pair[0], &pair[1]);
                if b.span().0 <= a.span().1 {
                    return Err(Error::usage(format!(
                        "{} and {} cover overlapping dates of {symbol}",
                        path_a.display(),
                        path_b.display()
                    )));
                }
            }
            Ok(SymbolStream { symbol, files: dated.into_iter().map(|(_, path)| path).collect() })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_binance_names() {
        let daily = parse_binance_name(Path::new("data/BTCUSDT-aggTrades-2026-01-02.zip")).unwrap();
        assert_eq!(daily, BinanceName { symbol: "BTCUSDT".into(), period: Period::Day(2026, 1, 2) });
        let monthly = parse_binance_name(Path::new("ETHUSDT-aggTrades-2025-12.csv.zst")).unwrap();
        assert_eq!(monthly.period, Period::Month(2025, 12));
        for bad in [
            "btcusdt-aggTrades-2026-01-01.zip",
            "BTCUSDT-trades-2026-01-01.zip",
            "BTCUSDT-aggTrades-2026-13-01.zip",
            "BTCUSDT-aggTrades-2026-01-01.txt",
            "BTCUSDT-aggTrades-26-01-01.zip",
            "trades.csv",
        ] {
            assert_eq!(parse_binance_name(Path::new(bad)), None, "{bad}");
        }
    }

    #[test]
    fn groups_by_symbol_in_date_order_and_rejects_overlap() {
        let files: Vec<PathBuf> = [
            "B-aggTrades-2026-01-02.zip",
            "A-aggTrades-2026-01-03.zip",
            "B-aggTrades-2026-01-01.csv",
            "B-aggTrades-2025-12.zip",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        let streams = group_by_symbol(files, None).unwrap();
        assert_eq!(streams.len(), 2);
        assert_eq!(streams[0].symbol, "A");
        let b: Vec<String> = streams[1].files.iter().map(|p| p.display().to_string()).collect();
        assert_eq!(b, ["B-aggTrades-2025-12.zip", "B-aggTrades-2026-01-01.csv", "B-aggTrades-2026-01-02.zip"]);
        let overlap = vec![PathBuf::from("B-aggTrades-2026-01.zip"), PathBuf::from("B-aggTrades-2026-01-05.zip")];
        assert!(group_by_symbol(overlap, None).is_err());
        let twice = vec![PathBuf::from("B-aggTrades-2026-01-05.csv"), PathBuf::from("B-aggTrades-2026-01-05.zip")];
        assert!(group_by_symbol(twice, None).is_err());
        assert!(group_by_symbol(vec![PathBuf::from("trades.csv")], None).is_err());
        assert_eq!(group_by_symbol(vec![PathBuf::from("trades.csv")], Some("X")).unwrap()[0].symbol, "X");
    }
}
