//! Where a live run's bars go: lines on stdout (CSV or NDJSON, flushed per bar), or day files in a directory,
//! one per (symbol, threshold, UTC day of the bar's close), named as `barsmith bars` names a one-day run
//! (`{SYMBOL}-{DBPS}dbps-{YYYY-MM-DD}.{csv,ndjson,parquet}`). CSV and NDJSON day files are appended as bars
//! close and cut back on resume to the length the checkpoint recorded; a Parquet day is appended as staging
//! lines (`….parquet.staging`, the same protocol) and written as Parquet, atomically, when the day ends and at
//! a clean stop (docs/LIVE.md, "Output and the output/checkpoint protocol").

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, BufWriter, Stdout, Write};
use std::path::{Path, PathBuf};

use barsmith_core::features::FeaturedBar;
use barsmith_core::{BarSpec, DAY_US, Named, civil_from_days};

use super::rows::{LiveFormat, Rows, read_staging_line};
use crate::error::Error;
use crate::output::{CsvRows, Identity, OutputFormat, OutputSchema, RunMetadata, create_writer};
use crate::run::{LiveCheckpoint, LiveOutputLength};
use crate::settings::Settings;

/// Where a live run writes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LiveOutput {
    /// Lines on standard output (CSV or NDJSON), one flushed line per bar: one symbol at one threshold only.
    Stdout(LiveFormat),
    /// A directory of day files.
    Directory(PathBuf, LiveFormat),
    /// No files: the bars go only to the [`LiveBars`](super::LiveBars) given to
    /// [`run_live_to`](super::run_live_to) (the Python iterator).
    Consumer,
}

impl LiveOutput {
    /// The format of the bars written (CSV for [`LiveOutput::Consumer`], which writes none).
    pub fn format(&self) -> LiveFormat {
        match self {
            LiveOutput::Stdout(format) | LiveOutput::Directory(_, format) => *format,
            LiveOutput::Consumer => LiveFormat::Csv,
        }
    }
}

/// Suffix of a Parquet day's staging file.
const STAGING: &str = ".staging";

/// One open day file (for Parquet, the day's staging file).
struct DayFile {
    name: String,
    file: BufWriter<File>,
    bytes: u64,
}

/// The open outputs of a run.
pub(crate) struct Outputs {
    rows: Rows,
    /// `prefixes[symbol][threshold]`: the identity columns' fields of each stream (empty without them).
    prefixes: Vec<Vec<Vec<u8>>>,
    scratch: Vec<u8>,
    target: Target,
}

enum Target {
    /// Bars go to a consumer only.
    None,
    Stdout(BufWriter<Stdout>),
    Directory(Days),
}

/// The day files of a directory output.
struct Days {
    dir: PathBuf,
    format: LiveFormat,
    symbols: Vec<String>,
    dbps: Vec<u32>,
    /// `files[symbol][threshold]`: the day file being appended.
    files: Vec<Vec<Option<DayFile>>>,
    /// Parquet: the metadata of each (symbol, threshold)'s files.
    metadata: Vec<Vec<RunMetadata>>,
    schema: OutputSchema,
    /// Parquet: staging files of ended days (their Parquet written), removed once a checkpoint no longer
    /// names them.
    ended: Vec<String>,
}

/// `{SYMBOL}-{DBPS}dbps-{YYYY-MM-DD}.{extension}` for the UTC day of `close_time_us`.
pub(crate) fn day_file_name(symbol: &str, dbps: u32, close_time_us: i64, extension: &str) -> String {
    let (year, month, day) = civil_from_days(close_time_us.div_euclid(DAY_US));
    format!("{symbol}-{dbps}dbps-{year:04}-{month:02}-{day:02}.{extension}")
}

