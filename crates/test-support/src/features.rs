//! Feature settings the core tests share.

use barsmith_core::features::FeatureConfig;

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
