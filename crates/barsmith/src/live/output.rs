//! Where a live run's bars go: CSV lines on stdout (flushed per bar), or CSV day files in a directory, one per
//! (symbol, threshold, UTC day of the bar's close), named as `barsmith bars` names a one-day run
//! (`{SYMBOL}-{DBPS}dbps-{YYYY-MM-DD}.csv`), appended as bars close and cut back on resume to the length the
//! checkpoint recorded (docs/LIVE.md, "The output/checkpoint protocol").

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Stdout, Write};
use std::path::{Path, PathBuf};

use barsmith_core::features::FeaturedBar;
use barsmith_core::{DAY_US, civil_from_days};

use crate::error::Error;
use crate::output::{CsvRows, Identity, OutputSchema};
use crate::run::{LiveCheckpoint, LiveOutputLength};

/// Where a live run writes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LiveOutput {
    /// CSV on standard output, one flushed line per bar: one symbol at one threshold only.
    Stdout,
    /// A directory of CSV day files.
    Directory(PathBuf),
    /// No files: the bars go only to the [`LiveBars`](super::LiveBars) given to
    /// [`run_live_to`](super::run_live_to) (the Python iterator).
    Consumer,
}

/// One open day file.
struct DayFile {
    name: String,
    file: BufWriter<File>,
    bytes: u64,
}

/// The open outputs of a run.
pub(crate) struct Outputs {
    rows: CsvRows,
    /// `prefixes[symbol][threshold]`: the identity columns' fields of each stream (empty without them).
    prefixes: Vec<Vec<Vec<u8>>>,
    scratch: Vec<u8>,
    target: Target,
}

enum Target {
    /// Bars go to a consumer only.
    None,
    Stdout(BufWriter<Stdout>),
    /// `files[symbol][threshold]`: the day file being appended.
    Directory {
        dir: PathBuf,
        symbols: Vec<String>,
        dbps: Vec<u32>,
        files: Vec<Vec<Option<DayFile>>>,
    },
}

/// `{SYMBOL}-{DBPS}dbps-{YYYY-MM-DD}.csv` for the UTC day of `close_time_us`.
pub(crate) fn day_file_name(symbol: &str, dbps: u32, close_time_us: i64) -> String {
    let (year, month, day) = civil_from_days(close_time_us.div_euclid(DAY_US));
    format!("{symbol}-{dbps}dbps-{year:04}-{month:02}-{day:02}.csv")
}