impl Outputs {
    /// Opens the outputs; on resume, every file the checkpoint recorded is cut back to its recorded length
    /// (dropping whatever was written after the checkpoint) and appended to from there.
    pub(crate) fn open(
        output: &LiveOutput,
        settings: &Settings,
        symbols: &[String],
        resumed: Option<&LiveCheckpoint>,
        resumed_from: Option<&Path>,
    ) -> Result<Outputs, Error> {
        let schema = OutputSchema::of(settings);
        // A live run builds range bars only (`check_kinds` refuses the others), so every spec has a dbps.
        let dbps: Vec<u32> = settings.thresholds.iter().filter_map(|t| t.threshold()).map(|t| t.dbps()).collect();
        let rows = Rows::new(&schema, output.format());
        let target = match output {
            LiveOutput::Consumer => Target::None,
            LiveOutput::Stdout(format) => Target::Stdout(open_stdout(&rows, *format, symbols.len() * dbps.len())?),
            LiveOutput::Directory(dir, format) => {
                std::fs::create_dir_all(dir).map_err(|e| Error::from_output(dir, e))?;
                let mut files: Vec<Vec<Option<DayFile>>> =
                    symbols.iter().map(|_| dbps.iter().map(|_| None).collect()).collect();
                for recorded in resumed.map(|l| l.outputs.as_slice()).unwrap_or_default() {
                    let Some(s) = symbols.iter().position(|s| *s == recorded.symbol) else { continue };
                    let Some(t) = dbps.iter().position(|d| *d == recorded.threshold_dbps) else { continue };
                    files[s][t] = Some(reopen(dir, recorded, *format)?);
                }
                let metadata = symbols
                    .iter()
                    .map(|symbol| {
                        let of = |t: &BarSpec| RunMetadata::of_run(symbol, *t, settings, &[], resumed_from);
                        settings.thresholds.iter().map(of).collect()
                    })
                    .collect();
                let (symbols, dbps) = (symbols.to_vec(), dbps.clone());
                let dir = dir.clone();
                Target::Directory(Days {
                    dir,
                    format: *format,
                    symbols,
                    dbps,
                    files,
                    metadata,
                    schema,
                    ended: Vec::new(),
                })
            }
        };
        let prefixes = symbols
            .iter()
            .map(|symbol| {
                let identity = |&threshold_dbps| Identity { symbol: Some(symbol.clone()), threshold_dbps };
                dbps.iter().map(|d| CsvRows::prefix(&schema, &identity(d))).collect()
            })
            .collect();
        Ok(Outputs { rows, prefixes, scratch: Vec::new(), target })
    }

    /// One completed bar of `symbol` at threshold number `threshold`.
    pub(crate) fn bar(&mut self, symbol: usize, threshold: usize, bar: &FeaturedBar) -> Result<(), Error> {
        if matches!(self.target, Target::None) {
            return Ok(());
        }
        self.scratch.clear();
        let prefix = &self.prefixes[symbol][threshold];
        self.rows.row(&mut self.scratch, prefix, bar).map_err(|e| Error::from_output("-", e))?;
        match &mut self.target {
            Target::None => Ok(()),
            Target::Stdout(out) => {
                let io = |e| Error::from_output("-", e);
                out.write_all(&self.scratch).map_err(io)?;
                out.flush().map_err(io)
            }
            Target::Directory(days) => days.append(symbol, threshold, bar.bar.close_time, &self.scratch, &self.rows),
        }
    }

    /// Flushes what was written (readers tailing the files see it).
    pub(crate) fn flush(&mut self) -> Result<(), Error> {
        if let Target::Directory(days) = &mut self.target {
            for open in days.files.iter_mut().flatten().flatten() {
                open.file.flush().map_err(|e| Error::from_output(days.dir.join(&open.name), e))?;
            }
        }
        Ok(())
    }

