//! `MomentsStream` (one pass, Terriberry's update) against the two-pass `moments_i64` of the scalar reference:
//! the mean bit for bit (both are the exact shifted sum divided once), the skewness and excess kurtosis within
//! 1e-11 of `max(1, |value|)` (the bound of docs/SIMD.md, "Streaming forms", guarded with the worst case printed).

use barsmith_kernels::streaming::MomentsStream;
use barsmith_test_support::backends;
use barsmith_test_support::series::stress_series;
use barsmith_test_support::worst::Worst;

fn streamed(x: &[i64]) -> Option<barsmith_kernels::Moments> {
    let mut s = MomentsStream::new();
    x.iter().for_each(|&v| s.push(v));
    assert_eq!(s.len(), x.len());
    s.finish()
}

/// Integer series: the stress families scaled to raw fixed point, quantity-like heavy tails, and a large
/// common offset (raw values near 1e15 with small spread).
fn series(n: usize) -> Vec<(String, Vec<i64>)> {
    let mut out: Vec<(String, Vec<i64>)> = stress_series(n)
        .into_iter()
        .map(|(name, x)| (name.to_string(), x.iter().map(|&v| (v * 1e8) as i64).collect()))
        .collect();
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    out.push(("heavy tail".into(), (0..n).map(|_| (1e8 * (-next().ln()).powi(3)) as i64 + 1).collect()));
    out.push(("offset 1e15".into(), (0..n).map(|_| 1_000_000_000_000_000 + (next() * 1e6) as i64).collect()));
    out
}

#[test]
fn moments_stream_agrees_with_the_two_pass_reference() {
    let reference = backends::scalar();
    let mut worst = Worst::new("moments stream");
    for n in [0, 1, 2, 3, 50, 5_000, 200_000] {
        for (name, x) in series(n) {
            let (got, want) = (streamed(&x), reference.moments_i64(&x));
            assert_eq!(
                got.map(|m| (m.count, m.mean.to_bits())),
                want.map(|m| (m.count, m.mean.to_bits())),
                "{name} n={n}"
            );
            let (Some(got), Some(want)) = (got, want) else { continue };
            if want.m2 == 0.0 {
                assert!(got.m2 <= want.mean.abs() * 1e-30, "{name} n={n}: m2 {}", got.m2);
                continue;
            }
            for (what, g, w) in [
                ("skewness", got.skewness(), want.skewness()),
                ("kurtosis", got.excess_kurtosis(), want.excess_kurtosis()),
            ] {
                let relative = (g - w).abs() / w.abs().max(1.0);
                assert!(relative <= 1e-11, "{name} n={n} {what}: {g} vs {w}");
                worst.record(relative, format!("{name} n={n} {what}"));
            }
        }
    }
    worst.finish();
}
