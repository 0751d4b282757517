//! Turning inputs (files, directories, globs) into per-symbol streams of files: what a run reads, in order.
//!
//! Binance file names (`SYMBOL-aggTrades-YYYY-MM-DD.{zip,csv,csv.zst}` or `…-YYYY-MM.…`, spot, USD-M and
//! COIN-M) give the symbol and the period; the files of one symbol form one stream in date order. Directories
//! are searched recursively; every file skipped there is listed with the reason, and a name that looks like an
//! aggTrades file but does not parse is an error. Other names form one stream in the order given, with the
//! symbol given (the CLI's `--symbol`), or none.

mod names;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

pub use names::{BinanceName, CHECKSUM_FILE, Period, parse_binance_name};
use names::{NameClass, classify};

use barsmith_core::Named;

use crate::error::Error;

/// One symbol's input files in stream order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SymbolStream {
    /// The symbol: from the Binance names or `--symbol`; `None` when neither gives one (a single stream
    /// written to one output needs none).
    pub symbol: Option<String>,
    /// Files in the order they are read.
    pub files: Vec<PathBuf>,
    /// The first and the last period, when every file has a Binance name.
    pub periods: Option<(Period, Period)>,
}

impl SymbolStream {
    /// The symbol, or `input` when the stream has none (for messages).
    pub fn label(&self) -> &str {
        self.symbol.as_deref().unwrap_or("input")
    }

    /// The period as it appears in output names: `2026-01-01`, or `2026-01-01_2026-01-03` for several.
    pub fn period_label(&self) -> Option<String> {
        let (first, last) = self.periods?;
        Some(if first == last { first.to_string() } else { format!("{first}_{last}") })
    }
}

/// A file found in a directory and not read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IgnoredFile {
    /// The file.
    pub path: PathBuf,
    /// Why it was skipped.
    pub reason: &'static str,
}

/// The files named by the inputs, and the files skipped in directories.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExpandedInputs {
    /// Files (and `-`) in the order found.
    pub files: Vec<PathBuf>,
    /// Files in directories that are not aggTrades files.
    pub ignored: Vec<IgnoredFile>,
}

/// Expands directories (their aggTrades files, recursively) and glob patterns (with the `glob` cargo
/// feature; without it a pattern is an error that says so); `-` stays as is.
pub fn expand_inputs(inputs: &[PathBuf]) -> Result<ExpandedInputs, Error> {
    let mut expanded = ExpandedInputs::default();
    for input in inputs {
        let text = input.to_string_lossy();
        if input.as_os_str() == "-" || (input.exists() && !input.is_dir()) {
            expanded.files.push(input.clone());
        } else if input.is_dir() {
            let mut found = Vec::new();
            let mut near_misses = Vec::new();
            scan_dir(input, &mut found, &mut expanded.ignored, &mut near_misses)?;
            if let Some((first, reason)) = near_misses.first() {
                let more = match near_misses.len() {
                    1 => String::new(),
                    n => format!(" ({} more such names: {})", n - 1, list(near_misses[1..].iter().map(|(p, _)| p))),
                };
                return Err(Error::inputs(format!(
                    "{}: not a Binance aggTrades name: {reason}{more}",
                    first.display()
                )));
            }
            if found.is_empty() {
                return Err(Error::inputs(format!(
                    "{}: no Binance aggTrades files (SYMBOL-aggTrades-YYYY-MM[-DD].zip|csv|csv.zst|csv.gz) in this directory",
                    input.display()
                )));
            }
            expanded.files.extend(found);
        } else if text.contains(['*', '?', '[']) {
            expanded.files.extend(expand_glob(&text)?);
        } else {
            return Err(Error::inputs(format!("{}: no such file or directory", input.display())));
        }
    }
    Ok(expanded)
}

/// Up to three paths, comma-separated, then `…`.
fn list<'a>(paths: impl Iterator<Item = &'a PathBuf>) -> String {
    let paths: Vec<String> = paths.map(|p| p.display().to_string()).collect();
    let mut text = paths.iter().take(3).cloned().collect::<Vec<_>>().join(", ");
    if paths.len() > 3 {
        text.push_str(", …");
    }
    text
}

