//! `rangebar bars`.

use std::io::{self, Write};
use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use rangebar::output::{AtomicFile, write_csv_bar_fields, write_csv_header};
use rangebar::pipeline::{BarConsumer, BarPipeline, PipelineConfig};
use rangebar_core::{RangeBar, Threshold, TradeBatch};
use rangebar_ingest::{IngestOptions, MultiFileReader};

use super::Failure;

/// Arguments of `rangebar bars`.
#[derive(Debug, Args)]
pub struct BarsArgs {
    /// Input files in stream order (.csv, .csv.zst, .zip; `-` for stdin).
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// Bar width in decimal basis points (1 dbps = 0.001 %; 250 = 0.25 %).
    #[arg(long, value_name = "DBPS")]
    threshold_dbps: u32,
    /// Output CSV file, or `-` for stdout.
    #[arg(short, long, default_value = "-")]
    output: PathBuf,
    /// Allow a bar to close on a record with the bar's open timestamp (turns the same-timestamp gate off).
    #[arg(long)]
    no_gate: bool,
    /// Also write the forming bar at the end, with an `is_complete` column.
    #[arg(long)]
    include_incomplete: bool,
    /// Sort each file by (timestamp, agg_trade_id) before building (holds one file's trades in memory).
    #[arg(long)]
    sort: bool,
    /// Drop exact duplicate records (same agg_trade_id, same content).
    #[arg(long)]
    dedupe: bool,
    /// Do not print the summary.
    #[arg(short, long)]
    quiet: bool,
}

/// Writes bars as CSV rows.
struct CsvBars<W: Write> {
    out: W,
    path: PathBuf,
    with_completeness: bool,
}

impl<W: Write> BarConsumer for CsvBars<W> {
    fn bar(&mut self, _threshold: Threshold, bar: &RangeBar, complete: bool) -> Result<(), rangebar::Error> {
        let result = write_csv_bar_fields(&mut self.out, bar)
            .and_then(|()| if self.with_completeness { writeln!(self.out, ",{complete}") } else { writeln!(self.out) });
        result.map_err(|e| rangebar::Error::from_output(&self.path, e))
    }
}

/// Runs `rangebar bars`.
pub fn run(args: BarsArgs) -> Result<(), Failure> {
    let started = Instant::now();
    let threshold = Threshold::from_dbps(args.threshold_dbps).map_err(Failure::bad_input)?;
    let config = PipelineConfig {
        thresholds: vec![threshold],
        same_timestamp_gate: !args.no_gate,
        include_incomplete: args.include_incomplete,
    };
    let options = IngestOptions { sort: args.sort, dedupe: args.dedupe, ..IngestOptions::default() };
    let mut reader = MultiFileReader::new(&args.inputs, &options).map_err(rangebar::Error::from)?;
    let to_stdout = args.output.as_os_str() == "-";
    let output_error = |e: io::Error| rangebar::Error::from_output(&args.output, e);
    let file = if to_stdout { None } else { Some(AtomicFile::create(&args.output).map_err(output_error)?) };
    let sink: Box<dyn Write> = match &file {
        Some(file) => Box::new(file.writer().map_err(output_error)?),
        None => Box::new(io::BufWriter::with_capacity(1 << 16, io::stdout().lock())),
    };
    let mut csv = CsvBars { out: sink, path: args.output.clone(), with_completeness: args.include_incomplete };
    write_csv_header(&mut csv.out, args.include_incomplete, &[]).map_err(output_error)?;
    let mut pipeline = BarPipeline::new(&config);
    let mut batch = TradeBatch::new();
    while reader.next_batch(&mut batch).map_err(rangebar::Error::from)? {
        pipeline.push_batch(&batch, &mut csv)?;
    }
    pipeline.finish(&mut csv)?;
    csv.out.flush().map_err(output_error)?;
    drop(csv);
    if let Some(file) = file {
        file.commit().map_err(output_error)?;
    }
    if !args.quiet {
        let counts = pipeline.counts();
        let seconds = started.elapsed().as_secs_f64();
        let bars: Vec<String> = counts.bars.iter().map(|(t, n)| format!("{n} bars at {} dbps", t.dbps())).collect();
        eprintln!(
            "{} trades, {} in {seconds:.3} s ({:.1} M trades/s)",
            counts.trades,
            bars.join(", "),
            counts.trades as f64 / seconds.max(1e-9) / 1e6
        );
        let gaps = reader.gaps();
        if gaps.count > 0 {
            eprintln!("note: {} agg_trade_id gap(s) between files; first: {:?}", gaps.count, gaps.first);
        }
    }
    Ok(())
}
