//! Measures how far the join of a sharded run replays before it meets the speculative run: records and bars
//! from a shard's start to the record the two runs met on, per threshold and lookback mode.
//!
//! ```sh
//! cargo run --release -p barsmith --example convergence -- generated 8000000 16      # 8 M generated trades, 16 shards
//! cargo run --release -p barsmith --example convergence -- FILE.csv 10               # a file cut into 10 shards
//! ```
//! Prints one line per (threshold, lookback): shards that met, median and largest distance in records and
//! bars, and the records replayed as a share of the stream.

use barsmith::core::features::{FeatureConfig, LookbackMode};
use barsmith::generate::{GenConfig, TradeGenerator};
use barsmith::parallel::{Convergence, DEFAULT_HEAD_RECORDS, run_batches};
use barsmith::pipeline::{BarCallback, BarPipeline, PipelineConfig};
use barsmith::{IngestOptions, Threshold, TradeBatch};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: convergence (generated TRADES | FILE) SHARDS [DBPS...]";
    let source = args.first().ok_or(usage)?;
    let (stream, rest) = if source == "generated" {
        let trades: u64 = args.get(1).ok_or(usage)?.parse()?;
        let stream: TradeBatch = TradeGenerator::new(GenConfig { trades, ..GenConfig::default() }).collect();
        (stream, &args[2..])
    } else {
        (barsmith::ingest::open(source.as_ref(), &IngestOptions::default())?.read_to_end()?, &args[1..])
    };
    let shards: usize = rest.first().ok_or(usage)?.parse()?;
    let thresholds: Vec<u32> = if rest.len() > 1 {
        rest[1..].iter().map(|t| t.parse()).collect::<Result<_, _>>()?
    } else {
        vec![50, 250, 1000]
    };
    let cut = cut(&stream, shards);
    println!("{} records in {} shards", stream.len(), cut.len());
    println!(
        "dbps | lookback | bars | shards met | records to meet: median / max | bars to meet: median / max | replayed"
    );
    for dbps in thresholds {
        for mode in [LookbackMode::Count(500), LookbackMode::Time { duration_us: 30_000_000 }, LookbackMode::Bars(3)] {
            let mut config = PipelineConfig::new(vec![Threshold::from_dbps(dbps)?]);
            config.settings.features = FeatureConfig { lookback_mode: mode, ..FeatureConfig::default() };
            let mut pipeline = BarPipeline::new(&config)?;
            let mut count = BarCallback(|_, _: &_, _| Ok(()));
            let stats = run_batches(&cut, &mut pipeline, &mut count, DEFAULT_HEAD_RECORDS)?;
            let met: Vec<Convergence> = stats.convergence.iter().flatten().flatten().copied().collect();
            let records = spread(met.iter().map(|c| c.records).collect());
            let bars = spread(met.iter().map(|c| c.bars).collect());
            println!(
                "{dbps} | {mode} | {} | {}/{} | {} / {} | {} / {} | {:.4} %",
                pipeline.bar_counts()[0],
                met.len(),
                stats.convergence.len(),
                records.0,
                records.1,
                bars.0,
                bars.1,
                stats.replayed as f64 * 100.0 / stream.len() as f64
            );
        }
    }
    Ok(())
}

/// `shards` shards of about equal size, in batches of 64 Ki records.
fn cut(stream: &TradeBatch, shards: usize) -> Vec<Vec<TradeBatch>> {
    let n = stream.len();
    let bounds: Vec<usize> = (0..=shards).map(|k| n * k / shards).collect();
    bounds
        .windows(2)
        .map(|w| {
            (w[0]..w[1])
                .step_by(1 << 16)
                .map(|from| (from..(from + (1 << 16)).min(w[1])).map(|i| stream.get(i).expect("in range")).collect())
                .collect()
        })
        .collect()
}

/// Median and largest value ("-" when empty).
fn spread(mut values: Vec<u64>) -> (String, String) {
    values.sort_unstable();
    match (values.get(values.len() / 2), values.last()) {
        (Some(median), Some(max)) => (median.to_string(), max.to_string()),
        _ => ("-".into(), "-".into()),
    }
}