/// Walks `dir` in name order: aggTrades files into `found`, other files into `ignored`, names that look like
/// aggTrades files but do not parse into `near_misses`. Symlinked directories are not followed.
fn scan_dir(
    dir: &Path,
    found: &mut Vec<PathBuf>,
    ignored: &mut Vec<IgnoredFile>,
    near_misses: &mut Vec<(PathBuf, &'static str)>,
) -> Result<(), Error> {
    let read_error = |e: std::io::Error| Error::inputs(format!("{}: cannot read the directory: {e}", dir.display()));
    let mut entries: Vec<std::fs::DirEntry> =
        std::fs::read_dir(dir).map_err(read_error)?.collect::<Result<_, _>>().map_err(read_error)?;
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for entry in entries {
        let path = entry.path();
        let file_type = entry.file_type().map_err(read_error)?;
        if file_type.is_dir() {
            scan_dir(&path, found, ignored, near_misses)?;
            continue;
        }
        if file_type.is_symlink() && path.is_dir() {
            ignored.push(IgnoredFile { path, reason: "symlinked directory (not followed)" });
            continue;
        }
        match classify(&path) {
            NameClass::Binance(_) => found.push(path),
            NameClass::Ignored(reason) => ignored.push(IgnoredFile { path, reason }),
            NameClass::NearMiss(reason) => near_misses.push((path, reason)),
        }
    }
    Ok(())
}

/// The files a glob pattern matches, sorted.
#[cfg(feature = "glob")]
fn expand_glob(text: &str) -> Result<Vec<PathBuf>, Error> {
    let pattern = glob::glob(text).map_err(|e| Error::inputs(format!("bad glob {text:?}: {e}")))?;
    let mut found: Vec<PathBuf> = pattern.filter_map(Result::ok).filter(|p| p.is_file()).collect();
    if found.is_empty() {
        return Err(Error::inputs(format!("{text}: the pattern matches no file")));
    }
    found.sort();
    Ok(found)
}

/// Without the `glob` feature a pattern is refused, never taken as a file name.
#[cfg(not(feature = "glob"))]
fn expand_glob(text: &str) -> Result<Vec<PathBuf>, Error> {
    Err(Error::inputs(format!(
        "{text}: no such file (glob patterns need the `glob` cargo feature of barsmith or barsmith-ingest; expand the pattern before calling)"
    )))
}

/// Groups files into per-symbol streams (sorted by symbol), each in date order.
///
/// * With `symbol`, every file forms that one stream; a Binance name of another symbol is an error.
/// * Without it, when every name is a Binance name, each symbol is a stream.
/// * Otherwise, when `single_output` (the run writes one file or stdout), the files form one stream in the
///   order given, with the one symbol the Binance names among them agree on, or none; else a name that gives
///   no symbol is an error.
///
/// Files of one symbol whose periods overlap (the same day twice, or a day inside a month that is also
/// given) are an error.
pub fn group_by_symbol(
    files: Vec<PathBuf>,
    symbol: Option<&str>,
    single_output: bool,
) -> Result<Vec<SymbolStream>, Error> {
    let names: Vec<Option<BinanceName>> = files.iter().map(|f| parse_binance_name(f)).collect();
    if let Some(symbol) = symbol {
        if let Some((file, name)) = files
            .iter()
            .zip(&names)
            .find_map(|(f, n)| n.as_ref().filter(|n| !n.symbol.eq_ignore_ascii_case(symbol)).map(|n| (f, n)))
        {
            let problem = format!(
                " {symbol}, but {} is a file of {}; give one symbol's files, or leave out ",
                file.display(),
                name.symbol
            );
            return Err(Error::inputs(
                Named::from_setting("symbol").then(problem).setting("symbol").then(" to build each symbol on its own"),
            ));
        }
        return one_stream(Some(symbol.to_string()), files, names);
    }
    if !files.is_empty() && names.iter().all(Option::is_some) {
        let mut by_symbol: BTreeMap<String, (Vec<PathBuf>, Vec<Option<BinanceName>>)> = BTreeMap::new();
        for (file, name) in files.into_iter().zip(names) {
            let entry = by_symbol.entry(name.as_ref().expect("all named").symbol.clone()).or_default();
            entry.0.push(file);
            entry.1.push(name);
        }
        return by_symbol
            .into_iter()
            .map(|(symbol, (files, names))| dated_stream(Some(symbol), files, names))
            .collect();
    }
    // Names that begin like Binance names give their symbol too (a renamed copy such as `….head5000.csv`).
    let near: Vec<Option<String>> =
        files.iter().zip(&names).map(|(f, n)| n.is_none().then(|| names::symbol_of_near_miss(f)).flatten()).collect();
    let mut symbols: BTreeSet<&str> = names.iter().flatten().map(|n| n.symbol.as_str()).collect();
    symbols.extend(near.iter().flatten().map(String::as_str));
    let every_file_named = names.iter().zip(&near).all(|(n, s)| n.is_some() || s.is_some());
    if !single_output && every_file_named && symbols.len() == 1 {
        let symbol = symbols.into_iter().next().map(str::to_string);
        return one_stream(symbol, files, names);
    }
    if !single_output {
        let unnamed = files.iter().zip(&names).find(|(_, n)| n.is_none()).map(|(f, _)| f).expect("some unnamed");
        let problem = format!(
            "{}: cannot tell the symbol from this name (expected SYMBOL-aggTrades-YYYY-MM[-DD].zip|csv|csv.zst|csv.gz), and this run writes one file per symbol; pass ",
            unnamed.display()
        );
        let remedy = Named::text(problem).setting("symbol").then(", or write one output with ").setting("output");
        return Err(Error::inputs(remedy.then(" FILE")));
    }
    if symbols.len() > 1 {
        return Err(Error::inputs(format!(
            "the inputs hold files of several symbols ({}) and files without a Binance name; pass the files of one symbol per run",
            symbols.into_iter().collect::<Vec<_>>().join(", ")
        )));
    }
    let symbol = symbols.into_iter().next().map(str::to_string);
    one_stream(symbol, files, names)
}

/// One stream: in date order when every name is a Binance name, else in the order given.
fn one_stream(
    symbol: Option<String>,
    files: Vec<PathBuf>,
    names: Vec<Option<BinanceName>>,
) -> Result<Vec<SymbolStream>, Error> {
    if !files.is_empty() && names.iter().all(Option::is_some) {
        return Ok(vec![dated_stream(symbol, files, names)?]);
    }
    Ok(vec![SymbolStream { symbol, files, periods: None }])
}

/// One symbol's Binance files in date order; overlapping periods are an error.
fn dated_stream(
    symbol: Option<String>,
    files: Vec<PathBuf>,
    names: Vec<Option<BinanceName>>,
) -> Result<SymbolStream, Error> {
    let mut dated: Vec<(Period, PathBuf)> =
        names.into_iter().map(|n| n.expect("every name parsed").period).zip(files).collect();
    dated.sort_by_key(|(period, _)| period.span());
    for pair in dated.windows(2) {
        let ((a, path_a), (b, path_b)) = (&pair[0], &pair[1]);
        if b.span().0 <= a.span().1 {
            return Err(Error::inputs(format!(
                "{} and {} cover overlapping dates of {}; give each day once (several markets of one symbol go in separate runs)",
                path_a.display(),
                path_b.display(),
                symbol.as_deref().unwrap_or("the input")
            )));
        }
    }
    let periods = Some((dated[0].0, dated[dated.len() - 1].0));
    Ok(SymbolStream { symbol, files: dated.into_iter().map(|(_, path)| path).collect(), periods })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(names: &[&str]) -> Vec<PathBuf> {
        names.iter().map(PathBuf::from).collect()
    }

    #[test]
    fn groups_by_symbol_in_date_order_and_rejects_overlap() {
        let files = paths(&[
            "B-aggTrades-2026-01-02.zip",
            "A-aggTrades-2026-01-03.zip",
            "B-aggTrades-2026-01-01.csv",
            "B-aggTrades-2025-12.zip",
        ]);
        let streams = group_by_symbol(files, None, false).unwrap();
        assert_eq!(streams.len(), 2);
        assert_eq!(streams[0].symbol.as_deref(), Some("A"));
        let b: Vec<String> = streams[1].files.iter().map(|p| p.display().to_string()).collect();
        assert_eq!(b, ["B-aggTrades-2025-12.zip", "B-aggTrades-2026-01-01.csv", "B-aggTrades-2026-01-02.zip"]);
        assert_eq!(streams[1].period_label().as_deref(), Some("2025-12_2026-01-02"));
        assert_eq!(streams[0].period_label().as_deref(), Some("2026-01-03"));
        let overlap = paths(&["B-aggTrades-2026-01.zip", "B-aggTrades-2026-01-05.zip"]);
        assert!(group_by_symbol(overlap, None, false).is_err());
        let twice = paths(&["B-aggTrades-2026-01-05.csv", "B-aggTrades-2026-01-05.zip"]);
        assert!(group_by_symbol(twice, None, false).is_err());
    }

    #[test]
    fn a_single_output_needs_no_symbol() {
        assert!(group_by_symbol(paths(&["trades.csv"]), None, false).is_err());
        let one = group_by_symbol(paths(&["trades.csv"]), None, true).unwrap();
        assert_eq!(one[0].symbol, None);
        let named = group_by_symbol(paths(&["X-aggTrades-2026-01-01.csv", "more.csv"]), None, true).unwrap();
        assert_eq!(named[0].symbol.as_deref(), Some("X"));
        assert_eq!(group_by_symbol(paths(&["trades.csv"]), Some("X"), false).unwrap()[0].symbol.as_deref(), Some("X"));
    }

    #[test]
    fn symbol_refuses_other_symbols_files() {
        let mixed = paths(&["BTCUSDT-aggTrades-2026-01-01.csv", "ETHUSDT-aggTrades-2026-01-02.csv"]);
        assert!(group_by_symbol(mixed.clone(), Some("BTCUSDT"), true).is_err());
        assert!(group_by_symbol(mixed.clone(), None, true).unwrap().len() == 2);
        let with_unnamed = vec![mixed[0].clone(), mixed[1].clone(), PathBuf::from("x.csv")];
        assert!(group_by_symbol(with_unnamed, None, true).is_err());
    }
}
