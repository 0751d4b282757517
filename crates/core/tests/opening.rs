//! `FeaturePipeline::at_opening`: a pipeline started at a true bar opening is the one-pass pipeline there —
//! the checkpoint of one pass after a batch that ends at the opening, and the same bars and state after it,
//! for every lookback mode with intra on and off — and a tail that does not reach back to its windows is
//! refused.

use barsmith_core::features::{Backend, Opening};
use barsmith_core::{
    BarSink, BuilderConfig, FeatureConfig, FeaturePipeline, Kernels, LookbackMode, RangeBar, RangeBarBuilder,
    Threshold, TradeBatch,
};
use barsmith_test_support::features::small_windows;
use barsmith_test_support::trades::tick_walk;

/// Batch indices of the bar openings and closes.
#[derive(Default)]
struct Events {
    opens: Vec<usize>,
    closes: Vec<usize>,
}

impl BarSink for Events {
    fn bar_opened(&mut self, index: usize) {
        self.opens.push(index);
    }

    fn bar_completed(&mut self, _bar: RangeBar, index: usize) {
        self.closes.push(index);
    }
}

fn records(trades: &TradeBatch, range: std::ops::Range<usize>) -> TradeBatch {
    let mut batch = TradeBatch::new();
    batch.extend_from(trades, range);
    batch
}

#[test]
fn a_pipeline_started_at_an_opening_is_the_one_pass_there() {
    let trades: TradeBatch = tick_walk(1500, 3, 10_000_000_000).into_iter().collect();
    let kernels = Kernels::new(Backend::Scalar).unwrap();
    let bar_rule = BuilderConfig::new(Threshold::from_dbps(4).unwrap());
    let mut events = Events::default();
    RangeBarBuilder::with_kernels(bar_rule, kernels).push_batch_into(&trades, &mut events).unwrap();
    assert!(events.closes.len() > 12, "{} bars", events.closes.len());
    let modes = [LookbackMode::Count(200), LookbackMode::Time { duration_us: 40_000 }, LookbackMode::Bars(3)];
    for (mode, intra, lookback) in modes.into_iter().flat_map(|m| [(m, true, true), (m, false, true), (m, true, false)])
    {
        let config = FeatureConfig { intra, lookback, lookback_mode: mode, ..small_windows("count:10") };
        for &close in events.closes.iter().step_by(6) {
            let p = close + 1;
            let mut one = FeaturePipeline::new(bar_rule, config, kernels).unwrap();
            one.push_batch(&records(&trades, 0..p), &mut Vec::new()).unwrap();
            let mut builder = RangeBarBuilder::with_kernels(bar_rule, kernels);
            builder.push_batch(&records(&trades, 0..p), &mut Vec::new()).unwrap();
            let recent: Vec<u64> = events.opens.iter().filter(|&&o| o < p).map(|&o| o as u64).collect();
            let time_at = |i: u64| trades.timestamp_us[i as usize];
            let needed = FeaturePipeline::first_needed_before(&config, p as u64, &recent, 0, &time_at).unwrap();
            let start = |from: u64| {
                let tail = records(&trades, from as usize..p);
                let opening =
                    Opening { position: p as u64, builder: builder.clone(), recent_opens: &recent, tail: &tail };
                FeaturePipeline::at_opening(config, kernels, opening)
            };
            let mut started = start(needed).unwrap();
            assert_eq!(started.checkpoint().to_json(), one.checkpoint().to_json(), "{mode:?} intra {intra} at {p}");
            let rest = records(&trades, p..trades.len());
            let (mut expected, mut actual) = (Vec::new(), Vec::new());
            one.push_batch(&rest, &mut expected).unwrap();
            started.push_batch(&rest, &mut actual).unwrap();
            assert_eq!(format!("{actual:?}"), format!("{expected:?}"), "{mode:?} intra {intra} at {p}");
            assert_eq!(started.checkpoint().to_json(), one.checkpoint().to_json());
            if needed > 0 {
                assert!(start(needed + 1).is_err(), "a tail one record short is refused ({mode:?} at {p})");
            }
        }
    }
}

#[test]
fn a_forming_bar_is_refused() {
    let trades: TradeBatch = tick_walk(10, 1, 10_000_000_000).into_iter().collect();
    let kernels = Kernels::new(Backend::Scalar).unwrap();
    let mut builder = RangeBarBuilder::with_kernels(BuilderConfig::new(Threshold::from_dbps(2000).unwrap()), kernels);
    builder.push_batch(&trades, &mut Vec::new()).unwrap();
    let opening = Opening { position: 10, builder, recent_opens: &[], tail: &trades };
    assert!(FeaturePipeline::at_opening(FeatureConfig::default(), kernels, opening).is_err());
}
