//! Before any work: where each output goes, and the refusals that protect the inputs.

use std::path::{Path, PathBuf};

use barsmith_core::{BarSpec, Named};

use super::{OutputTarget, RunConfig};
use crate::error::Error;
use crate::inputs::SymbolStream;
use crate::output::OutputFormat;
use crate::output::same_file;

/// One output of a run: its path and format.
pub(crate) type PlannedOutput = (PathBuf, OutputFormat);

/// `true` when `target` is certainly a directory: `File` never, `Directory` always, `Auto` when the path
/// exists as a directory or ends in `/`.
fn names_directory(target: &OutputTarget) -> bool {
    match target {
        OutputTarget::File(_) => false,
        OutputTarget::Directory(_) => true,
        OutputTarget::Auto(path) => path.is_dir() || path.to_string_lossy().ends_with('/'),
    }
}

/// `true` when the inputs may form one stream without a symbol (every target but an explicit directory: a
/// stream without a symbol gets output names without one).
pub(crate) fn allows_single_output(config: &RunConfig) -> bool {
    !matches!(config.output, OutputTarget::Directory(_))
}

/// What `-o PATH` means for `OutputTarget::Auto`: a file (`true`) when it is `-` or ends in an output
/// extension; a directory when it is one, ends in `/`, or has no extension. Without an extension, an existing
/// device, FIFO or socket is written through as a file, and an existing regular file is refused (it would be
/// overwritten by a run meant for a directory). An unknown extension is refused unless `--format` says what to
/// write.
fn auto_is_file(path: &Path, config: &RunConfig) -> Result<bool, Error> {
    if names_directory(&config.output) {
        return Ok(false);
    }
    // Standard output however spelled (`-`, `/dev/stdout`, …) is a file, even when the shell sent it to a file.
    if crate::output::is_stdout(path) || OutputFormat::from_path(path).is_some() {
        return Ok(true);
    }
    if path.extension().is_some() {
        return OutputFormat::for_path(path, config.format).map(|_| true);
    }
    match std::fs::metadata(path) {
        Ok(metadata) if metadata.is_file() => Err(Error::usage(Named::from_setting("output").then(format!(
            " {0} has no extension, so it names a directory, but {0} is an existing file (left alone); to write one file give a name with an output extension ({0}.csv, .csv.zst, .csv.gz or .parquet), else a directory",
            path.display()
        )))),
        Ok(metadata) => Ok(!metadata.is_dir()),
        Err(_) => Ok(false),
    }
}

/// The output path of every (symbol, threshold), per stream.
pub(crate) fn output_paths(config: &RunConfig, streams: &[SymbolStream]) -> Result<Vec<Vec<PlannedOutput>>, Error> {
    let count = streams.len() * config.job.settings.thresholds.len();
    let (path, file) = match &config.output {
        OutputTarget::File(path) => (path, true),
        OutputTarget::Directory(path) => (path, false),
        OutputTarget::Auto(path) => (path, auto_is_file(path, config)?),
    };
    if file {
        if count != 1 {
            return Err(collision(path, config, streams));
        }
        return Ok(vec![vec![(path.clone(), OutputFormat::for_path(path, config.format)?)]]);
    }
    let format = config.format.unwrap_or(OutputFormat::Csv);
    Ok(streams
        .iter()
        .map(|stream| {
            config
                .job
                .settings
                .thresholds
                .iter()
                .map(|&spec| (path.join(output_name(stream, spec, format)), format))
                .collect()
        })
        .collect())
}

/// `{SYMBOL}-{DBPS}dbps[-{PERIOD}].{ext}`; `{DBPS}dbps…` for a stream without a symbol. Other kinds than range
/// bars are named by their specification with `-` for `:` (`BTCUSDT-dollar-10000000.csv`, `BTCUSDT-time-5m…`).
fn output_name(stream: &SymbolStream, spec: BarSpec, format: OutputFormat) -> String {
    let bars = match spec {
        BarSpec::Range(threshold) => format!("{}dbps", threshold.dbps()),
        other => other.to_string().replace(':', "-"),
    };
    let mut name = match &stream.symbol {
        Some(symbol) => format!("{symbol}-{bars}"),
        None => bars,
    };
    if let Some(period) = stream.period_label() {
        name.push('-');
        name.push_str(&period);
    }
    name.push('.');
    name.push_str(format.extension());
    name
}

/// The error for one output path that would receive several outputs.
fn collision(path: &Path, config: &RunConfig, streams: &[SymbolStream]) -> Error {
    let mut outputs: Vec<String> = Vec::new();
    for stream in streams {
        for threshold in &config.job.settings.thresholds {
            outputs.push(format!("{} at {}", stream.label(), crate::pipeline::spec_label(*threshold)));
        }
    }
    let shown = if outputs.len() > 6 { format!("{}, …", outputs[..6].join(", ")) } else { outputs.join(", ") };
    Error::usage(Named::from_setting("output").then(format!(
        " {} names one file, but this run makes {} outputs ({shown}), which would collide there; give a directory (a path without an output extension), or one symbol and one threshold",
        path.display(),
        outputs.len()
    )))
}

/// The same place: the same existing file, or the same absolute spelling.
fn same_place(a: &Path, b: &Path) -> bool {
    if same_file(a, b) {
        return true;
    }
    match (std::path::absolute(a), std::path::absolute(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Refuses, before anything is read or created, an output or checkpoint that is one of the inputs (the same
/// file, however spelled), and two outputs at one place.
pub(crate) fn check_paths(config: &RunConfig, inputs: &[PathBuf], outputs: &[Vec<PlannedOutput>]) -> Result<(), Error> {
    let named = |setting: &'static str, path: &Path| Named::from_setting(setting).then(format!(" {}", path.display()));
    let mut written: Vec<(&Path, Named)> =
        outputs.iter().flatten().map(|(path, _)| (path.as_path(), named("output", path))).collect();
    if let Some(path) = &config.checkpoint_out {
        written.push((path, named("checkpoint_out", path)));
    }
    written.retain(|(path, _)| path.as_os_str() != "-");
    for (path, what) in &written {
        if let Some(input) = inputs.iter().find(|input| input.as_os_str() != "-" && same_file(input, path)) {
            return Err(Error::usage(what.clone().then(format!(
                " is the input {} (the same file): this run would overwrite its own input; choose another output path",
                input.display()
            ))));
        }
        if let Some(checkpoint) = &config.job.checkpoint_in
            && what.settings().next() == Some("output")
            && same_place(checkpoint, path)
        {
            let message =
                what.clone().then(" is the ").setting("checkpoint_in").then(" file; choose another output path");
            return Err(Error::usage(message));
        }
    }
    for (index, (path, what)) in written.iter().enumerate() {
        if let Some((_, other)) = written[index + 1..].iter().find(|(other, _)| same_place(path, other)) {
            let message = what.clone().then(" and ").append(other.clone());
            return Err(Error::usage(message.then(" are the same file; give each output its own path")));
        }
    }
    Ok(())
}
