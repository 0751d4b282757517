//! The checkpoint file: every (symbol, threshold)'s state, as versioned JSON. It is the one checkpoint format
//! of barsmith: `barsmith bars --checkpoint-out` writes it, `--checkpoint-in` reads it, and Python's
//! `BarBuilder.checkpoint()` / `from_checkpoint()` write and read the same bytes, so a chain can move between
//! them (docs/OUTPUT.md, "Checkpoint files").
//!
//! Extending it: a reader ignores the fields it does not know, so a later barsmith may add an optional field
//! that an earlier one can safely ignore (as `chain` and `rows` were added) without a new version. A change
//! an earlier reader must not ignore raises [`CHECKPOINT_FILE_VERSION`]; a reader refuses every version but its
//! own, saying whether the file is newer (upgrade) or older.

mod read;

use std::io::Write;
use std::path::Path;

use barsmith_core::features::FeatureCheckpoint;
use barsmith_core::{BarSpec, Named, Threshold};

use crate::error::{Error, ErrorKind};
use crate::inputs::SymbolStream;
use crate::output::AtomicFile;
use crate::pipeline::Differences;

/// The version of the checkpoint file layout written and read by this build.
pub const CHECKPOINT_FILE_VERSION: u32 = 1;

/// A checkpoint file (versioned JSON).
#[derive(Clone, Debug, serde::Serialize)]
pub struct CheckpointFile {
    /// [`CHECKPOINT_FILE_VERSION`].
    pub version: u32,
    /// Every (symbol, threshold)'s state.
    pub streams: Vec<StreamCheckpoint>,
    /// The output settings of the run that wrote it: written by runs that write files (`bars`), absent from
    /// `BarBuilder`'s checkpoints and from files of earlier builds (then not checked).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chain: Option<ChainSettings>,
    /// Rows a `BarBuilder` was pushed before this checkpoint (its error row numbers continue from here);
    /// absent from the files of `bars`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows: Option<u64>,
    /// What a live run adds: each symbol's trade-id cursor and its outputs' committed lengths (absent in a
    /// batch run's file; a batch run reading a live run's file ignores it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub live: Option<LiveCheckpoint>,
}

impl CheckpointFile {
    /// The file's JSON text.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a checkpoint serialises")
    }

    /// Reads checkpoint text (also the layout `BarBuilder` wrote before this one, converted). The error is
    /// what is wrong, in words: text that is not JSON or is cut short, JSON that is not a checkpoint, a version
    /// this build does not read (newer: upgrade), a stream whose state is damaged, naming the stream.
    pub fn from_json(text: &str) -> Result<CheckpointFile, String> {
        read::parse(text)
    }

    /// [`CheckpointFile::from_json`] of bytes (bytes that are not UTF-8 text are refused in words).
    pub fn from_bytes(bytes: &[u8]) -> Result<CheckpointFile, String> {
        let text = std::str::from_utf8(bytes)
            .map_err(|_| format!("is not text, so not a barsmith checkpoint; {}", read::WHAT_IT_IS))?;
        read::parse(text)
    }

    /// The symbols of its streams, in order, each once (`None`: streams without a symbol).
    pub fn symbols(&self) -> Vec<Option<&str>> {
        let mut symbols: Vec<Option<&str>> = Vec::new();
        for stream in &self.streams {
            if !symbols.contains(&stream.symbol.as_deref()) {
                symbols.push(stream.symbol.as_deref());
            }
        }
        symbols
    }

    /// What it holds, for messages: `BTCUSDT at 250, 500 dbps; ETHUSDT at 250 dbps`.
    pub fn describe(&self) -> String {
        describe(&self.streams)
    }
}

/// The live part of a checkpoint file (docs/LIVE.md, "The output/checkpoint protocol").
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LiveCheckpoint {
    /// Per symbol, the next agg_trade_id the run needs.
    pub cursors: Vec<LiveCursor>,
    /// Per (symbol, threshold), the output file being appended and its length when the checkpoint was taken.
    pub outputs: Vec<LiveOutputLength>,
}

/// One symbol's cursor.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LiveCursor {
    /// The symbol.
    pub symbol: String,
    /// The next agg_trade_id the run needs.
    pub next_id: i64,
    /// Exchange gaps met so far (runs of ids never published), and the ids in them.
    pub exchange_gaps: u64,
    /// Ids in those gaps.
    pub missing_ids: u64,
}

/// One output's committed length.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LiveOutputLength {
    /// The symbol.
    pub symbol: String,
    /// The threshold.
    pub threshold_dbps: u32,
    /// The file's name in the output directory.
    pub file: String,
    /// Its length in bytes.
    pub bytes: u64,
}

