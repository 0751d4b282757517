//! Series that stress the numerics of the Hurst kernels (DFA, R/S): long walks, trends, offsets with small
//! noise, huge and tiny scales, jumps next to smooth stretches. Used by the kernels' long-series tests and by
//! the `dfa_prefix_sums` measurement example.

use crate::SplitMix;

fn cumsum(start: f64, steps: impl Iterator<Item = f64>) -> Vec<f64> {
    steps
        .scan(start, |acc, v| {
            *acc += v;
            Some(*acc)
        })
        .collect()
}

/// Named series of length `n` that stress cancellation: long walks (the profile is an integrated walk), trends,
/// offsets with small noise, and huge scales.
pub fn stress_series(n: usize) -> Vec<(&'static str, Vec<f64>)> {
    let mut noise = SplitMix(n as u64 * 31 + 7);
    let white: Vec<f64> = (0..n).map(|_| noise.uniform()).collect();
    vec![
        ("white", white.clone()),
        ("random_walk", cumsum(0.0, white.iter().copied())),
        ("walk_with_drift", cumsum(0.0, white.iter().map(|v| v + 0.3))),
        ("offset_1e5_small_noise", white.iter().map(|v| 1e5 + 1e-3 * v).collect()),
        ("price_walk_1e5", cumsum(1e5, white.iter().map(|v| (v * 3.0).round() * 0.01))),
        ("increasing", (0..n).map(|i| i as f64).collect()),
        ("quadratic", (0..n).map(|i| (i as f64) * (i as f64)).collect()),
        ("exponential", (0..n).map(|i| (i as f64 * 20.0 / n as f64).exp()).collect()),
        ("trend_plus_noise", (0..n).map(|i| i as f64 * 1e3 + white[i]).collect()),
        ("huge_1e12", cumsum(1e12, white.iter().map(|v| v * 1e9))),
        ("tiny_1e-9", white.iter().map(|v| v * 1e-9).collect()),
        ("sine", (0..n).map(|i| (i as f64 * 0.01).sin() + 1e-6 * white[i]).collect()),
        // Jumps right next to smooth stretches (a line fitted through points outside a window would cancel).
        ("outliers", white.iter().enumerate().map(|(i, v)| if i % 97 == 13 { v * 1e3 } else { *v }).collect()),
        ("level_steps", cumsum(0.0, white.iter().enumerate().map(|(i, v)| if i % 61 == 7 { 1e5 } else { 1e-3 * v }))),
        ("flat_then_jump", (0..n).map(|i| if i % 50 < 45 { 1e5 } else { 1e5 + 2.7 + white[i] }).collect()),
    ]
}
