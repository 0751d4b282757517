//! Reads aggTrades files through `barsmith-ingest` and prints what it read, for measuring throughput and
//! peak memory (`/usr/bin/time -v`), or writes a deterministic synthetic spot file.
//!
//! ```text
//! cargo run --release -p barsmith-ingest --example read_trades -- [--single-thread] [--no-mmap] [--sort] [--dedupe] FILE...
//! cargo run --release -p barsmith-ingest --example read_trades -- --generate ROWS OUT.csv
//! ```

use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;

use barsmith_core::TradeBatch;
use barsmith_ingest::{IngestOptions, MultiFileReader};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--generate") {
        let rows: u64 = args.get(1).ok_or("--generate ROWS OUT")?.parse()?;
        let out = args.get(2).ok_or("--generate ROWS OUT")?;
        let mut writer = BufWriter::with_capacity(1 << 20, std::fs::File::create(out)?);
        barsmith_test_support::trades::write_spot_csv(&mut writer, rows)?;
        writer.flush()?;
        return Ok(());
    }
    let mut options = IngestOptions { memory_map: true, ..IngestOptions::default() };
    args.retain(|arg| match arg.as_str() {
        "--single-thread" => {
            options.threaded_decode = false;
            false
        }
        "--no-mmap" => {
            options.memory_map = false;
            false
        }
        "--sort" => {
            options.sort = true;
            false
        }
        "--dedupe" => {
            options.dedupe = true;
            false
        }
        _ => true,
    });
    let paths: Vec<PathBuf> = args.into_iter().map(PathBuf::from).collect();
    let started = Instant::now();
    let mut reader = MultiFileReader::new(&paths, &options)?;
    let mut batch = TradeBatch::with_capacity(options.batch_size);
    let (mut trades, mut quantity) = (0u64, 0i128);
    while reader.next_batch(&mut batch)? {
        trades += batch.len() as u64;
        quantity += batch.quantity.iter().map(|&q| i128::from(q)).sum::<i128>();
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{trades} trades, quantity sum {quantity} (1e-8), {} input bytes in {seconds:.3} s ({:.0} MB/s of input), gaps {:?}",
        reader.bytes_read(),
        reader.bytes_read() as f64 / seconds / 1e6,
        reader.gaps()
    );
    Ok(())
}