    /// Makes what was written durable (flushed and synced) and returns each open file's length, for the
    /// checkpoint that is written next.
    pub(crate) fn commit(&mut self) -> Result<Vec<LiveOutputLength>, Error> {
        let Target::Directory(days) = &mut self.target else { return Ok(Vec::new()) };
        let mut lengths = Vec::new();
        for (s, row) in days.files.iter_mut().enumerate() {
            for (t, open) in row.iter_mut().enumerate() {
                let Some(open) = open else { continue };
                let io = |e| Error::from_output(days.dir.join(&open.name), e);
                open.file.flush().map_err(io)?;
                open.file.get_ref().sync_data().map_err(|e| Error::from_output(days.dir.join(&open.name), e))?;
                lengths.push(LiveOutputLength {
                    symbol: days.symbols[s].clone(),
                    threshold_dbps: days.dbps[t],
                    file: open.name.clone(),
                    bytes: open.bytes,
                });
            }
        }
        Ok(lengths)
    }

    /// After a checkpoint (made of [`Outputs::commit`]'s lengths) is saved: removes the staging files of ended
    /// Parquet days, which it no longer names.
    pub(crate) fn committed(&mut self) -> Result<(), Error> {
        if let Target::Directory(days) = &mut self.target {
            for name in days.ended.drain(..) {
                let path = days.dir.join(&name);
                std::fs::remove_file(&path).map_err(|e| Error::from_output(&path, e))?;
            }
        }
        Ok(())
    }

    /// At a clean stop (after the last checkpoint): every open Parquet day is written as Parquet with the bars
    /// so far (its staging file stays, and a resumed run rewrites the file when the day ends).
    pub(crate) fn stop(&mut self) -> Result<(), Error> {
        self.flush()?;
        let Target::Directory(days) = &mut self.target else { return Ok(()) };
        if days.format != LiveFormat::Parquet {
            return Ok(());
        }
        for s in 0..days.symbols.len() {
            for t in 0..days.dbps.len() {
                if let Some(open) = &days.files[s][t] {
                    write_parquet(&days.dir, &open.name, &days.schema, &days.metadata[s][t])?;
                }
            }
        }
        Ok(())
    }
}

impl Days {
    /// Appends `line` to the day file of (`symbol`, `threshold`) for `close_time`, ending the open day first
    /// when the bar belongs to another.
    fn append(
        &mut self,
        symbol: usize,
        threshold: usize,
        close_time: i64,
        line: &[u8],
        rows: &Rows,
    ) -> Result<(), Error> {
        let mut name = day_file_name(&self.symbols[symbol], self.dbps[threshold], close_time, self.format.name());
        if self.format == LiveFormat::Parquet {
            name.push_str(STAGING);
        }
        if self.files[symbol][threshold].as_ref().is_none_or(|open| open.name != name) {
            if let Some(old) = self.files[symbol][threshold].take() {
                self.end_day(symbol, threshold, old)?;
            }
            self.files[symbol][threshold] = Some(create(&self.dir, &name, rows)?);
        }
        let open = self.files[symbol][threshold].as_mut().expect("opened above");
        open.file.write_all(line).map_err(|e| Error::from_output(self.dir.join(&open.name), e))?;
        open.bytes += line.len() as u64;
        Ok(())
    }

    /// A day file's day has ended: flushed; for Parquet, the day's file written and the staging file kept
    /// until the next checkpoint no longer names it.
    fn end_day(&mut self, symbol: usize, threshold: usize, mut old: DayFile) -> Result<(), Error> {
        old.file.flush().map_err(|e| Error::from_output(self.dir.join(&old.name), e))?;
        if self.format == LiveFormat::Parquet {
            write_parquet(&self.dir, &old.name, &self.schema, &self.metadata[symbol][threshold])?;
            self.ended.push(old.name);
        }
        Ok(())
    }
}

