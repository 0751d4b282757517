//! Feature settings, lookback modes and bar fingerprints the core tests share.

use barsmith_core::FeaturedBar;
use barsmith_core::features::FeatureConfig;
use proptest::strategy::Strategy;

/// Every feature on, the lookback `mode` (e.g. `count:50`, `bars:3`, `time:2ms`), and the estimators' minimum
/// windows lowered (PE from 10 records, Hurst from 20) so that the short bars of a test stream get values.
pub fn small_windows(mode: &str) -> FeatureConfig {
    FeatureConfig {
        lookback_mode: mode.parse().unwrap_or_else(|e| panic!("lookback {mode:?}: {e}")),
        pe_min_records: 10,
        hurst_min_records: 20,
        ..Default::default()
    }
}

/// The lookback modes the resume tests draw from: each kind, from one record (or bar) to more than a stream's.
pub fn lookback_modes() -> impl Strategy<Value = &'static str> {
    proptest::sample::select(vec!["count:1", "count:40", "count:500", "time:3ms", "time:1s", "bars:1", "bars:4"])
}

/// A bar's open time and its feature values as bits.
pub type FeatureBits = (i64, Vec<Option<u64>>);

/// A bar's open time and its feature values as bits, so that equal NaNs and signed zeros are told apart exactly.
pub fn feature_bits(bar: &FeaturedBar, config: &FeatureConfig) -> FeatureBits {
    (bar.bar.open_time, bar.features.values(config).iter().map(|v| v.map(f64::to_bits)).collect())
}
