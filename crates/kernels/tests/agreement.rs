//! Every SIMD backend against the scalar reference: every length 0..=130 at start offsets 0..8, edge-value
//! families, the NaN/∞ policy, and proptest-generated inputs.
//!
//! Tolerance (stated once): 1e-12 relative for the kernels and for non-negative sums; sums, means and odd
//! moments that can cancel towards zero are compared with 1e-12 relative to their natural scale (Σ|x|, or
//! m2^1.5 for the third moment), and Hurst exponents (log-log slopes) relative to max(|H|, 1). Integer
//! results must be identical.

mod common;

use barsmith_kernels::{Kernels, Moments};
use barsmith_test_support::{SplitMix, backends};
use common::{close, close_opt};
use proptest::prelude::*;

const REL: f64 = 1e-12;

/// Natural scale of a Hurst exponent (DFA, R/S): exponents are compared within `REL · max(|H|, 1)`.
const HURST_SCALE: f64 = 1.0;

/// Named series families of length `n`.
fn families(n: usize) -> Vec<(&'static str, Vec<f64>)> {
    let mut noise = SplitMix(n as u64 * 7919 + 1);
    let white: Vec<f64> = (0..n).map(|_| noise.uniform()).collect();
    let walk: Vec<f64> = white
        .iter()
        .scan(1e5, |acc, &v| {
            *acc += v;
            Some(*acc)
        })
        .collect();
    let ticks: Vec<f64> = white
        .iter()
        .scan(8_765_001i64, |acc, &v| {
            *acc += (v * 2.4).round() as i64;
            Some(*acc as f64 / 100.0)
        })
        .collect();
    vec![
        ("white", white.clone()),
        ("walk_1e5", walk),
        ("tick_prices", ticks.clone()),
        ("tick_returns", ticks.windows(2).map(|w| w[1] - w[0]).chain([0.0]).collect()),
        ("small_int_ties", white.iter().map(|v| (v * 1.5).round()).collect()),
        ("constant", vec![87_650.01; n]),
        ("increasing", (0..n).map(|i| i as f64 * 0.5).collect()),
        ("alternating", (0..n).map(|i| if i % 2 == 0 { 1.0 } else { -1.0 }).collect()),
        ("huge_offset", white.iter().map(|v| 1e15 + v).collect()),
    ]
}

/// Compares every f64 kernel of `k` with the reference on `x`; returns whether DFA was compared (it is not on
/// inputs whose exponent is rounding noise, see [`dfa_conditioning`]).
fn check_kernels(
    reference: &Kernels,
    k: &Kernels,
    x: &[f64],
    label: &str,
    delays: std::ops::RangeInclusive<usize>,
) -> bool {
    let b = k.backend();
    for order in 2..=7 {
        for delay in delays.clone() {
            let (got, want) = (k.permutation_entropy(x, order, delay), reference.permutation_entropy(x, order, delay));
            assert!(
                close_opt(got, want, 0.0, 0.0) || close_opt(got, want, REL, 1e-15),
                "{b} {label}: PE m={order} τ={delay}: {got:?} vs {want:?}"
            );
        }
    }
    let (got, want) = (k.hurst_dfa(x, None), reference.hurst_dfa(x, None));
    // A Hurst exponent is a log-log slope whose natural scale is 1: an exponent near 0 is a cancelled
    // difference of logarithms, and its rounding is ~1e-14 absolute whatever the summation order.
    // Agreement is bounded by the profile's own rounding relative to the smallest fluctuation (see
    // `dfa_conditioning`); inputs where that is rounding noise are not compared.
    let conditioning = dfa_conditioning(x);
    let dfa_compared = conditioning < 1e9;
    if dfa_compared {
        let rel = REL.max(8.0 * f64::EPSILON * conditioning);
        assert!(
            close_opt(got, want, rel, HURST_SCALE),
            "{b} {label}: DFA {got:?} vs {want:?} (cond {conditioning:.1e})"
        );
    }
    for nvals in [None, Some(&[2usize, 3, 4, 5][..])] {
        let (got, want) = (k.hurst_rs(x, nvals), reference.hurst_rs(x, nvals));
        assert!(close_opt(got, want, REL, HURST_SCALE), "{b} {label}: R/S {nvals:?} {got:?} vs {want:?}");
    }
    let q: Vec<f64> = x.iter().rev().map(|v| v * 0.5 + 3.0).collect();
    let (got, want) = (k.kyle_lambda(x, &q), reference.kyle_lambda(x, &q));
    assert!(close_opt(got, want, REL, kyle_scale(x, &q)), "{b} {label}: kyle {got:?} vs {want:?}");
    check_reductions(reference, k, x, label);
    dfa_compared
}

