//! A forming bar's intra features streamed as its records arrive (`SymbolPipeline::stream_intra_from`): the
//! same bars, the exact features identical and the estimators within their documented bounds of the block
//! kernels' (on every backend), checkpoints carrying the streams, and the history no longer holding a long
//! forming bar.

use barsmith_core::features::WindowFeatures;
use barsmith_core::{
    BuilderConfig, FeatureCheckpoint, FeatureConfig, FeaturedBar, Kernels, LookbackMode, SymbolPipeline, Threshold,
    Trade, TradeBatch,
};
use barsmith_test_support::backends;
use barsmith_test_support::trades::tick_walk;

fn builders(dbps: &[u32]) -> Vec<BuilderConfig> {
    dbps.iter().map(|&d| BuilderConfig::new(Threshold::from_dbps(d).unwrap())).collect()
}

/// Runs `trades` through a pipeline of thresholds `dbps` in batches of `batch` records, streaming forming bars
/// longer than `stream_from` records; with `resume`, a checkpoint is written, read back and resumed after every
/// batch. Returns every completed bar and the most records the history held after a batch.
fn run(
    trades: &[Trade],
    dbps: &[u32],
    config: FeatureConfig,
    (kernels, stream_from): (Kernels, u64),
    (batch, resume): (usize, bool),
) -> (Vec<(usize, FeaturedBar)>, u64) {
    let mut pipeline = SymbolPipeline::new(&builders(dbps), config, kernels).unwrap();
    pipeline.stream_intra_from(stream_from);
    let (mut out, mut held) = (Vec::new(), 0);
    for part in trades.chunks(batch) {
        let batch: TradeBatch = part.iter().collect();
        pipeline.push_batch(&batch, &mut out).unwrap();
        held = held.max(pipeline.held_records());
        if resume {
            let checkpoints: Vec<FeatureCheckpoint> = (0..dbps.len())
                .map(|i| FeatureCheckpoint::from_json(&pipeline.checkpoint(i).to_json()).unwrap())
                .collect();
            pipeline = SymbolPipeline::from_checkpoints(&checkpoints, kernels).unwrap();
            pipeline.stream_intra_from(stream_from);
        }
    }
    (out, held)
}

fn close(label: &str, got: Option<f64>, want: Option<f64>, tolerance: f64) {
    let ok = match (got, want) {
        (Some(g), Some(w)) => (g - w).abs() <= tolerance * w.abs().max(1.0),
        (g, w) => g.is_none() && w.is_none(),
    };
    assert!(ok, "{label}: streamed {got:?} vs block {want:?}");
}

/// Streamed against block intra features of one bar.
fn assert_within_bounds(label: &str, got: &WindowFeatures, want: &WindowFeatures) {
    let exact = |w: &WindowFeatures| {
        (w.record_count, w.duration_us, w.record_intensity, w.ofi, w.record_imbalance, w.vwap, w.vwap_position)
    };
    assert_eq!(exact(got), exact(want), "{label}");
    let exact_rest = |w: &WindowFeatures| {
        [w.burstiness, w.price_range, w.garman_klass_vol, w.kaufman_er, w.max_drawdown, w.max_runup]
    };
    assert_eq!(exact_rest(got), exact_rest(want), "{label}");
    close(&format!("{label} skew"), got.volume_skew, want.volume_skew, 1e-11);
    close(&format!("{label} kurtosis"), got.volume_kurt, want.volume_kurt, 1e-11);
    close(&format!("{label} PE"), got.permutation_entropy, want.permutation_entropy, 1e-12);
    close(&format!("{label} DFA"), got.hurst_dfa, want.hurst_dfa, 1e-11);
    close(&format!("{label} R/S"), got.hurst_rs, want.hurst_rs, 1e-12);
    close(&format!("{label} Kyle"), got.kyle_lambda, want.kyle_lambda, 1e-11);
}

#[test]
fn streamed_intra_features_equal_the_block_kernels_on_every_backend() {
    let trades = tick_walk(40_000, 11, 10_000_000_000);
    let config = FeatureConfig::default();
    for kernels in backends::available() {
        let (block, _) = run(&trades, &[150, 400], config, (kernels, u64::MAX), (1_000, false));
        let (streamed, _) = run(&trades, &[150, 400], config, (kernels, 64), (777, false));
        // Each batch emits threshold by threshold: compare in threshold order.
        let (mut block, mut streamed) = (block, streamed);
        block.sort_by_key(|(index, _)| *index);
        streamed.sort_by_key(|(index, _)| *index);
        assert_eq!(block.len(), streamed.len());
        assert!(block.len() > 20, "{} bars", block.len());
        let mut long = 0;
        for ((index, want), (other, got)) in block.iter().zip(&streamed) {
            assert_eq!((index, want.bar), (other, got.bar));
            let (want, got) = (want.features.intra.unwrap(), got.features.intra.unwrap());
            long += usize::from(want.record_count > 64);
            let label = format!("{} bar of {} records", kernels.backend(), want.record_count);
            assert_within_bounds(&label, &got, &want);
        }
        assert!(long > 10, "{long} streamed bars");
    }
}

#[test]
fn a_resumed_stream_gives_the_same_bars_bit_for_bit() {
    let trades = tick_walk(12_000, 5, 10_000_000_000);
    let config = FeatureConfig { lookback_mode: LookbackMode::Count(50), ..FeatureConfig::default() };
    let kernels = Kernels::detect();
    let (mut resumed, _) = run(&trades, &[150, 400], config, (kernels, 100), (313, true));
    let (mut single, _) = run(&trades, &[150, 400], config, (kernels, 100), (12_000, false));
    resumed.sort_by_key(|(index, _)| *index);
    single.sort_by_key(|(index, _)| *index);
    assert_eq!(single, resumed);
}

#[test]
fn a_streamed_forming_bar_is_not_held_in_the_history() {
    // A 20 % bar on a walk of 0.01 steps near 100.00 stays open for the whole run.
    let trades = tick_walk(300_000, 3, 10_000_000_000);
    let config = FeatureConfig { lookback_mode: LookbackMode::Count(500), ..FeatureConfig::default() };
    let kernels = Kernels::detect();
    let (bars, held) = run(&trades, &[20_000], config, (kernels, 2_000), (4_096, false));
    assert!(bars.is_empty(), "{} bars", bars.len());
    assert!(held <= 2_000 + 4_096 + 500, "held {held} records");
    let (_, held_block) = run(&trades, &[20_000], config, (kernels, u64::MAX), (4_096, false));
    assert_eq!(held_block, 300_000);
}
