//! The checkpoint file of a run: every (symbol, threshold)'s state, as versioned JSON.

use std::io::Write;
use std::path::Path;

use barsmith_core::features::FeatureCheckpoint;
use barsmith_core::{Named, Threshold};

use crate::error::{Error, ErrorKind};
use crate::inputs::SymbolStream;
use crate::output::AtomicFile;
use crate::pipeline::Differences;

/// Checkpoint file layout (versioned JSON).
#[derive(serde::Serialize, serde::Deserialize)]
struct CheckpointFile {
    version: u32,
    streams: Vec<StreamCheckpoint>,
    /// The output settings of the run that wrote it (absent in files of earlier builds: then not checked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    chain: Option<ChainSettings>,
}

/// The output settings a chain of runs must keep so that its files read back as one dataset: the same
/// columns (`include_incomplete` adds `is_complete`) in the same format. The bar and feature settings are
/// in each stream's state and checked there.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct ChainSettings {
    pub(crate) include_incomplete: bool,
    /// The outputs' format, as its extension (`csv`, `csv.zst`, `csv.gz`, `parquet`).
    pub(crate) format: String,
}

impl ChainSettings {
    /// Refuses a run that resumes from `path` (written with `self`) with other output settings, naming each.
    pub(crate) fn check_same(&self, run: &ChainSettings, path: &Path) -> Result<(), Error> {
        let on = |flag: bool| if flag { "on" } else { "off" };
        let differences = Differences::default()
            .compare("include_incomplete", on(self.include_incomplete), on(run.include_incomplete))
            .compare("format", &self.format, &run.format);
        let Some(differences) = differences.0 else { return Ok(()) };
        let remedy = "; the chain's files would not read back as one dataset. Run with the checkpoint's settings, or start a new chain without this checkpoint";
        Err(failure(
            path,
            Named::text("written by a run with other output settings: ").append(differences).then(remedy),
        ))
    }
}

/// What a checkpoint file holds.
pub(crate) struct Resumed {
    pub(crate) streams: Vec<StreamCheckpoint>,
    pub(crate) chain: Option<ChainSettings>,
}

/// One (symbol, threshold)'s state.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct StreamCheckpoint {
    /// The symbol; `null` for a stream without one.
    pub(crate) symbol: Option<String>,
    pub(crate) threshold_dbps: u32,
    pub(crate) state: FeatureCheckpoint,
}

const CHECKPOINT_FILE_VERSION: u32 = 1;

fn failure(path: &Path, reason: impl Into<Named>) -> Error {
    Error::new(ErrorKind::Checkpoint { path: path.to_path_buf(), reason: reason.into() })
}

/// Reads a checkpoint file.
pub(crate) fn read_checkpoints(path: &Path) -> Result<Resumed, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| failure(path, e.to_string()))?;
    let file: CheckpointFile = serde_json::from_str(&text).map_err(|e| {
        let remedy = format!("not a barsmith checkpoint file ({e}); pass the file ");
        failure(path, Named::text(remedy).setting("checkpoint_out").then(" wrote"))
    })?;
    if file.version != CHECKPOINT_FILE_VERSION {
        return Err(failure(
            path,
            format!("version {} is not supported (this build reads {CHECKPOINT_FILE_VERSION})", file.version),
        ));
    }
    Ok(Resumed { streams: file.streams, chain: file.chain })
}

/// What a checkpoint file holds, for messages: `BTCUSDT at 250, 500 dbps; ETHUSDT at 250 dbps`.
pub(crate) fn describe(streams: &[StreamCheckpoint]) -> String {
    let mut parts: Vec<(String, Vec<u32>)> = Vec::new();
    for stream in streams {
        let symbol = stream.symbol.clone().unwrap_or_else(|| "(no symbol)".to_string());
        match parts.iter_mut().find(|(s, _)| *s == symbol) {
            Some((_, dbps)) => dbps.push(stream.threshold_dbps),
            None => parts.push((symbol, vec![stream.threshold_dbps])),
        }
    }
    let parts: Vec<String> = parts
        .into_iter()
        .map(|(symbol, dbps)| {
            format!("{symbol} at {} dbps", dbps.iter().map(u32::to_string).collect::<Vec<_>>().join(", "))
        })
        .collect();
    if parts.is_empty() { "no stream".to_string() } else { parts.join("; ") }
}

/// The refusal of a checkpoint that holds none of the run's (symbol, threshold) pairs: nothing would resume,
/// which is almost always a slip (most often renamed inputs whose names no longer give the symbol).
pub(crate) fn holds_none(
    path: &Path,
    resumed: &[StreamCheckpoint],
    streams: &[SymbolStream],
    thresholds: &[Threshold],
) -> Error {
    let dbps = thresholds.iter().map(|t| t.dbps().to_string()).collect::<Vec<_>>().join(", ");
    let run: Vec<String> = streams.iter().map(|s| format!("{} at {dbps} dbps", s.label())).collect();
    let mut symbols: Vec<&str> = resumed.iter().filter_map(|c| c.symbol.as_deref()).collect();
    symbols.dedup();
    let hint = if streams.iter().any(|s| s.symbol.is_none()) && !symbols.is_empty() {
        let symbols = symbols.join(" or ");
        format!("; the inputs' names give no symbol: if they are {symbols}'s, set the run's symbol to {symbols}")
    } else {
        String::new()
    };
    failure(
        path,
        format!(
            "holds {}, none of this run's {}, so nothing would resume{hint}; else start without this checkpoint",
            describe(resumed),
            run.join("; ")
        ),
    )
}

/// Writes the checkpoint file into `file` (committed with the run).
pub(crate) fn write_checkpoints(
    file: AtomicFile,
    path: &Path,
    streams: Vec<StreamCheckpoint>,
    chain: ChainSettings,
) -> Result<(), Error> {
    let checkpoint = CheckpointFile { version: CHECKPOINT_FILE_VERSION, streams, chain: Some(chain) };
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
        let file: CheckpointFile = serde_json::from_str(r#"{"version":1,"streams":[]}"#).unwrap();
        assert!(file.chain.is_none() && file.streams.is_empty());
        let chain = ChainSettings { include_incomplete: true, format: "parquet".into() };
        let text = serde_json::to_string(&CheckpointFile { version: 1, streams: Vec::new(), chain: Some(chain) });
        assert_eq!(
            text.unwrap(),
            r#"{"version":1,"streams":[],"chain":{"include_incomplete":true,"format":"parquet"}}"#
        );
    }
}
