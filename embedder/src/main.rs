//! The full pipeline with every feature group on generated trades, once per available backend, as an
//! embedding crate builds it: `cargo build --release` with Cargo's default release profile.
//!
//! Usage: `barsmith-embedder [TRADES] [REPEATS]` (defaults 1000000 and 3). Prints one line per backend,
//! `backend trades_per_second`, the best of the repeats. `tools/embed-check.sh` (`just embed-check`)
//! builds this program twice — plain, and with the workspace's release profile — and compares them.

use std::time::Instant;

use barsmith::generate::{GenConfig, TradeGenerator};
use barsmith::pipeline::{CollectBars, PipelineConfig};
use barsmith::{Backend, BarPipeline, FeatureConfig, Kernels, Threshold, TradeBatch};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let trades: u64 = args.next().map_or(Ok(1_000_000), |a| a.parse())?;
    let repeats: usize = args.next().map_or(Ok(3), |a| a.parse())?;
    let batch: TradeBatch = TradeGenerator::new(GenConfig { trades, seed: 7, ..GenConfig::default() }).collect();
    let features = FeatureConfig { lookback_mode: "count:500".parse()?, ..FeatureConfig::default() };
    for backend in Backend::ALL.into_iter().filter(|b| b.is_available()) {
        let mut config = PipelineConfig::new(vec![Threshold::from_dbps(250)?]);
        config.settings.features = features;
        config.settings.kernels = Kernels::new(backend)?;
        let mut best = f64::INFINITY;
        let mut bar_count = 0;
        for _ in 0..repeats.max(1) {
            let started = Instant::now();
            let mut pipeline = BarPipeline::new(&config)?;
            let mut bars = CollectBars::default();
            pipeline.push_batch(&batch, &mut bars)?;
            pipeline.finish(&mut bars)?;
            best = best.min(started.elapsed().as_secs_f64());
            bar_count = bars.completed.len();
        }
        assert!(bar_count > 0, "the generated trades made no bar");
        println!("{} {:.0}", backend.name(), batch.len() as f64 / best);
    }
    Ok(())
}
