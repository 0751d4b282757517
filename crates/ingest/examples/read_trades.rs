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
        write_synthetic_spot(&mut writer, rows)?;
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

/// A deterministic spot file (8 columns, no header, µs, `True`/`False`): a price random walk on a 0.01 tick
/// around 87,000, quantities of 1 to 8 significant digits, ~37 % of rows sharing the previous timestamp.
fn write_synthetic_spot(out: &mut impl Write, rows: u64) -> std::io::Result<()> {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let (mut price_cents, mut trade_id, mut timestamp_us) = (8_700_000i64, 5_723_703_861i64, 1_767_225_600_000_000i64);
    for row in 0..rows {
        let random = next();
        price_cents += (random % 5) as i64 - 2;
        let quantity = 1 + (random >> 8) % 50_000_000;
        let extra_trades = ((random >> 40) % 4) as i64;
        if (random >> 44) % 100 >= 37 {
            timestamp_us += 1 + ((random >> 50) % 400_000) as i64;
        }
        let maker = if (random >> 62) & 1 == 1 { "True" } else { "False" };
        writeln!(
            out,
            "{},{}.{:02}000000,{}.{:08},{},{},{},{},True",
            3_800_397_495 + row,
            price_cents / 100,
            price_cents % 100,
            quantity / 100_000_000,
            quantity % 100_000_000,
            trade_id,
            trade_id + extra_trades,
            timestamp_us,
            maker
        )?;
        trade_id += extra_trades + 1;
    }
    Ok(())
}