impl Outputs {
    /// Opens the outputs; on resume, every file the checkpoint recorded is cut back to its recorded length
    /// (dropping whatever was written after the checkpoint) and appended to from there.
    pub(crate) fn open(
        output: &LiveOutput,
        schema: &OutputSchema,
        symbols: &[String],
        dbps: &[u32],
        resumed: Option<&LiveCheckpoint>,
    ) -> Result<Outputs, Error> {
        let rows = CsvRows::new(schema);
        let target = match output {
            LiveOutput::Consumer => Target::None,
            LiveOutput::Stdout => {
                if symbols.len() * dbps.len() != 1 {
                    return Err(Error::usage(format!(
                        "output stdout takes one symbol at one threshold, but this run has {} symbol(s) at {} threshold(s); write to a directory",
                        symbols.len(),
                        dbps.len()
                    )));
                }
                let mut out = BufWriter::new(std::io::stdout());
                let io = |e| Error::from_output("-", e);
                rows.header(&mut out).map_err(io)?;
                out.flush().map_err(io)?;
                Target::Stdout(out)
            }
            LiveOutput::Directory(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| Error::from_output(dir, e))?;
                let mut files: Vec<Vec<Option<DayFile>>> =
                    symbols.iter().map(|_| dbps.iter().map(|_| None).collect()).collect();
                for recorded in resumed.map(|l| l.outputs.as_slice()).unwrap_or_default() {
                    let Some(s) = symbols.iter().position(|s| *s == recorded.symbol) else { continue };
                    let Some(t) = dbps.iter().position(|d| *d == recorded.threshold_dbps) else { continue };
                    files[s][t] = Some(reopen(dir, recorded)?);
                }
                Target::Directory { dir: dir.clone(), symbols: symbols.to_vec(), dbps: dbps.to_vec(), files }
            }
        };
        let prefixes = symbols
            .iter()
            .map(|symbol| {
                let identity = |&threshold_dbps| Identity { symbol: Some(symbol.clone()), threshold_dbps };
                dbps.iter().map(|d| CsvRows::prefix(schema, &identity(d))).collect()
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
        self.rows.row(&mut self.scratch, prefix, bar, true).map_err(|e| Error::from_output("-", e))?;
        match &mut self.target {
            Target::None => Ok(()),
            Target::Stdout(out) => {
                let io = |e| Error::from_output("-", e);
                out.write_all(&self.scratch).map_err(io)?;
                out.flush().map_err(io)
            }
            Target::Directory { dir, symbols, dbps, files } => {
                let name = day_file_name(&symbols[symbol], dbps[threshold], bar.bar.close_time);
                let slot = &mut files[symbol][threshold];
                if slot.as_ref().is_none_or(|open| open.name != name) {
                    if let Some(mut old) = slot.take() {
                        old.file.flush().map_err(|e| Error::from_output(dir.join(&old.name), e))?;
                    }
                    *slot = Some(create(dir, &name, &self.rows)?);
                }
                let open = slot.as_mut().expect("opened above");
                open.file.write_all(&self.scratch).map_err(|e| Error::from_output(dir.join(&open.name), e))?;
                open.bytes += self.scratch.len() as u64;
                Ok(())
            }
        }
    }

    /// Flushes what was written (readers tailing the files see it).
    pub(crate) fn flush(&mut self) -> Result<(), Error> {
        if let Target::Directory { dir, files, .. } = &mut self.target {
            for open in files.iter_mut().flatten().flatten() {
                open.file.flush().map_err(|e| Error::from_output(dir.join(&open.name), e))?;
            }
        }
        Ok(())
    }

    /// Makes what was written durable (flushed and synced) and returns each open file's length, for the
    /// checkpoint that is written next.
    pub(crate) fn commit(&mut self) -> Result<Vec<LiveOutputLength>, Error> {
        let Target::Directory { dir, symbols, dbps, files } = &mut self.target else { return Ok(Vec::new()) };
        let mut lengths = Vec::new();
        for (s, row) in files.iter_mut().enumerate() {
            for (t, open) in row.iter_mut().enumerate() {
                let Some(open) = open else { continue };
                let io = |e| Error::from_output(dir.join(&open.name), e);
                open.file.flush().map_err(io)?;
                open.file.get_ref().sync_data().map_err(|e| Error::from_output(dir.join(&open.name), e))?;
                lengths.push(LiveOutputLength {
                    symbol: symbols[s].clone(),
                    threshold_dbps: dbps[t],
                    file: open.name.clone(),
                    bytes: open.bytes,
                });
            }
        }
        Ok(lengths)
    }
}

/// A new day file (an older one left by a run that died after its last checkpoint is replaced).
fn create(dir: &Path, name: &str, rows: &CsvRows) -> Result<DayFile, Error> {
    let path = dir.join(name);
    let file = File::create(&path).map_err(|e| Error::from_output(&path, e))?;
    let mut file = BufWriter::new(file);
    let mut header = Vec::new();
    rows.header(&mut header).map_err(|e| Error::from_output(&path, e))?;
    file.write_all(&header).map_err(|e| Error::from_output(&path, e))?;
    Ok(DayFile { name: name.to_string(), file, bytes: header.len() as u64 })
}

/// The file a checkpoint recorded, cut back to the recorded length and opened for appending.
fn reopen(dir: &Path, recorded: &LiveOutputLength) -> Result<DayFile, Error> {
    if recorded.file.contains(['/', '\\']) || recorded.file.starts_with('.') {
        return Err(Error::usage(format!(
            "the checkpoint names the output {:?}, which is not a file name",
            recorded.file
        )));
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
