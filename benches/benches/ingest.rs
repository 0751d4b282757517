//! Ingestion throughput on a generated spot file of ~225 MB (2.6 M rows), each figure beside its
//! baseline in the same run:
//! * `csv`: the hand-written parser over the mapped file vs a `csv::ByteRecord` parse and a `simd_csv`
//!   zero-copy parse, both with the same checks;
//! * `csv_zst`: a zstd-only decode of the same file vs the reader end to end on one thread and with the
//!   decoding on a second thread.
//!
//! And on 3 M trades from `barsmith::generate` (seed 42, spot; ~260 MB of text), as `.csv`, `.csv.zst` and a
//! Binance-style `.zip` (one deflate member, level 6):
//! * `zip`: three deflate decoders, decode only (the member's raw deflate bytes in memory, decoded into a reused
//!   1 MiB buffer; libdeflate whole-member into a buffer of the member's size) and end to end (decoder on the
//!   decoding thread feeding the parser), then the reader on the `.zip` file as shipped (zlib-rs, CRC checked);
//! * `parallel`: the reader with `parse_threads` 1 and 2 on the `.csv`, `.csv.zst` and `.zip`.
//!
//! `cargo bench -p barsmith-benches --bench ingest`. The files are written once (deterministically) to
//! `$CARGO_TARGET_TMPDIR/ingest-bench/`.

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use barsmith_core::{FixedPoint, TradeBatch, normalize_timestamp_us};
use barsmith_ingest::{IngestOptions, TradeReader, open};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// 2.6 M rows of ~86 bytes: about 225 MB of text.
const ROWS: u64 = 2_600_000;

/// Writes the deterministic synthetic spot file: a price random walk on a 0.01 tick around 87,000,
/// quantities of up to 8 decimals, about 37 % of rows sharing the previous timestamp.
fn write_spot_csv(path: &Path) -> std::io::Result<()> {
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path)?);
    barsmith_test_support::trades::write_spot_csv(&mut out, ROWS)?;
    out.flush()
}

/// The plain and zstd (level 3) files, generated when missing.
fn bench_files() -> (PathBuf, PathBuf) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("ingest-bench");
    std::fs::create_dir_all(&dir).expect("create bench dir");
    let csv = dir.join(format!("spot-{ROWS}.csv"));
    let zst = dir.join(format!("spot-{ROWS}.csv.zst"));
    if !csv.exists() {
        let partial = dir.join("spot.csv.partial");
        write_spot_csv(&partial).expect("write bench csv");
        std::fs::rename(&partial, &csv).expect("rename bench csv");
    }
    if !zst.exists() {
        let partial = dir.join("spot.csv.zst.partial");
        let mut input = File::open(&csv).expect("open bench csv");
        let output = File::create(&partial).expect("create bench zst");
        zstd::stream::copy_encode(&mut input, output, 3).expect("compress bench csv");
        std::fs::rename(&partial, &zst).expect("rename bench zst");
    }
    (csv, zst)
}

/// Reads a whole file through `barsmith-ingest`; returns the trade count.
fn ingest(path: &Path, options: &IngestOptions) -> usize {
    let mut reader = open(path, options).expect("open");
    let mut batch = TradeBatch::with_capacity(options.batch_size);
    let mut trades = 0;
    while reader.next_batch(&mut batch).expect("valid bench file") {
        trades += batch.len();
    }
    trades
}