/// The output settings a chain of runs must keep so that its files read back as one dataset: the same
/// columns (`include_incomplete` adds `is_complete`) in the same format. The bar and feature settings are
/// in each stream's state and checked there.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ChainSettings {
    /// Whether the outputs have the `is_complete` column and the forming bar.
    pub include_incomplete: bool,
    /// The outputs' format, as its extension (`csv`, `csv.zst`, `csv.gz`, `parquet`).
    pub format: String,
    /// Whether the outputs begin with the identity columns (written only when on, so that the files of
    /// earlier builds, and theirs, read alike).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub identity_columns: bool,
}

impl ChainSettings {
    fn deserialize_from(value: &serde_json::Value) -> Result<ChainSettings, serde_json::Error> {
        serde_json::from_value(value.clone())
    }

    /// Refuses a run that resumes from `path` (written with `self`) with other output settings, naming each.
    pub(crate) fn check_same(&self, run: &ChainSettings, path: &Path) -> Result<(), Error> {
        let on = |flag: bool| if flag { "on" } else { "off" };
        let differences = Differences::default()
            .compare("include_incomplete", on(self.include_incomplete), on(run.include_incomplete))
            .compare("identity_columns", on(self.identity_columns), on(run.identity_columns))
            .compare("format", &self.format, &run.format);
        let Some(differences) = differences.0 else { return Ok(()) };
        let remedy = "; the chain's files would not read back as one dataset. Run with the checkpoint's settings, or start a new chain without this checkpoint";
        Err(failure(
            path,
            Named::text("written by a run with other output settings: ").append(differences).then(remedy),
        ))
    }
}

/// One (symbol, threshold)'s state.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct StreamCheckpoint {
    /// The symbol; `null` for a stream without one.
    pub symbol: Option<String>,
    /// The threshold in decimal basis points (range bars; 0 for another kind).
    pub threshold_dbps: u32,
    /// The bar specification of another kind than range bars (range bars keep the original shape).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bars: Option<BarSpec>,
    /// The threshold's builder and feature state.
    pub state: FeatureCheckpoint,
}

impl StreamCheckpoint {
    /// The state of `symbol`'s bars of `spec`.
    pub fn new(symbol: Option<String>, spec: BarSpec, state: FeatureCheckpoint) -> StreamCheckpoint {
        match spec {
            BarSpec::Range(threshold) => {
                StreamCheckpoint { symbol, threshold_dbps: threshold.dbps(), bars: None, state }
            }
            other => StreamCheckpoint { symbol, threshold_dbps: 0, bars: Some(other), state },
        }
    }

    /// The bar specification.
    pub fn spec(&self) -> BarSpec {
        self.bars.unwrap_or_else(|| BarSpec::Range(Threshold::from_dbps(self.threshold_dbps).expect("read checked it")))
    }
}

fn failure(path: &Path, reason: impl Into<Named>) -> Error {
    Error::new(ErrorKind::Checkpoint { path: path.to_path_buf(), reason: reason.into() })
}

/// Reads a checkpoint file.
pub(crate) fn read_checkpoints(path: &Path) -> Result<CheckpointFile, Error> {
    let bytes = std::fs::read(path).map_err(|e| failure(path, e.to_string()))?;
    CheckpointFile::from_bytes(&bytes).map_err(|reason| failure(path, named_reason(reason)))
}

/// A reading failure's reason with the setting its remedy names marked as one (front ends spell it: the CLI
/// as `--checkpoint-out`, Python as `checkpoint_out`).
fn named_reason(reason: String) -> Named {
    match reason.strip_suffix(read::WHAT_IT_IS) {
        Some(what) => Named::text(what)
            .then("a checkpoint is the JSON file a run writes as its ")
            .setting("checkpoint_out")
            .then(", or the bytes of BarBuilder.checkpoint()"),
        None => Named::text(reason),
    }
}

/// Specifications for messages: `250, 500 dbps` for range bars (as before other kinds), then the others' text.
pub(crate) fn specs_label(specs: &[BarSpec]) -> String {
    let dbps: Vec<String> = specs.iter().filter_map(|s| s.threshold()).map(|t| t.dbps().to_string()).collect();
    let mut parts: Vec<String> = specs.iter().filter(|s| s.threshold().is_none()).map(BarSpec::to_string).collect();
    if !dbps.is_empty() {
        parts.insert(0, format!("{} dbps", dbps.join(", ")));
    }
    parts.join(", ")
}

/// What a checkpoint file holds, for messages: `BTCUSDT at 250, 500 dbps; ETHUSDT at 250 dbps`.
pub(crate) fn describe(streams: &[StreamCheckpoint]) -> String {
    let mut parts: Vec<(String, Vec<BarSpec>)> = Vec::new();
    for stream in streams {
        let symbol = stream.symbol.clone().unwrap_or_else(|| "(no symbol)".to_string());
        match parts.iter_mut().find(|(s, _)| *s == symbol) {
            Some((_, specs)) => specs.push(stream.spec()),
            None => parts.push((symbol, vec![stream.spec()])),
        }
    }
    let parts: Vec<String> =
        parts.into_iter().map(|(symbol, specs)| format!("{symbol} at {}", specs_label(&specs))).collect();
    if parts.is_empty() { "no stream".to_string() } else { parts.join("; ") }
}

