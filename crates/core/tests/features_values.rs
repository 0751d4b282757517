//! Window features against hand-computed values and an independent oracle (`features_oracle.py`),
//! agreement of every kernel backend, and the output columns.

use barsmith_core::features::{Backend, WindowFeatures, WindowRecords, feature_columns, window_features};
use barsmith_core::{BuilderConfig, FeatureConfig, FeaturePipeline, Kernels, Threshold, Trade};

const E8: i64 = 100_000_000;

struct Window {
    price: Vec<i64>,
    quantity: Vec<i64>,
    time_us: Vec<i64>,
    is_buy: Vec<bool>,
}

impl Window {
    fn records(&self) -> WindowRecords<'_> {
        WindowRecords { price: &self.price, quantity: &self.quantity, time_us: &self.time_us, is_buy: &self.is_buy }
    }
}

fn close(actual: Option<f64>, expected: f64, relative: f64, name: &str) {
    let actual = actual.unwrap_or_else(|| panic!("{name} is null, expected {expected}"));
    let error = (actual - expected).abs() / expected.abs().max(f64::MIN_POSITIVE);
    assert!(error <= relative, "{name}: {actual} vs {expected} (relative error {error:e})");
}

/// Five records worked out by hand (see the comments for each value).
#[test]
fn five_records_match_hand_computed_values() {
    let window = Window {
        price: [100, 102, 101, 105, 103].map(|p| p * E8).to_vec(),
        quantity: [1, 2, 1, 3, 1].map(|q| q * E8).to_vec(),
        time_us: vec![0, 1_000_000, 1_000_000, 3_000_000, 6_000_000],
        is_buy: vec![true, false, true, true, false],
    };
    let config = FeatureConfig { pe_min_records: 3, ..FeatureConfig::default() };
    let f = window_features(&window.records(), &config, &Kernels::new(Backend::Scalar).unwrap());
    assert_eq!((f.record_count, f.duration_us), (5, Some(6_000_000)));
    assert_eq!(f.record_intensity, Some(5.0 / 6.0));
    assert_eq!(f.ofi, Some(0.25), "buys 1+1+3, sells 2+1");
    assert_eq!(f.record_imbalance, Some(0.2), "3 buys, 2 sells");
    assert_eq!(f.vwap, Some(102.875), "823 / 8");
    assert_eq!(f.vwap_position, Some(0.575), "(102.875 − 100) / 5");
    // Gaps 1, 0, 2, 3 s: μ = 1.5, σ = √1.25.
    let sigma = 1.25f64.sqrt();
    close(f.burstiness, (sigma - 1.5) / (sigma + 1.5), 1e-15, "burstiness");
    // Quantities 1, 2, 1, 3, 1: m2 = 0.64, m3 = 0.432, m4 = 0.8512.
    close(f.volume_skew, 0.84375, 1e-14, "volume_skew");
    close(f.volume_kurt, -0.921875, 1e-14, "volume_kurt");
    assert_eq!(f.price_range, Some(0.05));
    let gk = (0.5 * 1.05f64.ln().powi(2) - (2.0 * std::f64::consts::LN_2 - 1.0) * 1.03f64.ln().powi(2)).sqrt();
    close(f.garman_klass_vol, gk, 1e-14, "garman_klass_vol");
    assert_eq!(f.kaufman_er, Some(1.0 / 3.0), "3 / (2 + 1 + 4 + 2)");
    assert_eq!(f.max_drawdown, Some(2.0 / 105.0), "103 after the 105 peak");
    assert_eq!(f.max_runup, Some(5.0 / 105.0), "105 above the 100 trough");
    // Returns ln(102/100), ln(101/102), ln(105/101), ln(103/105) on signed quantities −2, 1, 3, −1.
    let r = [1.02f64.ln(), (101.0f64 / 102.0).ln(), (105.0f64 / 101.0).ln(), (103.0f64 / 105.0).ln()];
    let x = [-2.0, 1.0, 3.0, -1.0];
    let (mx, mr) = (x.iter().sum::<f64>() / 4.0, r.iter().sum::<f64>() / 4.0);
    let sxy: f64 = x.iter().zip(&r).map(|(a, b)| (a - mx) * (b - mr)).sum();
    let sxx: f64 = x.iter().map(|a| (a - mx) * (a - mx)).sum();
    close(f.kyle_lambda, sxy / sxx, 1e-12, "kyle_lambda");
    // Patterns (0,2,1), (1,0,2), (0,2,1): H = −(⅔ ln ⅔ + ⅓ ln ⅓) / ln 3!.
    let h = -(2.0 / 3.0 * (2.0f64 / 3.0).ln() + 1.0 / 3.0 * (1.0f64 / 3.0).ln()) / 6.0f64.ln();
    close(f.permutation_entropy, h, 1e-14, "permutation_entropy");
    assert_eq!((f.hurst_dfa, f.hurst_rs), (None, None), "below the 64-record minimum");
}