/// The same parse and checks as the hand-written parser, on the fields of one record: exact decimals, ms/µs,
/// price > 0, ids in order; `last_id` is the previous record's id.
fn push_fields<'a>(batch: &mut TradeBatch, last_id: &mut i64, fields: usize, field: impl Fn(usize) -> &'a [u8]) {
    let integer = |field: &[u8]| -> i64 { std::str::from_utf8(field).expect("utf8").parse().expect("integer") };
    assert_eq!(fields, 8);
    let agg_trade_id = integer(field(0));
    let price = FixedPoint::parse(field(1)).expect("price");
    let quantity = FixedPoint::parse(field(2)).expect("quantity");
    let (first, last) = (integer(field(3)), integer(field(4)));
    let timestamp_us = normalize_timestamp_us(integer(field(5)));
    let maker = match field(6) {
        b"True" | b"true" => true,
        b"False" | b"false" => false,
        _ => panic!("boolean"),
    };
    assert!(matches!(field(7), b"True" | b"true" | b"False" | b"false"));
    assert!(price.0 > 0 && last >= first && agg_trade_id > *last_id);
    *last_id = agg_trade_id;
    batch.agg_trade_id.push(agg_trade_id);
    batch.price.push(price.0);
    batch.quantity.push(quantity.0);
    batch.first_trade_id.push(first);
    batch.last_trade_id.push(last);
    batch.timestamp_us.push(timestamp_us);
    batch.is_buyer_maker.push(maker);
}

/// The same parse and checks through `csv::ByteRecord`.
fn parse_with_csv_crate(path: &Path) -> usize {
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).buffer_capacity(1 << 20).from_path(path).expect("open");
    let mut record = csv::ByteRecord::new();
    let mut batch = TradeBatch::with_capacity(64 * 1024);
    let (mut trades, mut last_id) = (0, i64::MIN);
    while reader.read_byte_record(&mut record).expect("csv record") {
        push_fields(&mut batch, &mut last_id, record.len(), |i| &record[i]);
        if batch.len() == 64 * 1024 {
            trades += batch.len();
            batch.clear();
        }
    }
    trades + batch.len()
}

/// The same parse and checks through `simd_csv::ZeroCopyReader` (SIMD search for separators, fields borrowed
/// from its buffer).
fn parse_with_simd_csv(path: &Path) -> usize {
    let file = File::open(path).expect("open");
    let mut reader =
        simd_csv::ZeroCopyReaderBuilder::new().has_headers(false).buffer_capacity(1 << 20).from_reader(file);
    let mut batch = TradeBatch::with_capacity(64 * 1024);
    let (mut trades, mut last_id) = (0, i64::MIN);
    while let Some(record) = reader.read_byte_record().expect("simd-csv record") {
        push_fields(&mut batch, &mut last_id, record.len(), |i| &record[i]);
        if batch.len() == 64 * 1024 {
            trades += batch.len();
            batch.clear();
        }
    }
    trades + batch.len()
}

/// Decodes the zstd bytes (already in memory) into a reused 1 MiB buffer, discarding the text.
fn zstd_decode_only(compressed: &[u8]) -> usize {
    let mut decoder = zstd::stream::read::Decoder::with_buffer(compressed).expect("decoder");
    let mut buffer = vec![0u8; 1 << 20];
    let mut total = 0;
    loop {
        let n = decoder.read(&mut buffer).expect("decode");
        if n == 0 {
            return total;
        }
        total += n;
    }
}

fn ingest_benches(c: &mut Criterion) {
    let (csv, zst) = bench_files();
    let text_bytes = std::fs::metadata(&csv).expect("csv metadata").len();
    let rows = ROWS as usize;

    let mut group = c.benchmark_group("ingest_csv");
    group.sample_size(10).warm_up_time(Duration::from_secs(2)).measurement_time(Duration::from_secs(10));
    group.throughput(Throughput::Bytes(text_bytes));
    group.bench_function("hand_written_mapped", |b| {
        b.iter(|| assert_eq!(ingest(&csv, &IngestOptions { memory_map: true, ..IngestOptions::default() }), rows))
    });
    group.bench_function("csv_byte_record", |b| b.iter(|| assert_eq!(parse_with_csv_crate(&csv), rows)));
    group.bench_function("simd_csv_zero_copy", |b| b.iter(|| assert_eq!(parse_with_simd_csv(&csv), rows)));
    group.finish();

    let compressed = std::fs::read(&zst).expect("read zst");
    let mut group = c.benchmark_group("ingest_csv_zst");
    group.sample_size(10).warm_up_time(Duration::from_secs(2)).measurement_time(Duration::from_secs(12));
    // Throughput in uncompressed bytes, so all three read as text per second.
    group.throughput(Throughput::Bytes(text_bytes));
    group.bench_function("zstd_decode_only", |b| {
        b.iter(|| assert_eq!(zstd_decode_only(&compressed) as u64, text_bytes));
    });
    let one_thread = IngestOptions { threaded_decode: false, memory_map: true, ..IngestOptions::default() };
    group.bench_function("end_to_end_one_thread", |b| b.iter(|| assert_eq!(ingest(&zst, &one_thread), rows)));
    let two_threads = IngestOptions { threaded_decode: true, memory_map: true, ..IngestOptions::default() };
    group.bench_function("end_to_end_decode_thread", |b| b.iter(|| assert_eq!(ingest(&zst, &two_threads), rows)));
    group.finish();
}