/// Conditioning of the DFA exponent: the profile's magnitude over the smallest fluctuation F(w) of the
/// default sizes (1 when undefined). The profile is a cumulative sum, so its rounding is ~ε times its
/// magnitude whatever the summation order; relative to the smallest fluctuation that is `ε · conditioning`,
/// which bounds how closely two correct implementations (or nolds) can agree. Runs of equal values make exactly
/// linear profile stretches whose fitted residual is pure rounding noise: when every window of a size is such
/// a stretch the conditioning is ~1/ε, the exponent is a ratio of rounding noises (or `None` when the noise
/// cancels exactly), and the input is not compared.
fn dfa_conditioning(x: &[f64]) -> f64 {
    let n = x.len();
    let sizes = barsmith_kernels::default_dfa_nvals(n);
    if n < 3 || sizes.iter().any(|&w| w < 2 || w >= n) || x.iter().any(|v| !v.is_finite()) {
        return 1.0;
    }
    let mean = x.iter().sum::<f64>() / n as f64;
    let walk: Vec<f64> = x
        .iter()
        .scan(0.0, |acc, v| {
            *acc += v - mean;
            Some(*acc)
        })
        .collect();
    let scale = walk.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let smallest = sizes
        .iter()
        .filter(|&&w| w > 2)
        .map(|&w| {
            let windows: Vec<f64> = (0..n - w).step_by(w / 2).map(|s| window_rms_residual(&walk[s..s + w])).collect();
            (windows.iter().map(|r| r * r).sum::<f64>() / windows.len() as f64).sqrt()
        })
        .fold(f64::INFINITY, f64::min);
    if scale == 0.0 || !smallest.is_finite() { 1.0 } else { (scale / smallest).max(1.0) }
}

/// Root mean square residual of the least-squares line through `y` (plain two-pass formulas).
fn window_rms_residual(y: &[f64]) -> f64 {
    let w = y.len() as f64;
    let (tm, ym) = ((w - 1.0) / 2.0, y.iter().sum::<f64>() / w);
    let stt: f64 = (0..y.len()).map(|t| (t as f64 - tm).powi(2)).sum();
    let sty: f64 = y.iter().enumerate().map(|(t, v)| (t as f64 - tm) * (v - ym)).sum();
    let slope = sty / stt;
    let rss: f64 = y.iter().enumerate().map(|(t, v)| (v - ym - slope * (t as f64 - tm)).powi(2)).sum();
    (rss / w).sqrt()
}

/// Natural scale of a regression slope that cancels towards zero: `(std(dp) + 1e-4 |mean(dp)|) / std(q)` (the
/// second term covers the rounding of a large offset in `dp`).
fn kyle_scale(dp: &[f64], q: &[f64]) -> f64 {
    let n = dp.len().max(1) as f64;
    let std = |v: &[f64]| {
        let m = v.iter().sum::<f64>() / n;
        ((v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / n).sqrt(), m)
    };
    let ((sd, md), (sq, _)) = (std(dp), std(q));
    (sd + 1e-4 * md.abs()) / sq
}

fn check_moments(got: Option<Moments>, want: Option<Moments>, mean_scale: f64, label: &str) {
    let (Some(g), Some(w)) = (got, want) else {
        assert_eq!(got.is_some(), want.is_some(), "{label}: {got:?} vs {want:?}");
        return;
    };
    assert_eq!(g.count, w.count, "{label}");
    assert!(close(g.mean, w.mean, REL, mean_scale), "{label}: mean {} vs {}", g.mean, w.mean);
    // The centred moments inherit the mean's rounding (~ε·|mean|) as an absolute error.
    let shift = f64::EPSILON * 4.0 * mean_scale;
    let m2_floor = shift * shift + 2.0 * shift * w.m2.sqrt();
    assert!(close(g.m2, w.m2, REL, m2_floor / REL), "{label}: m2 {} vs {}", g.m2, w.m2);
    let sd = w.m2.sqrt() + shift;
    assert!(close(g.m3, w.m3, REL, 3.0 * sd * sd * sd), "{label}: m3 {} vs {}", g.m3, w.m3);
    assert!(
        close(g.m4, w.m4, REL, 4.0 * sd.powi(4) / REL * shift / sd.max(f64::MIN_POSITIVE)),
        "{label}: m4 {} vs {}",
        g.m4,
        w.m4
    );
}

