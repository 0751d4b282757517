//! Features on every bar kind: a shared pipeline over range, time, tick, dollar and imbalance bars, cut into
//! batches anywhere (time bars end before a record, possibly in the previous batch), equals one pass, and each
//! bar's intra window is its own records.

use barsmith_core::{BuilderConfig, FeaturedBar, Kernels, SymbolPipeline, Trade, TradeBatch};
use barsmith_test_support::features::small_windows;
use barsmith_test_support::trades::tick_walk;

const SPECS: [&str; 5] = ["range:30", "time:7ms", "tick:37", "dollar:2e4", "tick-imbalance:ewma:init=50:span=5"];

fn run(trades: &[Trade], cuts: &[usize]) -> Vec<Vec<FeaturedBar>> {
    let builders: Vec<BuilderConfig> = SPECS.iter().map(|s| BuilderConfig::of(s.parse().unwrap())).collect();
    let mut pipeline = SymbolPipeline::new(&builders, small_windows("bars:2"), Kernels::detect()).unwrap();
    let mut out = Vec::new();
    let mut start = 0;
    for &end in cuts.iter().chain([&trades.len()]) {
        let batch: TradeBatch = trades[start..end].iter().collect();
        pipeline.push_batch(&batch, &mut out).unwrap();
        start = end;
    }
    let mut per_spec = vec![Vec::new(); SPECS.len()];
    for (index, bar) in out {
        per_spec[index].push(bar);
    }
    per_spec
}

#[test]
fn batches_cut_anywhere_equal_one_pass_for_every_kind() {
    let trades = tick_walk(3000, 7, 10_000_000_000);
    let whole = run(&trades, &[]);
    for (spec, bars) in SPECS.iter().zip(&whole) {
        assert!(bars.len() > 5, "{spec}: {} bars", bars.len());
        let records: u64 = bars.iter().map(|b| b.bar.agg_record_count).sum();
        assert!(records > 2500, "{spec}");
        for bar in bars {
            let intra = bar.features.intra.as_ref().map(|w| w.record_count);
            assert!(intra.is_none() || intra == Some(bar.bar.agg_record_count), "{spec}: {intra:?}");
        }
    }
    for step in [1, 2, 5, 64, 999] {
        let cuts: Vec<usize> = (step..trades.len()).step_by(step).collect();
        assert_eq!(run(&trades, &cuts), whole, "batches of {step}");
    }
}