/// 3 M generated trades, the reference size.
const GENERATED_TRADES: u64 = 3_000_000;

/// The generated `.csv`, `.csv.zst` and `.zip`, written once.
fn generated_files() -> [PathBuf; 3] {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("ingest-bench");
    std::fs::create_dir_all(&dir).expect("create bench dir");
    let stem = format!("GENUSDT-aggTrades-{GENERATED_TRADES}");
    let [csv, zst, zip] = ["csv", "csv.zst", "zip"].map(|extension| dir.join(format!("{stem}.{extension}")));
    if !csv.exists() {
        let partial = dir.join("generated.csv.partial");
        let mut out = BufWriter::with_capacity(1 << 20, File::create(&partial).expect("create"));
        let config = barsmith::generate::GenConfig { trades: GENERATED_TRADES, ..Default::default() };
        barsmith::generate::write_trades(&mut out, &config, barsmith::generate::GenFormat::Spot).expect("generate");
        out.flush().expect("flush");
        std::fs::rename(&partial, &csv).expect("rename");
    }
    if !zst.exists() {
        let partial = dir.join("generated.csv.zst.partial");
        zstd::stream::copy_encode(File::open(&csv).expect("open"), File::create(&partial).expect("create"), 3)
            .expect("compress");
        std::fs::rename(&partial, &zst).expect("rename");
    }
    if !zip.exists() {
        let partial = dir.join("generated.zip.partial");
        let mut writer = zip::ZipWriter::new(File::create(&partial).expect("create"));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .compression_level(Some(6))
            .large_file(true);
        writer.start_file(format!("{stem}.csv"), options).expect("member");
        std::io::copy(&mut File::open(&csv).expect("open"), &mut writer).expect("deflate");
        writer.finish().expect("finish zip");
        std::fs::rename(&partial, &zip).expect("rename");
    }
    [csv, zst, zip]
}

/// The raw deflate bytes of the zip's one member, and its uncompressed size.
fn deflate_member(zip_path: &Path) -> (Arc<[u8]>, usize) {
    let mut archive = zip::ZipArchive::new(File::open(zip_path).expect("open zip")).expect("zip");
    let mut member = archive.by_index_raw(0).expect("member");
    let size = member.size() as usize;
    let mut raw = Vec::with_capacity(member.compressed_size() as usize);
    member.read_to_end(&mut raw).expect("read member");
    (raw.into(), size)
}

/// Reads `decoder` to the end through a reused 1 MiB buffer; returns the decoded length.
fn drain(mut decoder: impl Read) -> usize {
    let mut buffer = vec![0u8; 1 << 20];
    let mut total = 0;
    loop {
        match decoder.read(&mut buffer).expect("decode") {
            0 => return total,
            n => total += n,
        }
    }
}

/// miniz_oxide's streaming inflate (what flate2's default `rust_backend` runs) as a `Read`.
struct MinizReader {
    state: Box<miniz_oxide::inflate::stream::InflateState>,
    input: Arc<[u8]>,
    consumed: usize,
    done: bool,
}

impl MinizReader {
    fn new(input: Arc<[u8]>) -> MinizReader {
        let state = miniz_oxide::inflate::stream::InflateState::new_boxed(miniz_oxide::DataFormat::Raw);
        MinizReader { state, input, consumed: 0, done: false }
    }
}