fn check_reductions(reference: &Kernels, k: &Kernels, x: &[f64], label: &str) {
    let b = k.backend();
    let abs_sum: f64 = x.iter().map(|v| v.abs()).sum();
    let (got, want) = (k.min_max_f64(x), reference.min_max_f64(x));
    assert_eq!(got.map(|m| (m.min, m.max)), want.map(|m| (m.min, m.max)), "{b} {label}: min/max");
    assert!(close(k.sum_f64(x), reference.sum_f64(x), REL, abs_sum), "{b} {label}: sum");
    assert!(close(k.abs_diff_sum_f64(x), reference.abs_diff_sum_f64(x), REL, 0.0), "{b} {label}: Σ|Δx|");
    let mean_scale = abs_sum / x.len().max(1) as f64;
    check_moments(k.moments_f64(x), reference.moments_f64(x), mean_scale, &format!("{b} {label}: moments"));
    let diff_scale = reference.abs_diff_sum_f64(x) / x.len().saturating_sub(1).max(1) as f64;
    check_moments(k.diff_moments_f64(x), reference.diff_moments_f64(x), diff_scale, &format!("{b} {label}: Δ moments"));
}

fn check_i64(reference: &Kernels, k: &Kernels, x: &[i64], label: &str) {
    let b = k.backend();
    assert_eq!(k.min_max_i64(x), reference.min_max_i64(x), "{b} {label}: min/max");
    assert_eq!(k.sum_i64(x), reference.sum_i64(x), "{b} {label}: sum");
    assert_eq!(k.abs_diff_sum_i64(x), reference.abs_diff_sum_i64(x), "{b} {label}: Σ|Δx|");
    let (got, want) = (k.moments_i64(x), reference.moments_i64(x));
    assert_eq!(got.map(|m| m.mean), want.map(|m| m.mean), "{b} {label}: mean is from the exact sum");
    check_moments(got, want, 0.0, &format!("{b} {label}: moments"));
    let (got, want) = (k.diff_moments_i64(x), reference.diff_moments_i64(x));
    assert_eq!(got.map(|m| m.mean), want.map(|m| m.mean), "{b} {label}: Δ mean is exact");
    check_moments(got, want, 0.0, &format!("{b} {label}: Δ moments"));
}

/// Every length 0..=130 at every start offset 0..8. To keep debug-mode test time reasonable, each
/// (length, offset) runs the white-noise family plus one other family in rotation, and one PE delay in
/// rotation; over the 1048 combinations every family and delay meets every length class and offset. DFA
/// comparisons skipped as rounding noise are counted, reported, and may not exceed a tenth of the cases.
#[test]
fn every_length_and_offset() {
    let reference = backends::scalar();
    let backends = backends::simd();
    let (mut compared, mut skipped) = (0usize, 0usize);
    for len in 0..=130 {
        let all = families(len + 8);
        for offset in 0..8 {
            let rotation = len + offset;
            let delay = 1 + rotation % 3;
            for (name, series) in [&all[0], &all[1 + rotation % (all.len() - 1)]] {
                let x = &series[offset..offset + len];
                for k in &backends {
                    let label = format!("{name} len={len} offset={offset}");
                    if check_kernels(&reference, k, x, &label, delay..=delay) {
                        compared += 1;
                    } else {
                        skipped += 1;
                    }
                }
            }
        }
    }
    eprintln!("DFA: {compared} comparisons, {skipped} skipped as rounding noise (dfa_conditioning >= 1e9)");
    assert!(compared > 0 && skipped * 10 <= compared + skipped, "DFA skipped {skipped} of {}", compared + skipped);
}

#[test]
fn every_length_and_offset_i64() {
    let reference = backends::scalar();
    let backends = backends::simd();
    for len in 0..=130 {
        let mut noise = SplitMix(len as u64);
        let families: Vec<(&str, Vec<i64>)> = vec![
            ("prices_e8", (0..len + 8).map(|_| 8_765_000_000_000 + (noise.uniform() * 1e8) as i64).collect()),
            (
                "times_us",
                (0..len + 8)
                    .scan(1_767_225_600_000_000i64, |t, _| {
                        *t += (noise.uniform().abs() * 5e3) as i64;
                        Some(*t)
                    })
                    .collect(),
            ),
            (
                "extremes",
                (0..len + 8)
                    .map(|i| match i % 4 {
                        0 => i64::MAX,
                        1 => i64::MIN,
                        2 => 0,
                        _ => -1,
                    })
                    .collect(),
            ),
            ("large", (0..len + 8).map(|_| (noise.uniform() * 4.6e18) as i64).collect()),
        ];
        for (name, series) in families {
            for offset in 0..8 {
                let x = &series[offset..offset + len];
                for k in &backends {
                    check_i64(&reference, k, x, &format!("{name} len={len} offset={offset}"));
                }
            }
        }
    }
}