/// The refusal of a checkpoint that holds none of the run's (symbol, threshold) pairs: nothing would resume,
/// which is almost always a slip (most often renamed inputs whose names no longer give the symbol).
pub(crate) fn holds_none(
    path: &Path,
    resumed: &[StreamCheckpoint],
    streams: &[SymbolStream],
    thresholds: &[BarSpec],
) -> Error {
    let specs = specs_label(thresholds);
    let run: Vec<String> = streams.iter().map(|s| format!("{} at {specs}", s.label())).collect();
    let mut symbols: Vec<&str> = resumed.iter().filter_map(|c| c.symbol.as_deref()).collect();
    symbols.dedup();
    let hint = if streams.iter().any(|s| s.symbol.is_none()) && !symbols.is_empty() {
        let symbols = symbols.join(" or ");
        format!("; the inputs' names give no symbol: if they are {symbols}'s, set the run's symbol to {symbols}")
    } else {
        String::new()
    };
    let message =
        format!("holds {}, none of this run's {}, so nothing would resume{hint}", describe(resumed), run.join("; "));
    let other_kinds = thresholds.iter().chain(resumed.iter().flat_map(|c| &c.bars)).any(|s| s.threshold().is_none());
    let message = if other_kinds {
        Named::text(message)
            .then("; give the checkpoint's ")
            .setting("bars")
            .then(", else start without this checkpoint")
    } else {
        Named::text(message).then("; else start without this checkpoint")
    };
    failure(path, message)
}

/// Writes the checkpoint file into `file` (committed with the run).
pub(crate) fn write_checkpoints(
    file: AtomicFile,
    path: &Path,
    streams: Vec<StreamCheckpoint>,
    chain: ChainSettings,
) -> Result<(), Error> {
    write_checkpoint_file(file, path, streams, chain, None)
}

/// [`write_checkpoints`] with the live part.
pub(crate) fn write_checkpoint_file(
    file: AtomicFile,
    path: &Path,
    streams: Vec<StreamCheckpoint>,
    chain: ChainSettings,
    live: Option<LiveCheckpoint>,
) -> Result<(), Error> {
    let checkpoint = CheckpointFile { version: CHECKPOINT_FILE_VERSION, streams, chain: Some(chain), rows: None, live };
    let text = serde_json::to_string(&checkpoint).map_err(|e| failure(path, e.to_string()))?;
    let output_error = |e| Error::from_output(path, e);
    let mut writer = file.writer().map_err(output_error)?;
    writer.write_all(text.as_bytes()).map_err(output_error)?;
    writer.flush().map_err(output_error)?;
    drop(writer);
    file.commit().map_err(output_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_of_an_earlier_build_has_no_chain_settings_and_still_reads() {
        let file = CheckpointFile::from_json(r#"{"version":1,"streams":[]}"#).unwrap();
        assert!(file.chain.is_none() && file.streams.is_empty() && file.rows.is_none());
        let chain = ChainSettings { include_incomplete: true, format: "parquet".into(), identity_columns: false };
        let file = CheckpointFile { version: 1, streams: Vec::new(), chain: Some(chain), rows: None, live: None };
        assert_eq!(
            file.to_json(),
            r#"{"version":1,"streams":[],"chain":{"include_incomplete":true,"format":"parquet"}}"#
        );
    }

    #[test]
    fn unknown_fields_are_ignored_so_that_later_builds_can_add_optional_ones() {
        let file = CheckpointFile::from_json(r#"{"version":1,"streams":[],"cursor":{"next_id":7},"rows":3}"#).unwrap();
        assert_eq!(file.rows, Some(3));
    }

    #[test]
    fn what_is_wrong_is_said_in_words_without_a_parser_position() {
        let cases = [
            ("", "is empty"),
            ("{\"version\": 1, \"streams\": [", "cut short"),
            ("hello", "not JSON text"),
            ("[1, 2]", "not a checkpoint"),
            (r#"{"streams": []}"#, "has no `version`"),
            (r#"{"version": 2, "streams": []}"#, "newer barsmith"),
            (r#"{"version": 1}"#, "has no `streams` list"),
            (r#"{"version": 1, "streams": [{"symbol": "X", "threshold_dbps": 25}]}"#, "(X at 25 dbps) has no state"),
            (
                r#"{"version": 1, "streams": [{"symbol": "X", "threshold_dbps": 25, "state": {"version": 2}}]}"#,
                "X at 25 dbps: its state has version 2",
            ),
        ];
        for (text, expected) in cases {
            let reason = CheckpointFile::from_json(text).unwrap_err();
            assert!(reason.contains(expected), "{text:?}: {reason}");
            assert!(!reason.contains("line ") && !reason.contains("column"), "{text:?}: {reason}");
        }
    }
}