#[test]
fn undefined_values_are_null() {
    let kernels = Kernels::detect();
    let config = FeatureConfig::default();
    let empty = window_features(
        &Window { price: vec![], quantity: vec![], time_us: vec![], is_buy: vec![] }.records(),
        &config,
        &kernels,
    );
    assert_eq!(empty, WindowFeatures::default());
    assert_eq!(empty.duration_us, None);
    let one = Window { price: vec![100 * E8], quantity: vec![E8], time_us: vec![7], is_buy: vec![true] };
    let f = window_features(&one.records(), &config, &kernels);
    assert_eq!((f.record_count, f.duration_us, f.record_intensity), (1, Some(0), None));
    assert_eq!((f.ofi, f.vwap, f.vwap_position), (Some(1.0), Some(100.0), None));
    assert_eq!((f.kyle_lambda, f.burstiness, f.volume_skew, f.kaufman_er), (None, None, None, None));
    assert_eq!((f.price_range, f.garman_klass_vol, f.max_drawdown), (Some(0.0), Some(0.0), Some(0.0)));
    // Same timestamp and equal quantities: burstiness and the moments are undefined.
    let flat = Window {
        price: vec![100 * E8; 4],
        quantity: vec![E8; 4],
        time_us: vec![5; 4],
        is_buy: vec![true, false, true, false],
    };
    let f = window_features(&flat.records(), &config, &kernels);
    assert_eq!((f.burstiness, f.volume_skew, f.volume_kurt, f.kaufman_er), (None, None, None, None));
    assert_eq!(f.kyle_lambda, Some(0.0), "flat prices: zero slope on varying signed quantity");
}

/// The window of `features_oracle.py`: `n` tick prices from the kernels' golden series, quantities,
/// sides and times from closed forms.
fn oracle_window(n: usize) -> Window {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/golden/series.json");
    let text = std::fs::read_to_string(path).expect("fixtures/golden/series.json is in the repository");
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let prices = json["series"]["tick_price_n2000"].as_array().unwrap();
    let price = prices[..n].iter().map(|p| (p.as_f64().unwrap() * 100.0).round() as i64 * 1_000_000).collect();
    let quantity = (0..n as i64).map(|i| 1000 * (1 + (i * 7919) % 997)).collect();
    let is_buy = (0..n).map(|i| (i * 31) % 7 < 4).collect();
    let mut t = 1_700_000_000_000_000i64;
    let time_us = (0..n as i64).map(|i| {
        t += if i % 4 != 0 { (i * i * 37) % 5000 } else { 0 };
        t
    });
    Window { price, quantity, time_us: time_us.collect(), is_buy }
}

/// `(name, value at n = 500, value at n = 2000)` from `python3 crates/core/tests/features_oracle.py` (fractions,
/// numpy, antropy, nolds 0.6.2).
const ORACLE: [(&str, f64, f64); 19] = [
    ("record_count", 500.0, 2000.0),
    ("duration_us", 950750.0, 3798000.0),
    ("record_intensity", 525.9006047856955, 526.592943654555),
    ("ofi", 0.15818829564513784, 0.1827147692720354),
    ("record_imbalance", 0.144, 0.143),
    ("vwap", 87649.89221639583, 87649.72159018437),
    ("vwap_position", 0.5937973702262258, 0.48344467207184755),
    ("kyle_lambda", 7.699750831443419e-07, -6.341719075968239e-07),
    ("burstiness", -0.07025671812377438, -0.07234319357590795),
    ("volume_skew", -0.021980351973666594, -0.004170644034604655),
    ("volume_kurt", -1.1962153765045767, -1.2021080375334943),
    ("price_range", 6.959498003422704e-06, 9.241300627495722e-06),
    ("garman_klass_vol", 3.8626632680800264e-06, 6.269129767074206e-06),
    ("kaufman_er", 0.10997442455242967, 0.017615176151761516),
    // The n = 2000 value is also the kernels' golden for tick_price_n2000, order 3, delay 1.
    ("permutation_entropy", 0.775435027170771, 0.7462138085281047),
    ("hurst_dfa", 0.5214853111869929, 0.5692485295129984),
    ("hurst_rs", 0.5498001788513001, 0.5420127692439278),
    ("max_drawdown", 6.959486887299895e-06, 9.241285866742484e-06),
    ("max_runup", 1.597259285609812e-06, 6.503144898054647e-06),
];

/// Relative tolerance per feature: exact closed forms tightly, float estimators at the kernels' bounds.
fn tolerance(name: &str) -> f64 {
    match name {
        "hurst_dfa" | "hurst_rs" => 1e-9,
        "kyle_lambda" | "volume_skew" | "volume_kurt" | "garman_klass_vol" | "burstiness" => 1e-10,
        "permutation_entropy" => 1e-12,
        _ => 1e-15,
    }
}

fn named_values(f: &WindowFeatures) -> Vec<(&'static str, Option<f64>)> {
    let config = FeatureConfig { bar: false, lookback: false, ..FeatureConfig::default() };
    let features = barsmith_core::BarFeatures { intra: Some(*f), ..Default::default() };
    let names = feature_columns(&config).into_iter().map(|c| c.name.strip_prefix("intra_").unwrap());
    names.zip(features.values(&config)).collect()
}

