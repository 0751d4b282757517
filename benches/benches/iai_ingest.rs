//! Instruction counts of reading one input file whole under callgrind (gungraun): one generated spot file of
//! 50 k records as `.csv` (memory-mapped), `.csv.zst` (memory-mapped) and `.zip` (deflate), so a parser or
//! decoder change shows its cost per record.
//!
//! What is counted: everything `open` and `next_batch` do on the calling thread — the parse, the order check,
//! the batch columns and, for the compressed files, the zstd or deflate decoding (and the zip member's CRC-32).
//! The decoding is counted because these benches read with `threaded_decode: false`: with the default
//! decoding thread the count of the parsing thread depended on how the two threads were scheduled (the
//! channel's hand-over spins and parks a varying number of times), so it changed from run to run.
//!
//! Why the counts are deterministic: the process is single-threaded, its inputs are the same bytes on every
//! run, and the setup (not counted, but run in the measured process) does the same work on every run — it
//! always generates the file and writes it, so the allocator state the benchmark starts from is the same.
//! (A setup that wrote the files only when they were missing left a different heap behind on the first
//! run, which moved the count by 0.8 %.) `just bench-iai-check` checks this.
//!
//! `just bench-iai` (or `cargo bench -p barsmith-benches --bench iai_ingest`, with `gungraun-runner` of the
//! pinned version on PATH). Divide by `RECORDS` for instructions per record.

use std::fs::File;
use std::hint::black_box;
use std::io::Write;
use std::path::{Path, PathBuf};

use barsmith::generate::{GenConfig, GenFormat, write_trades};
use barsmith_core::TradeBatch;
use barsmith_ingest::{IngestOptions, open};
use gungraun::{LibraryBenchmarkConfig, library_benchmark, library_benchmark_group, main};

/// Records in every ingest benchmark.
const RECORDS: u64 = 50_000;

/// The reading options of every ingest benchmark: the `barsmith` command's (memory maps on), except that
/// decoding runs on the calling thread (see the module docs).
fn options() -> IngestOptions {
    IngestOptions { memory_map: true, threaded_decode: false, ..IngestOptions::default() }
}

/// The bytes of the input as `extension` (`csv`, `csv.zst`, `zip`): the generator's seed 7, encoded.
fn encoded(extension: &str, stem: &str) -> Vec<u8> {
    let mut text = Vec::new();
    write_trades(&mut text, &GenConfig { trades: RECORDS, seed: 7, ..GenConfig::default() }, GenFormat::Spot)
        .expect("generate");
    match extension {
        "csv" => text,
        "csv.zst" => zstd::encode_all(&text[..], 3).expect("zstd"),
        "zip" => {
            let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
            let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
            writer.start_file(format!("{stem}.csv"), options).expect("member");
            writer.write_all(&text).expect("deflate");
            writer.finish().expect("finish zip").into_inner()
        }
        other => panic!("no ingest benchmark input for .{other}"),
    }
}

/// Writes the input as `extension` and returns its path. It is written on every run, never only when
/// missing: the setup runs inside the measured process, so it must do the same work every time (see the
/// module docs). The directory is cargo's `CARGO_TARGET_TMPDIR`, which cargo creates.
fn input(extension: &str) -> PathBuf {
    let stem = format!("IAIUSDT-aggTrades-{RECORDS}");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join(format!("{stem}.{extension}"));
    let partial = dir.join(format!("{stem}.{extension}.partial"));
    let mut file = File::create(&partial).expect("create bench input");
    file.write_all(&encoded(extension, &stem)).expect("write bench input");
    drop(file);
    std::fs::rename(&partial, &path).expect("rename bench input");
    path
}

/// Reads the whole file; returns the trade count.
fn read_all(path: PathBuf) -> u64 {
    let options = options();
    let mut reader = open(black_box(&path), &options).expect("open");
    let mut batch = TradeBatch::with_capacity(options.batch_size);
    let mut trades = 0;
    while reader.next_batch(&mut batch).expect("valid bench file") {
        trades += batch.len() as u64;
    }
    assert_eq!(trades, RECORDS);
    trades
}

#[library_benchmark]
#[bench::csv_mapped(setup = input, args = ["csv"])]
#[bench::csv_zst_mapped_decode_counted(setup = input, args = ["csv.zst"])]
#[bench::zip_decode_counted(setup = input, args = ["zip"])]
fn parse_file(path: PathBuf) -> u64 {
    read_all(path)
}

library_benchmark_group!(name = ingest; benchmarks = parse_file);

main!(config = LibraryBenchmarkConfig::default(); library_benchmark_groups = ingest);