fn open_stdout(rows: &Rows, format: LiveFormat, streams: usize) -> Result<BufWriter<Stdout>, Error> {
    if format == LiveFormat::Parquet {
        return Err(Error::usage(
            Named::text("Parquet cannot go to standard output (it is written a day at a time): give a directory as ")
                .setting("output")
                .then(", or write csv or ndjson"),
        ));
    }
    if streams != 1 {
        return Err(Error::usage(Named::from_setting("output").then(format!(
            " stdout takes one symbol at one threshold, but this run has {streams} (symbol, threshold) streams; write to a directory"
        ))));
    }
    let mut out = BufWriter::new(std::io::stdout());
    let mut header = Vec::new();
    rows.header(&mut header);
    let io = |e| Error::from_output("-", e);
    out.write_all(&header).map_err(io)?;
    out.flush().map_err(io)?;
    Ok(out)
}

/// Writes the Parquet file of the staging file `staging` (`….parquet.staging` → `….parquet`), atomically.
fn write_parquet(dir: &Path, staging: &str, schema: &OutputSchema, metadata: &RunMetadata) -> Result<(), Error> {
    let source = dir.join(staging);
    let target = dir.join(staging.strip_suffix(STAGING).unwrap_or(staging));
    let reader = BufReader::new(File::open(&source).map_err(|e| Error::from_output(&source, e))?);
    let mut writer = create_writer(&target, OutputFormat::Parquet, schema, metadata)?;
    for (number, line) in reader.lines().enumerate() {
        let line = line.map_err(|e| Error::from_output(&source, e))?;
        let bar = read_staging_line(&line)
            .map_err(|e| Error::from_output(&source, std::io::Error::other(format!("line {}: {e}", number + 1))))?;
        writer.bar(0, &bar, true)?;
    }
    writer.finish()
}

/// A new day file (an older one left by a run that died after its last checkpoint is replaced).
fn create(dir: &Path, name: &str, rows: &Rows) -> Result<DayFile, Error> {
    let path = dir.join(name);
    let file = File::create(&path).map_err(|e| Error::from_output(&path, e))?;
    let mut file = BufWriter::new(file);
    let mut header = Vec::new();
    rows.header(&mut header);
    file.write_all(&header).map_err(|e| Error::from_output(&path, e))?;
    Ok(DayFile { name: name.to_string(), file, bytes: header.len() as u64 })
}

/// The file a checkpoint recorded, cut back to the recorded length and opened for appending.
fn reopen(dir: &Path, recorded: &LiveOutputLength, format: LiveFormat) -> Result<DayFile, Error> {
    if recorded.file.contains(['/', '\\']) || recorded.file.starts_with('.') {
        return Err(Error::usage(format!(
            "the checkpoint names the output {:?}, which is not a file name",
            recorded.file
        )));
    }
    let extension = match format {
        LiveFormat::Parquet => format!(".parquet{STAGING}"),
        other => format!(".{}", other.name()),
    };
    if !recorded.file.ends_with(&extension) {
        return Err(Error::usage(
            Named::text(format!("the checkpoint's run wrote {:?}, not {format} day files: give the ", recorded.file))
                .setting("format")
                .then(" it wrote, or another directory and a new chain"),
        ));
    }
    let path = dir.join(&recorded.file);
    let file = OpenOptions::new().write(true).open(&path).map_err(|e| Error::from_output(&path, e))?;
    let length = file.metadata().map_err(|e| Error::from_output(&path, e))?.len();
    if length < recorded.bytes {
        return Err(Error::usage(format!(
            "{} holds {length} bytes, fewer than the {} the checkpoint recorded: it was changed after the checkpoint; restore it, or start a new chain",
            path.display(),
            recorded.bytes
        )));
    }
    file.set_len(recorded.bytes).map_err(|e| Error::from_output(&path, e))?;
    let mut file = BufWriter::new(file);
    std::io::Seek::seek(file.get_mut(), std::io::SeekFrom::End(0)).map_err(|e| Error::from_output(&path, e))?;
    Ok(DayFile { name: recorded.file.clone(), file, bytes: recorded.bytes })
}