#[test]
fn windows_match_the_independent_oracle_on_every_backend() {
    for backend in barsmith_test_support::backends::available() {
        for n in [500, 2000] {
            let f = window_features(&oracle_window(n).records(), &FeatureConfig::default(), &backend);
            for ((name, value), (oracle_name, at_500, at_2000)) in named_values(&f).into_iter().zip(ORACLE) {
                assert_eq!(name, oracle_name);
                let expected = if n == 500 { at_500 } else { at_2000 };
                close(value, expected, tolerance(name), &format!("{:?} n={n} {name}", backend.backend()));
            }
        }
    }
}

/// A deterministic tick walk near 10 000.00.
fn stream(len: usize) -> Vec<Trade> {
    barsmith_test_support::trades::tick_walk(len, 0x9E37_79B9_7F4A_7C15, 10_000 * E8)
}

/// Every backend against the scalar reference through the whole pipeline: integer fields identical, every
/// feature within 1e-9 relative to its own magnitude, except Kyle lambda, within 1e-9 relative to the larger
/// of its magnitude and the root mean square of the column over the run (a slope near zero is a cancelled
/// difference of sums, so its error relative to itself is unbounded; 3.4e-9 was seen). The worst relative
/// differences are printed (`--nocapture`) for docs/FEATURES.md.
#[test]
fn every_backend_gives_the_same_bars_and_features_within_tolerance() {
    let trades: barsmith_core::TradeBatch = stream(20_000).iter().collect();
    let config = FeatureConfig { lookback_mode: "count:300".parse().unwrap(), ..FeatureConfig::default() };
    let builder = BuilderConfig::new(Threshold::from_dbps(2).unwrap());
    let run = |kernels: Kernels| {
        let mut pipeline = FeaturePipeline::new(builder, config, kernels).unwrap();
        let mut out = Vec::new();
        pipeline.push_batch(&trades, &mut out).unwrap();
        out
    };
    let reference = run(Kernels::new(Backend::Scalar).unwrap());
    assert!(reference.len() > 50, "{} bars", reference.len());
    let columns = feature_columns(&config);
    let values: Vec<Vec<Option<f64>>> = reference.iter().map(|bar| bar.features.values(&config)).collect();
    let rms: Vec<f64> = (0..columns.len())
        .map(|c| {
            let present: Vec<f64> = values.iter().filter_map(|row| row[c]).collect();
            (present.iter().map(|v| v * v).sum::<f64>() / present.len().max(1) as f64).sqrt()
        })
        .collect();
    let mut worst = vec![(0.0f64, 0.0f64); columns.len()];
    for kernels in barsmith_test_support::backends::available() {
        let other = run(kernels);
        assert_eq!(other.len(), reference.len());
        for (a, (b, want)) in other.iter().zip(reference.iter().zip(&values)) {
            assert_eq!(a.bar, b.bar, "integer fields are identical");
            for (c, (x, y)) in a.features.values(&config).into_iter().zip(want).enumerate() {
                let name = columns[c].name;
                let (Some(x), Some(y)) = (x, *y) else {
                    assert_eq!(x.is_some(), y.is_some(), "{:?} {name}", kernels.backend());
                    continue;
                };
                let own = (x - y).abs() / x.abs().max(y.abs()).max(f64::MIN_POSITIVE);
                let scaled = (x - y).abs() / x.abs().max(y.abs()).max(rms[c]).max(f64::MIN_POSITIVE);
                worst[c] = (worst[c].0.max(own), worst[c].1.max(scaled));
                let bounded = if name.ends_with("kyle_lambda") { scaled } else { own };
                assert!(bounded <= 1e-9, "{:?} {name}: {x} vs {y} ({own:.1e} relative)", kernels.backend());
            }
        }
    }
    for (column, (own, scaled)) in columns.iter().zip(&worst) {
        eprintln!("{:<32} worst relative {own:.1e}, relative to max(|value|, rms) {scaled:.1e}", column.name);
    }
}

#[test]
fn columns_follow_the_configuration() {
    let all = feature_columns(&FeatureConfig::default());
    assert_eq!(all.len(), 10 + 2 * 19);
    assert_eq!(all[0].name, "duration_us");
    assert!(all[0].integer && !all[1].integer);
    assert!(all.iter().any(|c| c.name == "intra_hurst_dfa") && all.iter().any(|c| c.name == "lookback_max_runup"));
    let names: std::collections::HashSet<_> = all.iter().map(|c| c.name).collect();
    assert_eq!(names.len(), all.len(), "names are unique");
    let cheap = FeatureConfig { permutation_entropy: false, hurst: false, bar: false, ..FeatureConfig::default() };
    let columns = feature_columns(&cheap);
    assert_eq!(columns.len(), 2 * 16);
    assert!(!columns.iter().any(|c| c.name.contains("hurst") || c.name.contains("entropy")));
    let values = barsmith_core::BarFeatures::default().values(&cheap);
    assert_eq!(values.len(), columns.len());
}
