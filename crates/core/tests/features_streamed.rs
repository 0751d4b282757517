//! Windows longer than the streaming threshold (2^17 records) are computed by the kernels' streaming forms
//! from the record history, without per-record buffers. Their values must equal the block kernels' on the
//! same columns, on every backend, within the kernels' documented bounds: moments, permutation entropy and
//! R/S are the scalar reference's exactly; DFA within 1e-11 relative (the streaming bound's guard,
//! docs/SIMD.md), Kyle λ within 1e-11 relative.

use barsmith_core::FeatureConfig;
use barsmith_core::features::{WindowRecords, window_features};
use barsmith_test_support::backends;
use barsmith_test_support::trades::tick_walk;

fn close(label: &str, got: Option<f64>, want: Option<f64>, tolerance: f64) {
    let ok = match (got, want) {
        (Some(g), Some(w)) => (g - w).abs() <= tolerance * w.abs().max(1.0),
        (g, w) => g.is_none() && w.is_none(),
    };
    assert!(ok, "{label}: streamed {got:?} vs block {want:?}");
}

#[test]
fn a_long_window_streams_and_equals_the_block_kernels() {
    let trades = tick_walk(200_000, 26, 8_764_821_000_000);
    let price: Vec<i64> = trades.iter().map(|t| t.price.0).collect();
    let quantity: Vec<i64> = trades.iter().map(|t| t.quantity.0).collect();
    let time_us: Vec<i64> = trades.iter().map(|t| t.timestamp_us).collect();
    let is_buy: Vec<bool> = trades.iter().map(|t| !t.is_buyer_maker).collect();
    let records = WindowRecords { price: &price, quantity: &quantity, time_us: &time_us, is_buy: &is_buy };
    let config = FeatureConfig::default();
    let prices: Vec<f64> = price.iter().map(|&p| p as f64).collect();
    let returns: Vec<f64> = price.windows(2).map(|w| ((w[1] - w[0]) as f64 / w[0] as f64).ln_1p()).collect();
    let signed: Vec<f64> = quantity
        .iter()
        .zip(&is_buy)
        .skip(1)
        .map(|(&q, &b)| if b { q as f64 / 1e8 } else { -(q as f64) / 1e8 })
        .collect();
    let scalar = backends::scalar();
    let moments = scalar.moments_i64(&quantity).unwrap();
    for k in backends::available() {
        let got = window_features(&records, &config, &k);
        let label = |what: &str| format!("{} {what}", k.backend());
        assert_eq!(got.record_count, 200_000);
        assert_eq!(got.volume_skew, Some(moments.skewness()), "{}", label("skew"));
        assert_eq!(got.volume_kurt, Some(moments.excess_kurtosis()), "{}", label("kurtosis"));
        assert_eq!(got.permutation_entropy, scalar.permutation_entropy(&prices, 3, 1), "{}", label("PE"));
        assert_eq!(got.hurst_rs, scalar.hurst_rs(&returns, None), "{}", label("R/S"));
        close(&label("DFA"), got.hurst_dfa, k.hurst_dfa(&returns, None), 1e-11);
        close(&label("Kyle"), got.kyle_lambda, k.kyle_lambda(&returns, &signed), 1e-11);
        close(&label("R/S vs backend"), got.hurst_rs, k.hurst_rs(&returns, None), 1e-12);
        close(&label("PE vs backend"), got.permutation_entropy, k.permutation_entropy(&prices, 3, 1), 1e-12);
    }
}