impl Read for MinizReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.done || buf.is_empty() {
            return Ok(0);
        }
        let input = &self.input[self.consumed..];
        let result = miniz_oxide::inflate::stream::inflate(&mut self.state, input, buf, miniz_oxide::MZFlush::None);
        self.consumed += result.bytes_consumed;
        match result.status {
            Ok(miniz_oxide::MZStatus::StreamEnd) => self.done = true,
            Ok(_) => {}
            Err(error) => return Err(std::io::Error::other(format!("inflate: {error:?}"))),
        }
        Ok(result.bytes_written)
    }
}

/// flate2's `DeflateDecoder`, which this workspace builds on zlib-rs (feature `zlib-rs`).
fn zlib_rs_reader(input: Arc<[u8]>) -> flate2::read::DeflateDecoder<std::io::Cursor<Arc<[u8]>>> {
    flate2::read::DeflateDecoder::new(std::io::Cursor::new(input))
}

/// libdeflate decodes a whole member at once into a buffer of its (known) size.
fn libdeflate_whole(input: &[u8], size: usize) -> Vec<u8> {
    let mut output = vec![0u8; size];
    let written = libdeflater::Decompressor::new().deflate_decompress(input, &mut output).expect("libdeflate");
    assert_eq!(written, size);
    output
}

/// Parses decoded text from any stream (the decoder then runs on the reader's decoding thread).
fn ingest_stream(stream: impl Read + Send + 'static) -> usize {
    let options = IngestOptions::default();
    let mut reader = TradeReader::from_reader(stream, Path::new("member.csv"), &options).expect("open");
    let mut batch = TradeBatch::with_capacity(options.batch_size);
    let mut trades = 0;
    while reader.next_batch(&mut batch).expect("valid bench file") {
        trades += batch.len();
    }
    trades
}

fn zip_benches(c: &mut Criterion) {
    let [_, _, zip] = generated_files();
    let (raw, size) = deflate_member(&zip);
    let trades = GENERATED_TRADES as usize;
    let mut group = c.benchmark_group("ingest_zip");
    group.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(8));
    group.throughput(Throughput::Bytes(size as u64));
    group.bench_function("decode_only/miniz_oxide", |b| {
        b.iter(|| assert_eq!(drain(MinizReader::new(raw.clone())), size))
    });
    group.bench_function("decode_only/zlib_rs", |b| b.iter(|| assert_eq!(drain(zlib_rs_reader(raw.clone())), size)));
    group.bench_function("decode_only/libdeflate_whole", |b| b.iter(|| libdeflate_whole(&raw, size).len()));
    group.bench_function("end_to_end/miniz_oxide", |b| {
        b.iter(|| assert_eq!(ingest_stream(MinizReader::new(raw.clone())), trades))
    });
    group.bench_function("end_to_end/zlib_rs", |b| {
        b.iter(|| assert_eq!(ingest_stream(zlib_rs_reader(raw.clone())), trades))
    });
    group.bench_function("end_to_end/libdeflate_whole", |b| {
        b.iter(|| assert_eq!(ingest_stream(std::io::Cursor::new(libdeflate_whole(&raw, size))), trades))
    });
    group.bench_function("end_to_end/zip_file", |b| {
        b.iter(|| assert_eq!(ingest(&zip, &IngestOptions::default()), trades))
    });
    group.finish();
}

fn parallel_benches(c: &mut Criterion) {
    let files = generated_files();
    let text_bytes = std::fs::metadata(&files[0]).expect("csv metadata").len();
    let trades = GENERATED_TRADES as usize;
    let mut group = c.benchmark_group("ingest_parallel");
    group.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(8));
    group.throughput(Throughput::Bytes(text_bytes));
    for (name, path) in ["csv", "csv_zst", "zip"].iter().zip(&files) {
        for threads in [1, 2] {
            let options = IngestOptions { parse_threads: threads, ..IngestOptions::default() };
            group.bench_function(format!("{name}/parse_threads_{threads}"), |b| {
                b.iter(|| assert_eq!(ingest(path, &options), trades))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, ingest_benches, zip_benches, parallel_benches);
criterion_main!(benches);
