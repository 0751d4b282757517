//! Instruction counts of the parser under callgrind (gungraun): one generated spot file of 50 k records read
//! whole as `.csv` (mapped), `.csv.zst` and `.zip` (deflate), so a parser change shows its cost per record.
//!
//! The compressed inputs are read with `threaded_decode` (the default): the decoder runs on its own thread,
//! and callgrind only collects inside the benchmark function on the calling thread, so the zstd and deflate
//! decoding are **not** counted — what remains is the parse, the order check, the batch columns and the hand-over
//! between the threads. File generation happens in the setup function and is not counted either.
//!
//! `just bench-iai` (or `cargo bench -p barsmith-benches --bench iai_ingest`, with `gungraun-runner` of the
//! pinned version on PATH). Divide by `RECORDS` for instructions per record.

use std::fs::File;
use std::hint::black_box;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use barsmith::generate::{GenConfig, GenFormat, write_trades};
use barsmith_core::TradeBatch;
use barsmith_ingest::{IngestOptions, open};
use gungraun::{LibraryBenchmarkConfig, library_benchmark, library_benchmark_group, main};

/// Records in every ingest benchmark.
const RECORDS: u64 = 50_000;

/// Writes the three inputs once (deterministic: the generator's seed 7) and returns the one asked for.
fn input(extension: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("iai-ingest");
    std::fs::create_dir_all(&dir).expect("create bench dir");
    let stem = format!("IAIUSDT-aggTrades-{RECORDS}");
    let csv = dir.join(format!("{stem}.csv"));
    if !csv.exists() {
        let partial = dir.join(format!("{stem}.csv.partial"));
        let mut out = BufWriter::new(File::create(&partial).expect("create"));
        write_trades(&mut out, &GenConfig { trades: RECORDS, seed: 7, ..GenConfig::default() }, GenFormat::Spot)
            .expect("generate");
        out.flush().expect("flush");
        drop(out);
        std::fs::rename(&partial, &csv).expect("rename");
    }
    let text = std::fs::read(&csv).expect("read csv");
    let zst = dir.join(format!("{stem}.csv.zst"));
    if !zst.exists() {
        std::fs::write(&zst, zstd::encode_all(&text[..], 3).expect("zstd")).expect("write zst");
    }
    let zip = dir.join(format!("{stem}.zip"));
    if !zip.exists() {
        let mut writer = zip::ZipWriter::new(File::create(&zip).expect("create zip"));
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        writer.start_file(format!("{stem}.csv"), options).expect("member");
        writer.write_all(&text).expect("deflate");
        writer.finish().expect("finish zip");
    }
    dir.join(format!("{stem}.{extension}"))
}

/// Reads the whole file; returns the trade count.
fn read_all(path: PathBuf) -> u64 {
    let options = IngestOptions::default();
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
#[bench::csv_zst_decode_excluded(setup = input, args = ["csv.zst"])]
#[bench::zip_decode_excluded(setup = input, args = ["zip"])]
fn parse_file(path: PathBuf) -> u64 {
    read_all(path)
}

library_benchmark_group!(name = ingest; benchmarks = parse_file);

main!(config = LibraryBenchmarkConfig::default(); library_benchmark_groups = ingest);