#[test]
fn non_finite_policy() {
    let reference = backends::scalar();
    let mut all = backends::simd();
    all.push(reference);
    for k in &all {
        let b = k.backend();
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            for at in [0, 17, 99] {
                let mut x: Vec<f64> = (0..100).map(|i| ((i * 37) % 11) as f64).collect();
                x[at] = bad;
                let pe = k.permutation_entropy(&x, 3, 1).unwrap();
                assert_eq!(pe.is_nan(), bad.is_nan(), "{b}: PE with {bad} at {at}: {pe}");
                assert!(k.hurst_dfa(&x, None).unwrap().is_nan(), "{b}: DFA with {bad}");
                assert!(k.hurst_rs(&x, None).unwrap().is_nan(), "{b}: R/S with {bad}");
                assert!(k.kyle_lambda(&x, &x).unwrap().is_nan(), "{b}: kyle with {bad}");
                let mm = k.min_max_f64(&x).unwrap();
                if bad.is_nan() {
                    assert!(mm.min.is_nan() && mm.max.is_nan(), "{b}: min/max with NaN");
                } else {
                    assert_eq!(if bad > 0.0 { mm.max } else { mm.min }, bad, "{b}: min/max with {bad}");
                }
                let sum = k.sum_f64(&x);
                assert!(if bad.is_nan() { sum.is_nan() } else { sum == bad }, "{b}: sum with {bad}: {sum}");
                assert!(k.moments_f64(&x).unwrap().m2.is_nan(), "{b}: moments with {bad}");
            }
        }
        let mut x: Vec<f64> = (0..64).map(|i| i as f64).collect();
        x[10] = f64::INFINITY;
        x[20] = f64::NEG_INFINITY;
        assert!(k.sum_f64(&x).is_nan(), "{b}: ∞ - ∞ is NaN");
    }
}

#[test]
fn documented_edge_results() {
    for k in backends::available() {
        let b = k.backend();
        assert_eq!(k.permutation_entropy(&[1.0, 2.0], 3, 1), None, "{b}: fewer than one vector");
        assert_eq!(k.permutation_entropy(&[1.0, 2.0, 3.0], 3, 0), None, "{b}: delay 0");
        assert_eq!(k.permutation_entropy(&[1.0; 20], 8, 1), None, "{b}: order 8");
        assert_eq!(k.permutation_entropy(&[1.0, 2.0, 3.0], 3, 1), Some(0.0), "{b}: one vector");
        assert_eq!(k.permutation_entropy(&[5.0; 40], 4, 2), Some(0.0), "{b}: ties are one pattern");
        assert_eq!(k.hurst_dfa(&[1.0, 2.0, 3.0], None), None, "{b}: DFA too short");
        assert_eq!(k.hurst_dfa(&[2.5; 100], None), None, "{b}: DFA constant");
        assert_eq!(k.hurst_rs(&[2.5; 100], None), None, "{b}: R/S constant");
        assert_eq!(k.hurst_rs(&[1.0, 2.0], Some(&[3, 4])), None, "{b}: R/S size > n");
        assert_eq!(k.kyle_lambda(&[1.0], &[2.0]), None, "{b}: kyle n < 2");
        assert_eq!(k.kyle_lambda(&[1.0, 2.0, 3.0], &[4.0; 3]), None, "{b}: kyle constant q");
        assert_eq!(k.kyle_lambda(&[1.0, 3.0], &[1.0, 2.0]), Some(2.0), "{b}: kyle two points");
        assert_eq!(k.min_max_f64(&[]), None);
        assert_eq!(k.moments_f64(&[]), None);
        assert_eq!(k.diff_moments_f64(&[1.0]), None);
        assert_eq!(k.sum_i64(&[i64::MAX; 70]), 70 * i128::from(i64::MAX), "{b}: exact i64 sum");
        assert_eq!(k.abs_diff_sum_i64(&[i64::MIN, i64::MAX, i64::MIN]), 2 * u128::from(u64::MAX), "{b}: exact Σ|Δx|");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_inputs_agree(
        x in prop::collection::vec(prop_oneof![-1e6f64..1e6, (-3i32..3).prop_map(f64::from), 1e5f64..1.0001e5], 0..300),
        order in 2usize..=7,
        delay in 1usize..=4,
    ) {
        let reference = backends::scalar();
        for k in backends::simd() {
            let (got, want) = (k.permutation_entropy(&x, order, delay), reference.permutation_entropy(&x, order, delay));
            prop_assert!(close_opt(got, want, REL, 1e-15), "{}: PE {got:?} vs {want:?}", k.backend());
            check_kernels(&reference, &k, &x, "proptest", delay..=delay);
        }
    }

    #[test]
    fn random_i64_agree(x in prop::collection::vec(any::<i64>(), 0..200), small in prop::collection::vec(-1000i64..1000, 0..200)) {
        let reference = backends::scalar();
        for k in backends::simd() {
            check_i64(&reference, &k, &x, "proptest any");
            check_i64(&reference, &k, &small, "proptest small");
        }
    }
}
