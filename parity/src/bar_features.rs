//! Bar-level features: ours (`BarLevelFeatures::of`) against rangebar-core's
//! `compute_microstructure_features` on the same bar, within 1e-12 relative.

use ours::RangeBar;
use ours::features::BarLevelFeatures;

/// Largest relative difference accepted between our value and the peer's.
pub const RELATIVE_TOLERANCE: f64 = 1e-12;

/// Number of bar-level features compared per bar.
pub const FEATURES_PER_BAR: usize = 10;

/// `(name, ours, peer)` for every bar-level feature of one bar.
pub fn feature_pairs(ours: &RangeBar, peer: &peer::RangeBar) -> [(&'static str, f64, f64); FEATURES_PER_BAR] {
    let f = BarLevelFeatures::of(ours);
    // The peer computes its features when a bar closes, not for the forming bar: compute them on a copy
    // with the same function its processor calls.
    let mut p = peer.clone();
    p.compute_microstructure_features();
    [
        ("duration_us", f.duration_us as f64, p.duration_us as f64),
        ("ofi", f.ofi, p.ofi),
        ("vwap_close_deviation", f.vwap_close_deviation, p.vwap_close_deviation),
        ("price_impact", f.price_impact, p.price_impact),
        ("kyle_lambda_proxy", f.kyle_lambda_proxy, p.kyle_lambda_proxy),
        ("trade_intensity", f.trade_intensity, p.trade_intensity),
        ("volume_per_trade", f.volume_per_trade, p.volume_per_trade),
        ("aggression_ratio", f.aggression_ratio, p.aggression_ratio),
        ("aggregation_density", f.aggregation_density, p.aggregation_density_f64),
        ("turnover_imbalance", f.turnover_imbalance, p.turnover_imbalance),
    ]
}

/// `true` when `a` and `b` agree within [`RELATIVE_TOLERANCE`] (exactly for zeros).
pub fn agree(a: f64, b: f64) -> bool {
    a == b || (a - b).abs() <= RELATIVE_TOLERANCE * a.abs().max(b.abs())
}

/// Readable mismatch lines for one bar (empty when every feature agrees).
pub fn mismatches(label: &str, ours: &RangeBar, peer: &peer::RangeBar) -> Vec<String> {
    feature_pairs(ours, peer)
        .into_iter()
        .filter(|&(_, a, b)| !agree(a, b))
        .map(|(name, a, b)| {
            format!("{label} {name}: ours {a:e} peer {b:e} (relative {:e})", (a - b).abs() / a.abs().max(b.abs()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::agree;

    #[test]
    fn tolerance_is_relative_and_tight() {
        assert!(agree(0.0, 0.0) && agree(1.0, 1.0 + 1e-13) && agree(-3e-9, -3e-9 * (1.0 + 5e-13)));
        assert!(!agree(1.0, 1.0 + 1e-11) && !agree(0.0, 1e-300) && !agree(1.0, -1.0));
    }
}
